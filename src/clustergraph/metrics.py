"""Prometheus metrics, served at `/metrics` when the METRICS setting is on (default: on in development, off in
production unless METRICS=true).

With several uvicorn workers, each worker is its own process with its own counters: `clustergraph serve` then
gives them a shared `PROMETHEUS_MULTIPROC_DIR` (a temporary folder it creates, unless one is set), where
prometheus-client's multiprocess mode keeps every worker's values, and `/metrics`, whichever worker answers, sums
them all. The folder must be empty when the service starts (a fresh temporary one is).

Off, nothing is counted: each helper returns at once.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
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
    "Requests refused before running, by error code (the query limits, and RATE_LIMITED).",
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


async def endpoint(request: Request) -> Response:
    """The metrics in Prometheus' text format: this process's, or every worker's in multiprocess mode."""
    if os.environ.get(MULTIPROC_DIR):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
