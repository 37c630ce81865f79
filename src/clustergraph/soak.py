"""Soak tests: concurrent clients mix reads and authenticated writes while a uvicorn worker is killed, Neo4j is
killed (SIGKILL) and started again, then stopped cleanly and started again (`run_soak`); ordinary clients query
while others send abusive requests (`run_abuse_soak`).

Everything runs on this machine's loopback: a Neo4j instance of its own (`soak`, ports from the settings), the
API served by uvicorn in a child process, and the clients. Requests are bounded in number and time. At the end it
checks that every write acknowledged to a client is in the graph exactly once, and that no client ever saw an
unmasked internal error, and prints the figures.

With `observability`, the API runs as it would be watched in production: tracing on (the OpenTelemetry SDK with
its batch processor, exporting every span to the console exporter, whose output the soak counts and then throws
away) and metrics on (`/metrics`, multiprocess mode over the workers), and a scraper reads `/metrics` throughout:
every page must parse as Prometheus text and the request counter must never go back, even when a worker is
killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from neo4j import Driver
from neo4j.exceptions import ServiceUnavailable, TransientError
from prometheus_client.parser import text_string_to_metric_families

from . import neo4j_server
from .auth import Role, create_token
from .cypher.statements import ENTERPRISES_FOUND, PING
from .db import create_driver, migrate, wipe
from .loader import load_dataset
from .settings import Settings

READS = (
    "{ clusters(first: 10) { totalCount nodes { key name county { name } industry { name } } } }",
    "{ cities(first: 5, orderBy: [{field: CLUSTER_COUNT, direction: DESC}]) { nodes { name clusters(first: 5) "
    "{ nodes { name enterprises(first: 5) { nodes { name } } } } } } }",
    "{ stats { labelCounts { label count } coverage { batch { key } namedCount } } }",
    '{ search(text: "pump", first: 5) { score node { __typename } } }',
)
WRITE = """mutation($input: CreateEnterpriseInput!) {
  createEnterprise(input: $input) { enterprise { key } errors { code } } }"""
#: Error codes a client may see while Neo4j is away: clear, expected refusals.
CLEAR_CODES = {"SERVICE_UNAVAILABLE", "TIMEOUT", "BAD_USER_INPUT"}


@dataclass
class SoakReport:
    """What the soak saw and checked."""

    sent: int = 0
    answered: int = 0
    refused_clearly: int = 0
    unmasked: int = 0
    http_errors: int = 0
    writes_acknowledged: int = 0
    acknowledged_missing: int = 0
    acknowledged_duplicated: int = 0
    unacknowledged_present: int = 0
    recovery_s: float | None = None
    #: After Neo4j was killed (SIGKILL) and started again; the uvicorn worker killed mid-load (its pid).
    recovery_after_kill_s: float | None = None
    worker_killed: int | None = None
    codes: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    #: With observability: tracing and metrics on, /metrics scraped throughout.
    observed: bool = False
    metrics_scrapes: int = 0
    metrics_unparsable: int = 0
    metrics_http_errors: int = 0
    #: Scrapes whose request count was lower than the one before (a counter that went back).
    metrics_went_back: int = 0
    #: The request counter's total at the last scrape, after the clients stopped.
    metrics_requests_counted: float = 0.0
    #: Requests a client saw answered (with data or a clear error) that the counter may miss: one in flight per
    #: client on the worker that was killed, answered before it counted them.
    metrics_may_miss: int = 0
    spans_exported: int = 0
    statement_spans: int = 0

    @property
    def metrics_ok(self) -> bool:
        """/metrics was read and parsed throughout, its request counter never went back, and it counted the answers
        the clients saw (but those in flight on the killed worker)."""
        seen = self.answered + self.refused_clearly
        return (
            self.metrics_scrapes > 0
            and self.metrics_unparsable == 0
            and self.metrics_went_back == 0
            and self.metrics_requests_counted >= seen - self.metrics_may_miss
        )

    @property
    def tracing_ok(self) -> bool:
        return self.spans_exported > 0 and self.statement_spans > 0

    @property
    def ok(self) -> bool:
        return (
            (not self.observed or (self.metrics_ok and self.tracing_ok))
            and self.unmasked == 0
            and self.acknowledged_missing == 0
            and self.acknowledged_duplicated == 0
            and self.recovery_s is not None
            and self.recovery_after_kill_s is not None
            and self.worker_killed is not None
            and self.answered > 0
        )

    def lines(self) -> list[str]:
        recovery = f"{self.recovery_s:.2f}s" if self.recovery_s is not None else "never"
        after_kill = (
            f"{self.recovery_after_kill_s:.2f}s" if self.recovery_after_kill_s is not None else "never"
        )
        worker = f"pid {self.worker_killed}" if self.worker_killed is not None else "none (no worker found)"
        return [
            f"requests sent: {self.sent}",
            f"answered: {self.answered}",
            f"refused with a clear error: {self.refused_clearly} {dict(self.codes)}",
            f"unmasked internal errors seen by clients: {self.unmasked}",
            f"HTTP errors without a GraphQL body: {self.http_errors}",
            f"writes acknowledged: {self.writes_acknowledged}; missing from the graph: {self.acknowledged_missing}; "
            f"present more than once: {self.acknowledged_duplicated}",
            f"writes not acknowledged but present (committed as the connection dropped): {self.unacknowledged_present}",
            f"uvicorn worker killed (SIGKILL) mid-load: {worker}",
            f"seconds until the service answered again after Neo4j, killed with SIGKILL, was back: {after_kill}",
            f"seconds until the service answered again after Neo4j, stopped cleanly, was back: {recovery}",
            *self._observability_lines(),
            "result: " + ("PASS" if self.ok else "FAIL"),
        ]

    def _observability_lines(self) -> list[str]:
        if not self.observed:
            return ["tracing and metrics: off (--observability turns them on)"]
        return [
            f"/metrics scraped: {self.metrics_scrapes} pages parsed, {self.metrics_unparsable} unparsable, "
            f"{self.metrics_http_errors} HTTP errors; request counter went back {self.metrics_went_back} times",
            f"requests counted by /metrics at the end: {self.metrics_requests_counted:.0f} (clients saw "
            f"{self.answered + self.refused_clearly} answered; up to {self.metrics_may_miss} may be missed)",
            f"spans exported: {self.spans_exported}, of which Cypher statements: {self.statement_spans}",
        ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def soak_settings(
    base: Settings, instance: str = "soak", bolt_port: int = 7689, http_port: int = 7476
) -> Settings:
    """The soak's own local Neo4j: another instance, other ports, its data wiped at every soak, its password its
    own (generated at its first start, see `neo4j_server.start`)."""
    return base.model_copy(update={
        "neo4j_uri": None, "neo4j_password": None, "local_neo4j_instance": instance, "local_neo4j_bolt_port": bolt_port,
        "local_neo4j_http_port": http_port, "local_neo4j_heap": "512m", "local_neo4j_pagecache": "128m",
    })  # fmt: skip


def _classify(
    report: SoakReport, response: httpx.Response | None, error: str | None
) -> dict[str, Any] | None:
    if response is None:
        report.http_errors += 1
        if len(report.examples) < 5 and error:
            report.examples.append(error)
        return None
    try:
        body = response.json()
    except ValueError:
        report.http_errors += 1
        return None
    errors = body.get("errors") or []
    if not errors:
        report.answered += 1
        return body  # type: ignore[no-any-return]
    codes = [(e.get("extensions") or {}).get("code") for e in errors]
    leaked = any(
        code not in CLEAR_CODES
        or "Traceback" in e.get("message", "")
        or "neo4j" in e.get("message", "").lower()
        for code, e in zip(codes, errors, strict=True)
    )
    if leaked:
        report.unmasked += 1
        if len(report.examples) < 5:
            report.examples.append(str(errors)[:300])
    else:
        report.refused_clearly += 1
        report.codes.update(str(c) for c in codes)
    return None


async def _client(
    worker: int,
    url: str,
    token: str,
    deadline: float,
    max_requests: int,
    report: SoakReport,
    acknowledged: list[str],
    attempted: list[str],
) -> None:
    rng = random.Random(worker)  # noqa: S311 -- a workload mix, not security
    async with httpx.AsyncClient(timeout=30.0) as http:
        n = 0
        while time.monotonic() < deadline and n < max_requests:
            n += 1
            report.sent += 1
            is_write = rng.random() < 0.3
            if is_write:
                key = f"soak-{worker}-{n}"
                attempted.append(key)
                payload = {"query": WRITE, "variables": {"input": {"key": key, "name": f"Soak {key}",
                                                                 "nameZh": f"压测{key}"}}}  # fmt: skip
                headers = {"Authorization": f"Bearer {token}"}
            else:
                payload = {"query": rng.choice(READS)}
                headers = {}
            response, error = None, None
            try:
                response = await http.post(url, json=payload, headers=headers)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            body = _classify(report, response, error)
            if is_write and body is not None:
                result = body["data"]["createEnterprise"]
                if result["enterprise"] is not None and not result["errors"]:
                    acknowledged.append(result["enterprise"]["key"])
                    report.writes_acknowledged += 1


async def _warm_up(url: str, rounds: int = 2) -> None:
    """Send each read a few times, each on a connection of its own (so that both workers get some) before the clock
    starts: the first answer of each query plans it, in the service and in a fresh Neo4j, which on a busy machine
    can take longer than the soak's first phase."""
    for _ in range(rounds):
        for query in READS:
            async with httpx.AsyncClient(timeout=60.0) as http:
                with contextlib.suppress(httpx.HTTPError):
                    await http.post(url, json={"query": query})


