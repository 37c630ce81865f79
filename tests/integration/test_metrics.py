"""Prometheus metrics at /metrics: the text parses, and the request counter moves by exactly the requests sent;
with two workers (`clustergraph serve`, multiprocess mode), /metrics sums both workers' counts."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from typing import Any

import httpx
from neo4j import Driver
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from clustergraph.app import create_app
from clustergraph.settings import Settings
from serving import wait_until_healthy


def _scrape(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample of a Prometheus text page, by sample name and labels."""
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def _requests(samples: dict[str, dict[tuple[tuple[str, str], ...], float]], **labels: str) -> float:
    wanted = set(labels.items())
    return sum(
        value for key, value in samples.get("clustergraph_requests_total", {}).items() if wanted <= set(key)
    )


def test_metrics_count_each_request_once(client: Any, dataset_graph: Driver) -> None:
    before = _scrape(client.get("/metrics").text)
    sent = 5
    for _ in range(sent):
        response = client.post(
            "/graphql", json={"query": "query MetricsProbe { __typename }", "operationName": "MetricsProbe"}
        )
        assert response.status_code == 200
    refused = client.post("/graphql", json={"query": "{ " + "a: __typename " * 500 + "}"})
    page = client.get("/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    after = _scrape(page.text)
    probe = {"operation": "MetricsProbe", "outcome": "ok"}
    assert _requests(after, **probe) - _requests(before, **probe) == sent
    # Every request is counted once, under some operation and outcome.
    assert _requests(after) - _requests(before) == sent + 1
    count = after["clustergraph_request_seconds_count"][(("operation", "MetricsProbe"),)]
    assert (
        count - before.get("clustergraph_request_seconds_count", {}).get((("operation", "MetricsProbe"),), 0)
        == sent
    )
    assert refused.status_code != 200 or "errors" in refused.json()
    code = refused.json()["errors"][0]["extensions"]["code"]
    refused_after = after.get("clustergraph_requests_refused_total", {}).get((("code", code),), 0)
    refused_before = before.get("clustergraph_requests_refused_total", {}).get((("code", code),), 0)
    assert refused_after - refused_before == 1
    assert "clustergraph_plan_cache_total" in after
    assert "clustergraph_neo4j_statement_seconds_count" in after


def _refused(samples: dict[str, dict[tuple[tuple[str, str], ...], float]], code: str) -> float:
    return samples.get("clustergraph_requests_refused_total", {}).get((("code", code),), 0.0)


def test_untrusted_documents_and_refused_batches_are_counted(
    client: Any, settings: Settings, tmp_path: Any
) -> None:
    """UNTRUSTED_DOCUMENT (over POST and over SSE), BATCH_TOO_LARGE and BATCH_NOT_ENABLED each move
    clustergraph_requests_refused_total{code} by exactly the refusals sent."""
    trusted = "query Trusted { __typename }"
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({hashlib.sha256(trusted.encode()).hexdigest(): trusted}))
    changes = {"trusted_documents": manifest, "trusted_documents_only": True, "batch_max_operations": 2}
    before = _scrape(client.get("/metrics").text)
    not_enabled = client.post("/graphql", json=[{"query": trusted}])  # `client`: batching off
    assert not_enabled.json()["errors"][0]["extensions"]["code"] == "BATCH_NOT_ENABLED"
    with TestClient(create_app(settings.model_copy(update=changes))) as strict:
        assert strict.post("/graphql", json={"query": trusted}).json() == {"data": {"__typename": "Query"}}
        untrusted = [
            strict.post("/graphql", json={"query": "{ clusters(first: 1) { totalCount } }"}),
            strict.post(
                "/graphql",
                json={"query": "subscription { clusters(first: 1) { totalCount } }"},
                headers={"Accept": "text/event-stream"},
            ),
        ]
        for response in untrusted:
            assert response.json()["errors"][0]["extensions"]["code"] == "UNTRUSTED_DOCUMENT", response.text
        too_large = strict.post("/graphql", json=[{"query": trusted}] * 3)
        assert too_large.json()["errors"][0]["extensions"]["code"] == "BATCH_TOO_LARGE"
        after = _scrape(strict.get("/metrics").text)
    assert _refused(after, "UNTRUSTED_DOCUMENT") - _refused(before, "UNTRUSTED_DOCUMENT") == 2
    assert _refused(after, "BATCH_TOO_LARGE") - _refused(before, "BATCH_TOO_LARGE") == 1
    assert _refused(after, "BATCH_NOT_ENABLED") - _refused(before, "BATCH_NOT_ENABLED") == 1


