"""Micro-bench of the HTTP cache's own cost: the latency of a warm hit and of a miss, with the cache on (the
version within `HTTP_CACHE_MAX_STALENESS_MS`, and read per query with 0) and off.

    .venv/bin/python bench/http_cache_latency.py --neo4j-uri bolt://127.0.0.1:7690 --rounds 5

The app runs in this process (its lifespan included) and is called through httpx's ASGI transport, one request
at a time, so the figures are the service's time without a socket or a server in front (what the cache adds or
saves; indicative on a shared machine). The database must hold the real dataset (`clustergraph load`). A miss is
a cluster asked for by key, each key of the dataset once per round, so no answer is in the cache yet; a warm hit
is one such request repeated. Nothing is written. Figures are medians and p90 in milliseconds, and the statements
Neo4j was sent per request (counted by the app's `on_statement` observer).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Mapping
from typing import Any

import httpx

from clustergraph.app import create_app
from clustergraph.settings import Settings

CLUSTER = """query One($key: ID!) {
  cluster(id: $key) { key name outputValueCny county { name city { name } } industry { name } }
}"""
KEYS = "query($first: Int!) { clusters(first: $first) { nodes { key } } }"


class Counter:
    def __init__(self) -> None:
        self.statements = 0

    def __call__(self, statement: str, params: Mapping[str, Any], request_id: str | None) -> None:
        self.statements += 1


async def _timed(client: httpx.AsyncClient, variables: dict[str, Any]) -> float:
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": CLUSTER, "variables": variables})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed * 1000


async def measure(
    settings: Settings, keys: list[str], rounds: int, hits: int
) -> dict[str, tuple[float, ...]]:
    """{"miss"|"hit": (p50 ms, p90 ms, statements per request)} for one configuration."""
    counter = Counter()
    app = create_app(settings, on_statement=counter)
    out: dict[str, tuple[float, ...]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for key in keys[:5]:  # warm-up: connections, plans, parser caches
                await _timed(client, {"key": key, "round": -1})
            misses: list[float] = []
            before = counter.statements
            for round_ in range(rounds):
                # The round's number, a variable the operation does not declare (GraphQL ignores it), makes each
                # round's requests new to the cache.
                for key in keys:
                    misses.append(await _timed(client, {"key": key, "round": round_}))
            miss_statements = (counter.statements - before) / len(misses)
            hit_times: list[float] = []
            await _timed(client, {"key": keys[0]})
            before = counter.statements
            for _ in range(hits):
                hit_times.append(await _timed(client, {"key": keys[0]}))
            hit_statements = (counter.statements - before) / hits
    out["miss"] = (_p(misses, 50), _p(misses, 90), miss_statements)
    out["hit"] = (_p(hit_times, 50), _p(hit_times, 90), hit_statements)
    return out


def _p(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100)[percent - 1]


async def _keys(settings: Settings, count: int) -> list[str]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            response = await client.post("/graphql", json={"query": KEYS, "variables": {"first": count}})
            return [node["key"] for node in response.json()["data"]["clusters"]["nodes"]]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--neo4j-uri", required=True)
    parser.add_argument("--keys", type=int, default=100, help="clusters asked for (misses per round)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hits", type=int, default=500)
    args = parser.parse_args()
    base = Settings(neo4j_uri=args.neo4j_uri, rate_limit=False, log_level="warning")
    base = base.model_copy(update={"neo4j_password": base.neo4j_secret})
    keys = asyncio.run(_keys(base, args.keys))
    configurations = {
        "off": {"http_cache": False},
        "on, bound 250 ms": {"http_cache": True, "http_cache_max_staleness_ms": 250},
        "on, bound 0": {"http_cache": True, "http_cache_max_staleness_ms": 0},
    }
    print(
        f"{len(keys)} keys x {args.rounds} rounds of misses, {args.hits} hits; ms (p50 / p90), statements/request"
    )
    for name, update in configurations.items():
        figures = asyncio.run(measure(base.model_copy(update=update), keys, args.rounds, args.hits))
        row = "  ".join(
            f"{kind} {p50:6.3f} / {p90:6.3f} ({statements:.2f} st)"
            for kind, (p50, p90, statements) in figures.items()
        )
        print(f"{name:18} {row}")


if __name__ == "__main__":
    main()
