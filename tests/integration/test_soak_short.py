"""The soak, short: concurrent reads and writes while its own Neo4j stops and starts again."""

from __future__ import annotations

from clustergraph.soak import run_soak


def test_short_soak_loses_no_acknowledged_write_and_recovers(settings):
    """Every acknowledged write is in the graph exactly once, no client sees an unmasked error, and it recovers."""
    report = run_soak(settings.model_copy(update={"neo4j_uri": None}), seconds=9, clients=3, max_requests=300)
    assert report.sent > 0
    assert report.answered > 0
    assert report.writes_acknowledged > 0
    assert report.acknowledged_missing == 0
    assert report.acknowledged_duplicated == 0
    assert report.unmasked == 0, report.examples
    assert report.recovery_s is not None
