"""Micro-bench of the HTTP cache's own cost: the latency of a warm hit and of a miss, with the cache on (the
version within `HTTP_CACHE_MAX_STALENESS_MS`, and read per query with 0) and off.

    .venv/bin/python bench/http_cache_latency.py --neo4j-uri bolt://127.0.0.1:7690 --rounds 5

The app runs in this process (its lifespan included) and is called through httpx's ASGI transport, one request
at a time, the configurations' requests alternating, so the figures are the service's time without a socket or a server in front (what the cache adds or
saves; indicative on a shared machine). The database must hold the real dataset (`clustergraph load`). A miss is
a cluster asked for by key, each key of the dataset once per round, so no answer is in the cache yet; a warm hit
is one such request repeated. Nothing is written. Figures are medians and p90 in milliseconds, and the statements
Neo4j was sent per request (counted by the app's `on_statement` observer); first, the time the cache's own work
on a miss takes (its key, ETag, look-up and store), Neo4j aside.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
from collections.abc import Mapping
from typing import Any

import httpx
import orjson
from starlette.requests import Request

from clustergraph.app import create_app
from clustergraph.httpcache import HttpCache
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
    configurations: dict[str, Settings], keys: list[str], rounds: int, hits: int
) -> dict[str, dict[str, tuple[float, ...]]]:
    """{configuration: {"miss"|"hit": (p50 ms, p90 ms, statements per request)}}. Every configuration's app runs
    at once and their requests alternate, so that the machine's load weighs on each alike."""
    names = list(configurations)
    counters = {name: Counter() for name in names}
    apps = {
        name: create_app(settings, on_statement=counters[name]) for name, settings in configurations.items()
    }
    times: dict[str, dict[str, list[float]]] = {name: {"miss": [], "hit": []} for name in names}
    statements: dict[str, dict[str, int]] = {name: {"miss": 0, "hit": 0} for name in names}
    async with contextlib.AsyncExitStack() as stack:
        clients = {}
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://bench")
            )

        async def timed(kind: str, variables: dict[str, Any]) -> None:
            for name in names:
                before = counters[name].statements
                times[name][kind].append(await _timed(clients[name], variables))
                statements[name][kind] += counters[name].statements - before

        for key in keys[:5]:  # warm-up: connections, plans, parser caches
            for name in names:
                await _timed(clients[name], {"key": key, "round": -1})
        for round_ in range(rounds):
            # The round's number, a variable the operation does not declare (GraphQL ignores it), makes each
            # round's requests new to the cache.
            for key in keys:
                await timed("miss", {"key": key, "round": round_})
        for _ in range(hits):
            await timed("hit", {"key": keys[0], "round": -1})
    return {
        name: {
            kind: (_p(values, 50), _p(values, 90), statements[name][kind] / len(values))
            for kind, values in times[name].items()
        }
        for name in names
    }


async def bookkeeping(settings: Settings, count: int) -> tuple[float, float]:
    """(p50, p90) in microseconds of what a miss adds in the cache itself, Neo4j aside: the request's key, the
    ETag, the look-up and the store of a 300-byte answer."""
    cache = HttpCache(settings.model_copy(update={"http_cache": True}))
    spent: list[float] = []
    for i in range(count):
        body = orjson.dumps({"query": CLUSTER, "variables": {"key": f"key-{i}"}})

        async def receive(body: bytes = body) -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        headers = [(b"content-type", b"application/json"), (b"accept", b"application/json")]
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/graphql",
            "headers": headers,
            "query_string": b"",
        }
        request = Request(scope, receive)
        started = time.perf_counter()
        key = await cache.request_key(request)
        assert key is not None
        cache.etag(key, "version", "application/json")
        cache.answer(key, "version")
        cache.store(key, "version", b"x" * 300)
        spent.append((time.perf_counter() - started) * 1e6)
    return _p(spent[100:], 50), _p(spent[100:], 90)


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
        "off": base.model_copy(update={"http_cache": False}),
        "on, bound 250 ms": base.model_copy(update={"http_cache": True, "http_cache_max_staleness_ms": 250}),
        "on, bound 0": base.model_copy(update={"http_cache": True, "http_cache_max_staleness_ms": 0}),
    }
    print(
        f"{len(keys)} keys x {args.rounds} rounds of misses, {args.hits} hits; ms (p50 / p90), statements/request"
    )
    p50, p90 = asyncio.run(bookkeeping(base, 5000))
    print(f"the cache's own work on a miss (key, ETag, look-up, store): {p50:.1f} / {p90:.1f} us")
    results = asyncio.run(measure(configurations, keys, args.rounds, args.hits))
    for name, figures in results.items():
        row = "  ".join(
            f"{kind} {p50:6.3f} / {p90:6.3f} ({count:.2f} st)" for kind, (p50, p90, count) in figures.items()
        )
        print(f"{name:18} {row}")


if __name__ == "__main__":
    main()
