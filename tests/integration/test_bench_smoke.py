"""The benchmark harness runs end to end: `bench/run.py --smoke` against the test Neo4j, in a subprocess.

The smoke mode loads a tiny synthetic graph into the (emptied) test database, serves ClusterGraph as in production,
walks the deep page's list for its cursors, checks a few answers of every suite query, and drives each query (with
varied variables drawn from the graph) and the frontend mix for a second or two. The `empty_graph` fixture empties
the database first and restores the real dataset afterwards, so no synthetic data stays behind. Only the shape of
the results, and the variables' counts against the graph itself, are checked, never a timing.
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
MIX = "mix"
MIX_CONCURRENCY = {1, 4}
TIMEOUT_S = 300


def test_bench_smoke_mode_measures_every_query_and_the_mix_with_varied_variables(
    empty_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    """A row per suite query and per concurrency of the mix, each with plan-cache counts; the varied lists hold
    every cluster, every industry and year with clusters, every city and every page of the deep page's list,
    counted here with Cypher on the graph the run loaded."""
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
    assert report["config"]["variables"] == "varied"
    rows = report["rows"]
    assert {row["query"] for row in rows} == SUITE | {MIX}
    assert len([row for row in rows if row["query"] != MIX]) == len(SUITE)
    assert {row["concurrency"] for row in rows if row["query"] == MIX} == MIX_CONCURRENCY
    for row in rows:
        assert row["peer"] == "clustergraph"
        assert row["requests"] > 0, row
        assert row["errors"] == 0, row
        # ClusterGraph serves /metrics in the bench, so every run reports its plan cache's look-ups.
        plan_cache = row["plan_cache"]
        assert plan_cache["hits"] + plan_cache["misses"] > 0, row
    tiny = report["results"]["tiny"]
    assert tiny["dataset"]["loaded"] is True
    assert tiny["dataset"]["nodes"] == generate(SCALES["tiny"], seed=42).node_count()
    assert tiny["peers"]["clustergraph"]["peak_rss_kb"]["total"] > 0

    def count(query: str) -> int:
        return int(empty_graph.execute_query(query, database_=settings.neo4j_database).records[0][0])

    clusters = count("MATCH (c:Cluster) RETURN count(c)")
    industry_years = count(
        "MATCH (c:Cluster)-[:IN_INDUSTRY]->(i:Industry), (c)-[:RECOGNIZED]->(r:Recognition) "
        "WHERE r.year IS NOT NULL WITH DISTINCT i, r.year AS year RETURN count(*)"
    )
    cities = count("MATCH (c:City) RETURN count(c)")
    recognised = count(
        "MATCH (c:Cluster) WHERE EXISTS { (c)-[:RECOGNIZED]->(r:Recognition) "
        "WHERE r.level IN ['PROVINCIAL', 'NATIONAL'] } RETURN count(c)"
    )
    assert tiny["params"]["deep_total"] == recognised
    pages = -(-recognised // tiny["params"]["deep_size"])
    assert tiny["cases"]["cluster_by_key"] == clusters
    assert tiny["cases"]["related_clusters"] == clusters
    assert tiny["cases"]["clusters_page"] == industry_years
    assert tiny["cases"]["city_clusters_enterprises"] == cities
    assert tiny["cases"]["deep_page"] == pages
    assert tiny["cases"]["stats"] == 1
    assert tiny["cases"]["search"] > 100
    assert tiny["checks"]["page_cursors"]["clustergraph"]["pages"] == pages
    assert set(tiny["mix_weights"]) == SUITE
