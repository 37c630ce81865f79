"""The soaks, short: reads and writes through a worker kill and Neo4j outages; ordinary queries under abuse."""

from __future__ import annotations

import os

from clustergraph.soak import MAX_FORGED_BOOKMARK_S, run_abuse_soak, run_soak

#: The soaks' Neo4j instance (its data is wiped): `soak` on 7689/7476 unless the environment names another one.
SOAK_INSTANCE = {
    "instance": os.environ.get("CLUSTERGRAPH_TEST_SOAK_INSTANCE", "soak"),
    "bolt_port": int(os.environ.get("CLUSTERGRAPH_TEST_SOAK_BOLT_PORT", "7689")),
    "http_port": int(os.environ.get("CLUSTERGRAPH_TEST_SOAK_HTTP_PORT", "7476")),
}


def test_short_soak_loses_no_acknowledged_write_and_recovers(settings):
    """With one uvicorn worker killed mid-load, Neo4j killed (SIGKILL) and restarted, then stopped and started
    cleanly, and tracing and metrics on: every acknowledged write is in the graph exactly once, no client sees an
    unmasked error, the service recovers from both outages, spans of requests and statements are exported, and
    /metrics parses throughout with a request counter that never goes back and counts what the clients saw."""
    report = run_soak(
        settings.model_copy(update={"neo4j_uri": None}),
        seconds=9,
        clients=3,
        max_requests=300,
        instance=SOAK_INSTANCE,
        observability=True,
    )
    assert report.sent > 0
    assert report.answered > 0
    assert report.writes_acknowledged > 0
    assert report.acknowledged_missing == 0
    assert report.acknowledged_duplicated == 0
    assert report.unmasked == 0, report.examples
    assert report.recovery_s is not None
    assert report.recovery_after_kill_s is not None
    assert report.worker_killed is not None
    assert report.metrics_scrapes > 0
    assert report.metrics_unparsable == 0, report.examples
    assert report.metrics_went_back == 0
    seen = report.answered + report.refused_clearly
    assert report.metrics_requests_counted >= seen - report.metrics_may_miss
    assert report.spans_exported > 0
    assert report.statement_spans > 0
    assert report.ok, report.lines()


def test_short_abuse_soak_refuses_the_abuse_and_keeps_ordinary_queries_answered(settings):
    """Introspection bombs, oversized GETs, cost probes and forged bookmarks while ordinary clients query: every
    ordinary query is answered, each kind of abuse is refused, and forged bookmarks stall nothing."""
    report = run_abuse_soak(
        settings.model_copy(update={"neo4j_uri": None}),
        seconds=8,
        clients=2,
        abusers=2,
        max_requests=200,
        instance=SOAK_INSTANCE,
    )
    assert report.ordinary_failed == 0, report.examples
    assert report.baseline_s
    assert report.under_abuse_s
    assert set(report.refused) == {
        "introspection bomb",
        "oversized GET",
        "cost probe",
        "forged bookmarks",
    } - set(report.not_refused)
    assert {"introspection bomb", "oversized GET", "cost probe"} <= set(report.refused)
    assert not (set(report.not_refused) - {"forged bookmarks"}), report.not_refused
    assert report.slowest_abuse_s["forged bookmarks"] <= MAX_FORGED_BOOKMARK_S