async def _wait_answering(url: str, deadline: float) -> bool:
    async with httpx.AsyncClient(timeout=5.0) as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                body = (await http.post(url, json={"query": "{ clusters { totalCount } }"})).json()
                if not body.get("errors"):
                    return True
            await asyncio.sleep(0.1)
    return False


def _requests_counted(text: str) -> float:
    """The request counter's total over every operation and outcome, from a Prometheus text page."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "clustergraph_requests_total"
    )


async def _scrape_once(http: httpx.AsyncClient, url: str, report: SoakReport, last: float) -> float:
    """Read /metrics once, checking that it parses and that the request counter did not go back; the count."""
    try:
        response = await http.get(url)
        response.raise_for_status()
    except httpx.HTTPError:
        report.metrics_http_errors += 1
        return last
    try:
        counted = _requests_counted(response.text)
    except ValueError as exc:
        report.metrics_unparsable += 1
        if len(report.examples) < 5:
            report.examples.append(f"/metrics did not parse: {exc}")
        return last
    report.metrics_scrapes += 1
    if counted < last:
        report.metrics_went_back += 1
    return counted


async def _scrape_metrics(url: str, deadline: float, report: SoakReport) -> float:
    """Scrape /metrics every second until `deadline`; the last count."""
    last = 0.0
    async with httpx.AsyncClient(timeout=10.0) as http:
        while time.monotonic() < deadline:
            last = await _scrape_once(http, url, report, last)
            await asyncio.sleep(1.0)
    return last


def _count_spans(path: Path, report: SoakReport) -> None:
    """Count the spans the console exporter wrote (one JSON object each, its `name` on a line of its own)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith('    "name": '):
                report.spans_exported += 1
                if '"neo4j.query"' in line:
                    report.statement_spans += 1


