"""Bench of live queries: many subscribers on one worker, a write, and how long until every subscriber has the new
answer; what idle subscribers cost.

    .venv/bin/python bench/live.py                       # the bench instance (real dataset), 1,000 subscribers
    .venv/bin/python bench/live.py --neo4j-uri bolt://127.0.0.1:7690 --subscribers 200 --documents 20

One ClusterGraph worker (`clustergraph serve`, WORKERS=1, production settings, METRICS on) serves
`--subscribers` graphql-transport-ws connections, one subscription each, spread over `--documents` distinct
documents (all watch the clusters whose key starts with `bench-live-`; they differ by name and page size). The
bench then measures, in this order:

- memory per subscriber: the worker's resident memory with every subscriber answered, minus before any, divided
  by their number;
- CPU while idle: the worker's CPU time over `--idle-seconds` with no subscriber, then with all of them, and the
  statements it sent meanwhile (the graph-version reads: one per poll interval while anyone subscribes);
- latency: `--rounds` writes straight in Cypher (a synthetic cluster `bench-live-<n>` created, then deleted:
  each changes every answer), from the commit (the driver's acknowledgement) to each subscriber's message: p50,
  p99 and the last subscriber; then as many writes through the API (`createCluster` / `deleteCluster`), timed from
  the moment the mutation is sent (its own time included), which the worker notices at once instead of at its
  next poll.

The clients run in this process, on the same machine: their own time to take 1,000 messages is in the figures.
Writes are synthetic clusters labelled as such, deleted at the end. Results go to bench/results/<date>-live.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets
from harness import instance
from neo4j import AsyncGraphDatabase
from pydantic import SecretStr

from clustergraph.auth import Role, create_token
from clustergraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PREFIX = "bench-live-"
WAIT_S = 120.0
TICKS = os.sysconf("SC_CLK_TCK")
#: Subscribers connecting at a time (each until its first answer).
OPENING = 50
CLEAN_UP = "MATCH (c:Cluster) WHERE c.id STARTS WITH $prefix DETACH DELETE c"


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Live queries bench (see the module's docstring).")
    p.add_argument("--subscribers", type=int, default=1000)
    p.add_argument("--documents", type=int, default=100)
    p.add_argument("--rounds", type=int, default=6, help="writes of each kind (Cypher, API)")
    p.add_argument("--idle-seconds", type=float, default=10.0)
    p.add_argument("--poll-interval-ms", type=int, default=250, help="the worker's LIVE_POLL_INTERVAL_MS")
    p.add_argument("--neo4j-uri", help="a server holding the real dataset (default: the bench instance)")
    p.add_argument("--neo4j-password", help="its password (default: the local instance's, found by URI)")
    p.add_argument("--output", type=Path)
    return p.parse_args(argv)


def document(index: int) -> str:
    return (
        f"subscription Live{index}($prefix: String!) {{ clusters(where: {{key: {{startsWith: $prefix}}}}, "
        f"orderBy: [{{field: KEY}}], first: {1 + index % 50}) {{ totalCount nodes {{ key }} }} }}"
    )


# --- the worker --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_worker(
    settings: Settings, jwt_secret: str, poll_ms: int, log_file: Path
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_CACHE_HOME", "XDG_DATA_HOME")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "NEO4J_URI": settings.bolt_uri,
            "NEO4J_PASSWORD": settings.neo4j_secret.get_secret_value() if settings.neo4j_secret else "",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WORKERS": "1",
            "LOG_LEVEL": "warning",
            "PRODUCTION": "true",
            "METRICS": "true",
            "JWT_SECRET": jwt_secret,
            "LIVE_POLL_INTERVAL_MS": str(poll_ms),
            "LIVE_MAX_SUBSCRIPTIONS": "100000",
        }
    )
    with log_file.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 -- fixed argv
            [str(ROOT / ".venv" / "bin" / "clustergraph"), "serve"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 90
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the worker exited during start-up; see {log_file}")
            try:
                if (
                    client.post(
                        f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"}
                    ).status_code
                    == 200
                ):
                    return process, port
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise RuntimeError("the worker did not start")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def statements_sent(port: int) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    found = re.search(r"^clustergraph_neo4j_statement_seconds_count (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


# --- the subscribers ---------------------------------------------------------------------------------------


class Subscriber:
    def __init__(self, index: int, query: str) -> None:
        self.index = index
        self.query = query
        self.arrivals: list[float] = []
        self.keys: list[list[str]] = []
        self.ready = asyncio.Event()
        self.socket: Any = None
        self.task: asyncio.Task[None] | None = None

    async def run(self, url: str, opening: asyncio.Semaphore) -> None:
        await opening.acquire()  # a bounded number of handshakes at a time, released at the first answer
        released = False
        connect = websockets.connect(
            url, subprotocols=["graphql-transport-ws"], max_queue=None, open_timeout=60
        )
        async with connect as ws:
            self.socket = ws
            await ws.send(orjson.dumps({"type": "connection_init", "payload": {}}).decode())
            subscribe = {"query": self.query, "variables": {"prefix": PREFIX}}
            acked = False
            async for raw in ws:
                message = orjson.loads(raw)
                kind = message["type"]
                if kind == "connection_ack" and not acked:
                    acked = True
                    await ws.send(
                        orjson.dumps({"id": "1", "type": "subscribe", "payload": subscribe}).decode()
                    )
                elif kind == "ping":
                    await ws.send('{"type":"pong"}')
                elif kind == "next":
                    self.arrivals.append(time.perf_counter())
                    clusters = message["payload"]["data"]["clusters"]
                    self.keys.append([n["key"] for n in clusters["nodes"]])
                    self.ready.set()
                    if not released:
                        released = True
                        opening.release()
                else:
                    raise RuntimeError(f"subscriber {self.index}: unexpected {message}")


async def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def measure(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    jwt_secret = secrets.token_urlsafe(32)
    token = create_token(settings.model_copy(update={"jwt_secret": SecretStr(jwt_secret)}), Role.EDITOR)
    work = Path(tempfile.mkdtemp(prefix="clustergraph-bench-live-"))
    process, port = start_worker(settings, jwt_secret, args.poll_interval_ms, work / "worker.log")
    pid = process.pid
    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "subscribers": args.subscribers,
        "documents": args.documents,
        "poll_interval_ms": args.poll_interval_ms,
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average_at_start": os.getloadavg(),
        },
        "note": "synthetic clusters bench-live-<n>, created and deleted by the bench",
    }
    driver = AsyncGraphDatabase.driver(
        settings.bolt_uri,
        auth=(settings.neo4j_user, settings.neo4j_secret.get_secret_value() if settings.neo4j_secret else ""),
    )
    subscribers: list[Subscriber] = []
    try:
        await driver.execute_query(CLEAN_UP, {"prefix": PREFIX})
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            await http.post("/graphql", json={"query": "{ clusters(first: 1) { totalCount } }"})
            await asyncio.sleep(1)
            rss_before = rss_bytes(pid)
            log(f"worker pid {pid} on port {port}, {rss_before / 2**20:.1f} MiB resident before subscribing")
            cpu0, st0 = cpu_seconds(pid), statements_sent(port)
            await asyncio.sleep(args.idle_seconds)
            cpu1, st1 = cpu_seconds(pid), statements_sent(port)
            result["idle_without_subscribers"] = {
                "cpu_percent_of_one_core": 100 * (cpu1 - cpu0) / args.idle_seconds,
                "statements_per_s": (st1 - st0) / args.idle_seconds,
            }

            url = f"ws://127.0.0.1:{port}/graphql"
            started = time.perf_counter()
            opening = asyncio.Semaphore(OPENING)
            for i in range(args.subscribers):
                subscriber = Subscriber(i, document(i % args.documents))
                subscriber.task = asyncio.create_task(subscriber.run(url, opening))
                subscribers.append(subscriber)

            def all_ready() -> bool:
                failed = [s.task for s in subscribers if s.task is not None and s.task.done()]
                if failed:
                    raise RuntimeError(f"a subscriber failed: {failed[0].exception()!r}")
                return all(s.ready.is_set() for s in subscribers)

            await wait_for(all_ready, "every first answer")
            result["subscribe_all_s"] = time.perf_counter() - started
            log(f"{len(subscribers)} subscribers answered in {result['subscribe_all_s']:.1f} s")
            await asyncio.sleep(2)
            rss_after = rss_bytes(pid)
            result["memory"] = {
                "rss_before_mib": rss_before / 2**20,
                "rss_with_subscribers_mib": rss_after / 2**20,
                "per_subscriber_kib": (rss_after - rss_before) / len(subscribers) / 1024,
            }
            cpu0, st0 = cpu_seconds(pid), statements_sent(port)
            await asyncio.sleep(args.idle_seconds)
            cpu1, st1 = cpu_seconds(pid), statements_sent(port)
            result["idle_with_subscribers"] = {
                "cpu_percent_of_one_core": 100 * (cpu1 - cpu0) / args.idle_seconds,
                "statements_per_s": (st1 - st0) / args.idle_seconds,
            }
            log(f"idle: {result['idle_with_subscribers']}")

            rounds: dict[str, list[dict[str, float]]] = {"cypher": [], "api": []}
            for kind in ("cypher", "api"):
                for r in range(args.rounds):
                    create = r % 2 == 0
                    key = f"{PREFIX}{kind}"
                    seen = [len(s.arrivals) for s in subscribers]
                    if kind == "cypher":
                        if create:
                            query = (
                                "CREATE (:Cluster {id: $key, name: 'Synthetic bench cluster', "
                                "nameZh: '合成基准集群'})"
                            )
                        else:
                            query = "MATCH (c:Cluster {id: $key}) DETACH DELETE c"
                        await driver.execute_query(query, {"key": key})
                        since = time.perf_counter()
                    else:
                        since = time.perf_counter()
                        if create:
                            body = {
                                "query": "mutation($input: CreateClusterInput!) { createCluster(input: $input) "
                                "{ errors { message } } }",
                                "variables": {
                                    "input": {
                                        "key": key,
                                        "name": "Synthetic bench cluster",
                                        "nameZh": "合成基准集群",
                                        "countyKey": "pidu-district",
                                        "industryKey": "electronic-information",
                                        "sources": ["https://example.org/synthetic-bench"],
                                    }
                                },
                            }
                        else:
                            body = {
                                "query": "mutation($key: String!) { deleteCluster(key: $key) { errors { message } } }",
                                "variables": {"key": key},
                            }
                        answer = (
                            await http.post(
                                "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
                            )
                        ).json()
                        payload = next(iter(answer["data"].values()))
                        if payload["errors"]:
                            raise RuntimeError(f"the mutation failed: {payload['errors']}")
                    await wait_for(
                        lambda seen=seen: all(
                            len(s.arrivals) > n for s, n in zip(subscribers, seen, strict=True)
                        ),
                        f"{kind} round {r}",
                    )
                    latencies = [
                        (s.arrivals[n] - since) * 1000 for s, n in zip(subscribers, seen, strict=True)
                    ]
                    row = {
                        "p50_ms": percentile(latencies, 0.5),
                        "p99_ms": percentile(latencies, 0.99),
                        "last_ms": max(latencies),
                    }
                    rounds[kind].append(row)
                    log(
                        f"{kind} write {r + 1}: p50 {row['p50_ms']:.0f} ms, p99 {row['p99_ms']:.0f} ms, last {row['last_ms']:.0f} ms"
                    )
                    await asyncio.sleep(
                        0.5 + (r % 3) * 0.1
                    )  # writes land at different points of the poll cycle
            result["rounds"] = rounds
            result["latency"] = {
                kind: {
                    name: statistics.median(row[name] for row in rows)
                    for name in ("p50_ms", "p99_ms", "last_ms")
                }
                for kind, rows in rounds.items()
            }
            extra = [len(s.arrivals) - 1 - 2 * args.rounds for s in subscribers]
            result["messages_beyond_changes"] = sum(extra)
            result["machine"]["load_average_at_end"] = os.getloadavg()
    finally:
        for subscriber in subscribers:
            if subscriber.task is not None:
                subscriber.task.cancel()
        await asyncio.gather(*(s.task for s in subscribers if s.task), return_exceptions=True)
        await driver.execute_query(CLEAN_UP, {"prefix": PREFIX})
        await driver.close()
        os.killpg(pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(pid, signal.SIGKILL)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.neo4j_uri:
        settings = Settings(_env_file=None, neo4j_uri=args.neo4j_uri, neo4j_password=args.neo4j_password)
        settings = settings.model_copy(update={"neo4j_password": settings.neo4j_secret})
    else:
        settings = instance.bench_settings(instance.REAL_SIZE)
        instance.start_instance(settings)
        instance.ensure_dataset(settings, instance.REAL_SIZE, log=log)
        settings = settings.model_copy(update={"neo4j_password": settings.neo4j_secret})
    result = asyncio.run(measure(args, settings))
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = args.output or RESULTS / f"{dt.date.today().isoformat()}-live.json"
    output.write_text(json.dumps(result, indent=2) + "\n")
    latency = result["latency"]
    print()
    print(
        f"{args.subscribers} subscribers, {args.documents} documents, one worker, poll {args.poll_interval_ms} ms"
    )
    for kind, label in (
        ("cypher", "write in Cypher, from its commit"),
        ("api", "mutation, from its request"),
    ):
        figures = latency[kind]
        print(
            f"  {label}: p50 {figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms, "
            f"last subscriber {figures['last_ms']:.0f} ms"
        )
    idle = result["idle_with_subscribers"]
    print(
        f"  idle with subscribers: {idle['cpu_percent_of_one_core']:.1f}% of a core, "
        f"{idle['statements_per_s']:.1f} statements/s (without: "
        f"{result['idle_without_subscribers']['cpu_percent_of_one_core']:.1f}%)"
    )
    print(f"  memory per subscriber: {result['memory']['per_subscriber_kib']:.1f} KiB")
    print(f"  messages beyond the changed answers: {result['messages_beyond_changes']}")
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