def test_metrics_off_in_production_unless_set() -> None:
    assert Settings(production=False).metrics_on
    assert Settings(metrics=True, production=False).metrics_on
    assert not Settings(metrics=False).metrics_on


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_workers_sum_their_counts(settings: Settings, dataset_graph: Driver, tmp_path: Any) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "NEO4J_URI": settings.neo4j_uri or "",
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value() if settings.neo4j_password else "",
        "NEO4J_DATABASE": settings.neo4j_database,
        "BOOKMARK_SECRET": "metrics-test-bookmark-secret-0123456789abcdef",
        "WORKERS": "2",
        "METRICS": "true",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cli = os.path.join(os.path.dirname(sys.executable), "clustergraph")
    errors = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603 -- fixed argv
        [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, proc, tmp_path / "serve.log")
        sent = 40
        for _ in range(sent):
            # A connection of its own each time, so that both workers get some of the requests.
            response = httpx.post(f"{base}/graphql", json={"query": "query Two { __typename }"}, timeout=10)
            assert response.status_code == 200
        for _ in range(4):
            page = httpx.get(f"{base}/metrics", timeout=10)
            assert page.status_code == 200
            assert _requests(_scrape(page.text), operation="anonymous", outcome="ok") == sent
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        errors.close()


def _sessions_in_use() -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("clustergraph_neo4j_sessions_in_use") or 0.0


async def test_sessions_in_use_counts_each_open_session_and_falls_back(settings: Settings) -> None:
    """clustergraph_neo4j_sessions_in_use is one more while a transaction's session is open, two more while a
    second one runs inside the first, and back where it was when both are done (read from the registry inside each
    transaction)."""
    from neo4j import AsyncManagedTransaction

    from clustergraph import db, metrics
    from clustergraph.cypher.statements import PING

    was_on = metrics.enabled()
    metrics.configure(True)
    seen: list[float] = []
    driver = db.create_async_driver(settings)
    try:
        before = _sessions_in_use()

        async def inner(tx: AsyncManagedTransaction) -> None:
            await (await tx.run(PING)).consume()
            seen.append(_sessions_in_use())

        async def outer(tx: AsyncManagedTransaction) -> None:
            await (await tx.run(PING)).consume()
            seen.append(_sessions_in_use())
            await db.write(driver, settings.neo4j_database, inner)

        await db.write(driver, settings.neo4j_database, outer)
        assert seen == [before + 1, before + 2]
        assert _sessions_in_use() == before
        rows = await db.read(driver, settings.neo4j_database, PING, {})
        assert rows == [{"ok": 1}]
        assert _sessions_in_use() == before
    finally:
        await driver.close()
        metrics.configure(was_on)


def test_sessions_in_use_is_on_the_metrics_page_and_zero_when_idle(
    client: Any, dataset_graph: Driver
) -> None:
    """After requests are answered, /metrics shows the gauge, and no session is left in use."""
    assert client.post("/graphql", json={"query": "{ clusters { totalCount } }"}).status_code == 200
    samples = _scrape(client.get("/metrics").text)
    assert samples["clustergraph_neo4j_sessions_in_use"] == {(): 0.0}


def test_the_grafana_dashboard_reads_only_metrics_the_service_serves(
    client: Any, dataset_graph: Driver
) -> None:
    """docs/grafana-dashboard.json is valid JSON, and every clustergraph_* series its queries name is one that
    /metrics serves (a counter's `_total`, a histogram's `_bucket`, a gauge's own name)."""
    import json
    import re
    from pathlib import Path

    dashboard = json.loads(
        (Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json").read_text()
    )
    named = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bclustergraph_\w+", target["expr"])
    }
    assert named
    served: set[str] = set()
    for family in text_string_to_metric_families(client.get("/metrics").text):
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
        served |= {family.name + s for s in suffixes.get(family.type, ("",))}
    assert named <= served, f"the dashboard names series /metrics does not serve: {sorted(named - served)}"