def _until_gone(settings: Settings, timeout_s: float = 30.0) -> None:
    """Wait until the soak's Neo4j process has gone (after a SIGKILL)."""
    deadline = time.monotonic() + timeout_s
    while (
        neo4j_server.running_pid(neo4j_server.instance_for(settings)) is not None
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)


def _worker_pids(supervisor: int) -> list[int]:
    """The uvicorn workers: the children of its supervisor process (Linux /proc)."""
    pids: list[int] = []
    for children in Path(f"/proc/{supervisor}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            pids += [int(p) for p in children.read_text().split()]
    return pids


async def _run(settings: Settings, url: str, seconds: float, clients: int, max_requests: int,
               supervisor: int, observed: bool = False) -> tuple[SoakReport, list[str], list[str]]:  # fmt: skip
    """Clients read and write for `seconds` while, in turn, one uvicorn worker is killed (SIGKILL), Neo4j is killed
    (SIGKILL) and started again, and Neo4j is stopped cleanly and started again; with `observed`, /metrics is
    scraped all the while."""
    report = SoakReport(observed=observed)
    token = create_token(
        settings, Role.EDITOR, ttl_s=min(max(int(seconds) * 10, 600), settings.jwt_max_lifetime_s)
    )
    acknowledged: list[str] = []
    attempted: list[str] = []
    await _warm_up(url)
    started = time.monotonic()
    deadline = started + seconds
    workers = [
        asyncio.create_task(_client(i, url, token, deadline, max_requests, report, acknowledged, attempted))
        for i in range(clients)
    ]
    metrics_url = url.removesuffix("/graphql") + "/metrics"
    scraper = asyncio.create_task(_scrape_metrics(metrics_url, deadline, report)) if observed else None
    await asyncio.sleep(seconds / 6)
    pids = _worker_pids(supervisor)
    if pids:
        os.kill(pids[0], signal.SIGKILL)  # one worker of the API this soak started; uvicorn starts another
        report.worker_killed = pids[0]
    await asyncio.sleep(seconds / 6)
    pid = neo4j_server.running_pid(neo4j_server.instance_for(settings))
    if pid is not None:
        os.kill(pid, signal.SIGKILL)  # the soak's own Neo4j, killed with no chance to shut down
        await asyncio.to_thread(_until_gone, settings)
    await asyncio.sleep(seconds / 12)
    await asyncio.to_thread(neo4j_server.start, settings)
    back = time.monotonic()
    if await _wait_answering(url, back + 120):
        report.recovery_after_kill_s = time.monotonic() - back
    await asyncio.to_thread(neo4j_server.stop, settings)
    await asyncio.sleep(seconds / 12)
    await asyncio.to_thread(neo4j_server.start, settings)
    back = time.monotonic()
    if await _wait_answering(url, back + 120):
        report.recovery_s = time.monotonic() - back
    await asyncio.gather(*workers)
    if scraper is not None:
        last = await scraper
        async with httpx.AsyncClient(timeout=10.0) as http:
            report.metrics_requests_counted = await _scrape_once(http, metrics_url, report, last)
        report.metrics_may_miss = clients if report.worker_killed is not None else 0
    return report, acknowledged, attempted


def _until_available(driver: Driver, database: str, timeout_s: float = 60.0) -> None:
    """Wait until the database takes transactions: its server may listen a moment before its database is up."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            driver.execute_query(PING, database_=database)
            return
        except (ServiceUnavailable, TransientError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _observability_env(on: bool, folder: Path) -> dict[str, str]:
    """The API's environment for tracing and metrics: on, spans go to the console exporter (its output to a file in
    `folder`, counted at the end) and the workers share a metrics folder; off, both are off whatever is set."""
    if not on:
        return {"METRICS": "false", "OTEL_TRACES_EXPORTER": "none"}
    (folder / "metrics").mkdir()
    return {
        "METRICS": "true",
        "OTEL_TRACES_EXPORTER": "console",
        "OTEL_SERVICE_NAME": "clustergraph-soak",
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
    }


@contextlib.contextmanager
def _service(
    settings: Settings, dataset: Path | None, workers: int = 1, observability: bool = False
) -> Iterator[tuple[str, int, Path]]:
    """The soak's Neo4j (started, wiped, loaded) and the API (`workers` uvicorn processes) on a free loopback port:
    yields the GraphQL URL, uvicorn's pid and the file of the API's standard output (the spans, with
    `observability`), and stops both at the end."""
    neo4j_server.start(settings)
    api: subprocess.Popen[bytes] | None = None
    folder = Path(tempfile.mkdtemp(prefix="clustergraph-soak-"))
    spans = folder / "spans.json"
    try:
        with create_driver(settings) as driver:
            _until_available(driver, settings.neo4j_database)
            wipe(driver, settings.neo4j_database)
            migrate(driver, settings.neo4j_database)
            load_dataset(driver, settings.neo4j_database, dataset or settings.dataset_dir)
        port = _free_port()
        env = {**os.environ, "NEO4J_URI": settings.bolt_uri, "NEO4J_PASSWORD": settings.neo4j_secret.get_secret_value(),
               "JWT_SECRET": settings.jwt_secret.get_secret_value(), "LOG_LEVEL": "warning",
               # Its clients share one address and would spend its budget: the soak measures outages, not fair use.
               "RATE_LIMIT": "false", **_observability_env(observability, folder)}  # fmt: skip
        with spans.open("wb") as out:
            api = subprocess.Popen(  # noqa: S603 -- fixed argv
                [sys.executable, "-m", "uvicorn", "clustergraph.app:create_app", "--factory", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "warning", "--workers", str(workers)],
                env=env, stdout=out, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}/graphql"
        if not asyncio.run(_wait_answering(url, time.monotonic() + 60)):
            raise RuntimeError("the API did not start answering within 60s")
        yield url, api.pid, spans
    finally:
        if api is not None:
            api.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                api.wait(timeout=10)
        neo4j_server.stop(settings)
        shutil.rmtree(folder, ignore_errors=True)


def run_soak(base: Settings, seconds: float = 30.0, clients: int = 8, max_requests: int = 5_000,
             dataset: Path | None = None, instance: dict[str, Any] | None = None,
             observability: bool = False) -> SoakReport:  # fmt: skip
    """Run the whole soak and return its report (the local soak Neo4j, `soak_settings(base, **instance)`, is
    stopped at the end); with `observability`, tracing and metrics on and /metrics scraped throughout."""
    settings = soak_settings(base, **(instance or {}))
    with _service(settings, dataset, workers=2, observability=observability) as (url, supervisor, spans):
        report, acknowledged, attempted = asyncio.run(
            _run(settings, url, seconds, clients, max_requests, supervisor, observability)
        )
        if observability:
            _count_spans(spans, report)
        with create_driver(settings) as driver:
            records, _, _ = driver.execute_query(
                ENTERPRISES_FOUND, {"keys": attempted}, database_=settings.neo4j_database,
            )  # fmt: skip
        found = {r["k"]: r["n"] for r in records}
        acked = set(acknowledged)
        report.acknowledged_missing = sum(1 for k in acked if found.get(k, 0) == 0)
        report.acknowledged_duplicated = sum(1 for k in acked if found.get(k, 0) > 1)
        report.unacknowledged_present = sum(1 for k in attempted if k not in acked and found.get(k, 0) > 0)
        return report


# --- the abuse soak ------------------------------------------------------------------------------------------

#: Thirty aliased `__schema` selections through nested fragments: 1 kB asking for megabytes.
INTROSPECTION_BOMB = (
    "{ "
    + " ".join(f"a{i}: __schema {{ ...S }}" for i in range(30))
    + " } fragment S on __Schema { types { ...T } }"
    " fragment T on __Type { name kind fields(includeDeprecated: true) { name args { name type { ...R } } type { ...R } }"
    " inputFields { name type { ...R } } enumValues(includeDeprecated: true) { name } }"
    " fragment R on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"
)
#: Thirty empty pages, each with 100 x 100 related clusters under it; and a list without a page with pages under it.
COST_PROBES = (
    "{ "
    + " ".join(
        f"a{i}: clusters(first: 0) {{ nodes {{ relatedClusters(first: 100) {{ cluster {{ "
        "relatedClusters(first: 100) { cluster { name } } } } } }"
        for i in range(30)
    )
    + " }",
    "{ stats { clustersByCity { city { clusters(first: 100) { nodes { enterprises(first: 100) { nodes { name } } } } } } } }",
)
#: A GET whose query is 7,000 tokens (14 kB, under the HTTP server's limit on a request line), over the token limit.
OVERSIZED_GET = "{" + "a " * 7_000 + "}"
#: Past this, an ordinary query's p99 fails the abuse soak (seconds).
MAX_ORDINARY_P99_S = 1.0
#: Past this, a request with forged bookmarks has waited for them: a stall, which fails the abuse soak (seconds).
MAX_FORGED_BOOKMARK_S = 2.0


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class AbuseReport:
    """What the abuse soak saw: ordinary latencies without and with the abuse, its requests by kind and outcome."""

    baseline_s: list[float] = field(default_factory=list)
    under_abuse_s: list[float] = field(default_factory=list)
    ordinary_failed: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    not_refused: Counter[str] = field(default_factory=Counter)
    slowest_abuse_s: dict[str, float] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def p99_under_abuse(self) -> float | None:
        return _quantile(self.under_abuse_s, 0.99)

    @property
    def ok(self) -> bool:
        p99 = self.p99_under_abuse
        stalled = self.slowest_abuse_s.get("forged bookmarks", 0.0) > MAX_FORGED_BOOKMARK_S
        return (
            self.ordinary_failed == 0
            and bool(self.baseline_s)
            and p99 is not None
            and p99 <= MAX_ORDINARY_P99_S
            and sum(self.refused.values()) > 0
            and all(kind == "forged bookmarks" for kind in +self.not_refused)
            and not stalled
        )

    def lines(self) -> list[str]:
        def figures(values: list[float]) -> str:
            p50, p99 = _quantile(values, 0.5), _quantile(values, 0.99)
            if p50 is None or p99 is None:
                return "no requests"
            return f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms over {len(values)} requests"

        slowest = {k: f"{v * 1000:.0f} ms" for k, v in sorted(self.slowest_abuse_s.items())}
        return [
            f"ordinary queries without abuse: {figures(self.baseline_s)}",
            f"ordinary queries under abuse: {figures(self.under_abuse_s)}",
            f"ordinary requests failed: {self.ordinary_failed}",
            f"abusive requests refused, by kind: {dict(sorted(self.refused.items()))}",
            f"abusive requests answered (forged bookmarks may be ignored): {dict(sorted(self.not_refused.items()))}",
            f"slowest abusive request, by kind: {slowest}",
            "result: " + ("PASS" if self.ok else "FAIL"),
        ]


async def _ordinary(
    worker: int, url: str, deadline: float, max_requests: int, latencies: list[float], report: AbuseReport
) -> None:
    rng = random.Random(worker)  # noqa: S311 -- a workload mix, not security
    async with httpx.AsyncClient(timeout=30.0) as http:
        n = 0
        while time.monotonic() < deadline and n < max_requests:
            n += 1
            started = time.perf_counter()
            try:
                response = await http.post(url, json={"query": rng.choice(READS)})
                failed = response.status_code != 200 or bool(response.json().get("errors"))
            except (httpx.HTTPError, ValueError) as exc:
                failed, response = True, None
                if len(report.examples) < 5:
                    report.examples.append(f"{type(exc).__name__}: {exc}")
            latencies.append(time.perf_counter() - started)
            if failed:
                report.ordinary_failed += 1
                if response is not None and len(report.examples) < 5:
                    report.examples.append(response.text[:300])


def _refused(response: httpx.Response) -> bool:
    """True when the service refused the request: a 4xx, or a GraphQL answer with errors and no data."""
    if response.status_code >= 400:
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return bool(body.get("errors")) and not body.get("data")


async def _abuser(worker: int, url: str, deadline: float, max_requests: int, report: AbuseReport) -> None:
    rng = random.Random(1000 + worker)  # noqa: S311 -- a workload mix, not security
    kinds = ("introspection bomb", "oversized GET", "cost probe", "forged bookmarks")
    async with httpx.AsyncClient(timeout=30.0) as http:
        n = 0
        while time.monotonic() < deadline and n < max_requests:
            kind = kinds[n % len(kinds)]
            n += 1
            started = time.perf_counter()
            try:
                if kind == "introspection bomb":
                    response = await http.post(url, json={"query": INTROSPECTION_BOMB})
                elif kind == "oversized GET":
                    response = await http.get(url, params={"query": OVERSIZED_GET})
                elif kind == "cost probe":
                    response = await http.post(url, json={"query": rng.choice(COST_PROBES)})
                else:
                    forged = [f"FB:forged{rng.getrandbits(64):x}", "FB:kcwQ" + "A" * rng.randint(10, 60)]
                    response = await http.post(
                        url, json={"query": READS[0]}, headers={"X-Neo4j-Bookmarks": ", ".join(forged)}
                    )
            except httpx.HTTPError as exc:
                report.not_refused[kind] += 1
                if len(report.examples) < 5:
                    report.examples.append(f"{kind}: {type(exc).__name__}: {exc}")
                continue
            took = time.perf_counter() - started
            report.slowest_abuse_s[kind] = max(report.slowest_abuse_s.get(kind, 0.0), took)
            if _refused(response):
                report.refused[kind] += 1
            else:
                report.not_refused[kind] += 1


def _abuse_in_process(url: str, seconds: float, abusers: int, max_requests: int) -> AbuseReport:
    """The abusers, in a process of their own: building their large requests costs the client CPU time that must
    not count in the ordinary clients' latencies."""

    async def run() -> AbuseReport:
        report = AbuseReport()
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_abuser(i, url, deadline, max_requests, report) for i in range(abusers)))
        return report

    return asyncio.run(run())


