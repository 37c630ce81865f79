"""Prometheus metrics, served at `/metrics` when the METRICS setting is on (default: on in development, off in
production unless METRICS=true).

With several uvicorn workers, each worker is its own process with its own counters: `clustergraph serve` then
gives them a shared `PROMETHEUS_MULTIPROC_DIR` (a temporary folder it creates, unless one is set), where
prometheus-client's multiprocess mode keeps every worker's values, and `/metrics`, whichever worker answers, sums
them all. The folder must be empty when the service starts (a fresh temporary one is).

Off, nothing is counted: each helper returns at once.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.requests import Request
from starlette.responses import Response

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "clustergraph_requests",
    "GraphQL requests answered, by operation name (as the client sent it; 'anonymous' without) and outcome.",
    ["operation", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "clustergraph_request_seconds",
    "Time to answer a GraphQL request, in seconds, by operation name.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REFUSED = Counter(
    "clustergraph_requests_refused",
    "Requests refused before running, by error code (the query limits, RATE_LIMITED, UNTRUSTED_DOCUMENT, and "
    "the codes of a batch refused whole).",
    ["code"],
)
PLAN_CACHE = Counter("clustergraph_plan_cache", "Plan cache look-ups, by result (hit or miss).", ["result"])
HTTP_CACHE = Counter(
    "clustergraph_http_cache",
    "HTTP cache look-ups of queries, by result: hit (answered from the cache), not_modified (304), miss.",
    ["result"],
)
STATEMENT_SECONDS = Histogram(
    "clustergraph_neo4j_statement_seconds",
    "Time of one Cypher statement sent to Neo4j (a read, or one statement of a write transaction), in seconds.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
)
LIVE_SUBSCRIPTIONS = Gauge(
    "clustergraph_live_subscriptions",
    "Live queries (subscriptions) open now, all of them in this worker (summed over workers).",
    multiprocess_mode="livesum",
)

SESSIONS_IN_USE = Gauge(
    "clustergraph_neo4j_sessions_in_use",
    "Neo4j sessions open now, each holding at most one of the driver's pooled connections while its unit of work "
    "runs (a read, or a write transaction); the pool of each worker holds NEO4J_MAX_POOL_SIZE connections at most.",
    multiprocess_mode="livesum",
)

#: Longest operation name kept as a label (client-chosen: longer ones are cut).
MAX_OPERATION_LABEL = 64

_on = False


def configure(on: bool) -> None:
    global _on
    _on = on


def enabled() -> bool:
    return _on


def request_done(operation: str | None, outcome: str, seconds: float) -> None:
    if not _on:
        return
    name = (operation or "anonymous")[:MAX_OPERATION_LABEL]
    REQUESTS.labels(name, outcome).inc()
    REQUEST_SECONDS.labels(name).observe(seconds)


def refused(code: str) -> None:
    if _on:
        REFUSED.labels(code).inc()


def plan_cache(hit: bool) -> None:
    if _on:
        PLAN_CACHE.labels("hit" if hit else "miss").inc()


def http_cache(result: str) -> None:
    if _on:
        HTTP_CACHE.labels(result).inc()


def statement(seconds: float) -> None:
    if _on:
        STATEMENT_SECONDS.observe(seconds)


def live_subscriptions(delta: int) -> None:
    if _on and delta:
        LIVE_SUBSCRIPTIONS.inc(delta)


@contextlib.contextmanager
def session_in_use() -> Iterator[None]:
    """Count a Neo4j session as in use while the block runs."""
    if not _on:
        yield
        return
    SESSIONS_IN_USE.inc()
    try:
        yield
    finally:
        SESSIONS_IN_USE.dec()


_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w+_(\d+)\.db$")


def _forget_dead_workers(folder: Path) -> None:
    """Drop the live gauges of workers that are gone (killed, say), so that a dead worker's sessions and live
    subscriptions do not count as open for ever; its counters and histograms stay, as Prometheus expects of a counter."""
    for path in folder.glob("gauge_live*.db"):
        match = _LIVE_GAUGE_FILE.match(path.name)
        if match is None:
            continue
        pid = int(match.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            mark_process_dead(pid, str(folder))  # type: ignore[no-untyped-call]
        except PermissionError:  # alive, another user's
            continue


async def endpoint(request: Request) -> Response:
    """The metrics in Prometheus' text format: this process's, or every worker's in multiprocess mode."""
    if folder := os.environ.get(MULTIPROC_DIR):
        _forget_dead_workers(Path(folder))
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
