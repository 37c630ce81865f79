"""The benchmark harness runs end to end: `bench/run.py --smoke` against the test Neo4j, in a subprocess.

The smoke mode loads a tiny synthetic graph into the (emptied) test database, serves ClusterGraph as in production,
checks one answer of every suite query and drives each for a second or two. The `empty_graph` fixture empties the
database first and restores the real dataset afterwards, so no synthetic data stays behind. Only the shape of the
results is checked, never a timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from clustergraph.synthetic import SCALES, generate
from conftest import ROOT

pytestmark = pytest.mark.integration

RUN = ROOT / "bench" / "run.py"
SUITE = {
    "cluster_by_key",
    "clusters_page",
    "city_clusters_enterprises",
    "stats",
    "search",
    "related_clusters",
    "deep_page",
}
TIMEOUT_S = 300


def test_bench_smoke_mode_writes_a_row_per_suite_query(
    empty_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    output = tmp_path / "smoke.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    completed = subprocess.run(  # noqa: S603 -- fixed argv
        [
            sys.executable,
            str(RUN),
            "--smoke",
            "--neo4j-uri",
            settings.bolt_uri,
            "--neo4j-password",
            settings.neo4j_secret.get_secret_value(),
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    report = json.loads(output.read_text())

    assert report["mode"] == "smoke"
    assert report["config"]["peers"] == ["clustergraph"]
    rows = report["rows"]
    assert {row["query"] for row in rows} == SUITE
    assert len(rows) == len(SUITE)
    for row in rows:
        assert row["peer"] == "clustergraph"
        assert row["requests"] > 0, row
        assert row["errors"] == 0, row
    tiny = report["results"]["tiny"]
    assert tiny["dataset"]["loaded"] is True
    assert tiny["dataset"]["nodes"] == generate(SCALES["tiny"], seed=42).node_count()
    assert tiny["peers"]["clustergraph"]["peak_rss_kb"]["total"] > 0