async def _run_abuse(url: str, seconds: float, clients: int, abusers: int, max_requests: int) -> AbuseReport:
    report = AbuseReport()
    async with httpx.AsyncClient(timeout=30.0) as http:  # warm up: the first answer of each query plans it
        for query in READS:
            await http.post(url, json={"query": query})
    half = seconds / 2
    deadline = time.monotonic() + half
    await asyncio.gather(
        *(_ordinary(i, url, deadline, max_requests, report.baseline_s, report) for i in range(clients))
    )
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        abuse = asyncio.get_running_loop().run_in_executor(
            pool, _abuse_in_process, url, half, abusers, max_requests
        )
        deadline = time.monotonic() + half
        await asyncio.gather(
            *(_ordinary(i, url, deadline, max_requests, report.under_abuse_s, report) for i in range(clients))
        )
        abused = await abuse
    report.refused, report.not_refused = abused.refused, abused.not_refused
    report.slowest_abuse_s = abused.slowest_abuse_s
    report.examples += abused.examples
    return report


def run_abuse_soak(base: Settings, seconds: float = 30.0, clients: int = 4, abusers: int = 4,
                   max_requests: int = 5_000, dataset: Path | None = None,
                   instance: dict[str, Any] | None = None) -> AbuseReport:  # fmt: skip
    """Ordinary clients query for `seconds / 2` alone, then as long again while `abusers` send introspection
    bombs, oversized GETs, cost-estimate probes and forged bookmarks (each bounded by `max_requests`; from a process
    of their own). Fails when an ordinary request fails, their p99 under abuse passes `MAX_ORDINARY_P99_S`, an
    abusive request other than a forged bookmark is answered, or one with forged bookmarks takes longer than
    `MAX_FORGED_BOOKMARK_S`."""
    settings = soak_settings(base, **(instance or {}))
    with _service(settings, dataset) as (url, _supervisor, _spans):
        return asyncio.run(_run_abuse(url, seconds, clients, abusers, max_requests))
