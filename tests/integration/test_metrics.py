"""Prometheus metrics at /metrics: the text parses, and the request counter moves by exactly the requests sent;
with two workers (`clustergraph serve`, multiprocess mode), /metrics sums both workers' counts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from neo4j import Driver
from prometheus_client.parser import text_string_to_metric_families

from clustergraph.settings import Settings


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
        with httpx.Client(base_url=base, timeout=10) as http:
            for _ in range(300):
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None:
                    pytest.fail(f"serve exited: {(tmp_path / 'serve.log').read_text()}")
                time.sleep(0.1)
            sent = 40
            for _ in range(sent):
                # A connection of its own each time, so that both workers get some of the requests.
                response = httpx.post(
                    f"{base}/graphql", json={"query": "query Two { __typename }"}, timeout=10
                )
                assert response.status_code == 200
            for _ in range(4):
                page = httpx.get(f"{base}/metrics", timeout=10)
                assert page.status_code == 200
                assert _requests(_scrape(page.text), operation="anonymous", outcome="ok") == sent
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        errors.close()
