"""`clustergraph backup` / `restore`: neo4j-admin dump and load of the suite's own local server.

The suite's server is a local instance (`test` under `make test`, any other started by `clustergraph neo4j start`
when CLUSTERGRAPH_TEST_NEO4J_URI points at it); the test finds it by the Bolt port it listens on, stops it,
dumps or loads, and starts it again, as the commands do."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase
from typer.testing import CliRunner

from clustergraph import neo4j_server
from clustergraph.auth import Role, create_token
from clustergraph.cli import app
from clustergraph.settings import Settings, local_home_for
from conftest import gql, reset_graph, run_cypher

CREATE = """
mutation($input: CreateClusterInput!) { createCluster(input: $input) { cluster { key } errors { message } } }
"""


def _local_settings(settings: Settings) -> Settings:
    home = local_home_for(settings.state_dir, settings.neo4j_uri)
    if home is None:
        pytest.fail(f"{settings.neo4j_uri} is not a local instance started by `clustergraph neo4j start`")
    conf = (home / "conf" / "neo4j.conf").read_text(encoding="utf-8")
    bolt = re.search(r"^server\.bolt\.listen_address=127\.0\.0\.1:(\d+)$", conf, re.M)
    http = re.search(r"^server\.http\.listen_address=127\.0\.0\.1:(\d+)$", conf, re.M)
    assert bolt, conf
    assert http, conf
    return Settings(
        neo4j_uri="",
        neo4j_password=settings.neo4j_password,
        neo4j_database=settings.neo4j_database,
        state_dir=settings.state_dir,
        local_neo4j_instance=home.name.removeprefix("neo4j-"),
        local_neo4j_bolt_port=int(bolt.group(1)),
        local_neo4j_http_port=int(http.group(1)),
        local_neo4j_heap=os.environ.get("LOCAL_NEO4J_HEAP", "768m"),
        local_neo4j_pagecache=os.environ.get("LOCAL_NEO4J_PAGECACHE", "256m"),
    )


def _cluster(driver: Driver, settings: Settings) -> list[dict]:
    return run_cypher(
        driver,
        settings,
        "MATCH (c:Cluster {id: 'backup-test-cluster'})-[:LOCATED_IN]->(co:County) "
        "RETURN c.name AS name, c.sources AS sources, co.id AS county",
    )


def test_backup_wipe_restore_finds_the_cluster(
    client, fresh_dataset_graph: Driver, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = _local_settings(settings)
    editor = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    created = gql(
        client,
        CREATE,
        {
            "input": {
                "key": "backup-test-cluster",
                "name": "Backup Test Cluster",
                "nameZh": "备份测试集群",
                "countyKey": "pidu-district",
                "industryKey": "electronic-information",
                "sources": ["https://example.org/backup"],
            }
        },
        headers=editor,
    )
    assert created["data"]["createCluster"]["errors"] == [], created
    expected = [
        {"name": "Backup Test Cluster", "sources": ["https://example.org/backup"], "county": "pidu-district"}
    ]
    assert _cluster(fresh_dataset_graph, settings) == expected
    nodes_before = run_cypher(fresh_dataset_graph, settings, "MATCH (n) RETURN count(n) AS n")[0]["n"]

    dump = tmp_path / "graph.dump"
    said = neo4j_server.backup(local, dump)
    assert dump.stat().st_size > 0
    assert any("Stopped" in line for line in said)
    assert any("Started" in line for line in said)
    with pytest.raises(neo4j_server.Neo4jServerError, match="--force"):
        neo4j_server.backup(local, dump)

    # The command refuses a database that is not empty.
    for name in ("NEO4J_URI", "NEO4J_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOCAL_NEO4J_INSTANCE", local.local_neo4j_instance)
    monkeypatch.setenv("LOCAL_NEO4J_BOLT_PORT", str(local.local_neo4j_bolt_port))
    monkeypatch.setenv("LOCAL_NEO4J_HTTP_PORT", str(local.local_neo4j_http_port))
    monkeypatch.setenv("STATE_DIR", str(local.state_dir))
    if settings.neo4j_password is not None:
        monkeypatch.setenv("NEO4J_PASSWORD", settings.neo4j_password.get_secret_value())
    refused = CliRunner().invoke(app, ["restore", str(dump)])
    assert refused.exit_code == 1, refused.output
    assert "--force" in refused.output

    # Wiped through a driver of its own and checked through another: a restore takes the database back to an
    # earlier transaction, so a driver holding the bookmark of a later write (the wipe) would wait for it forever.
    auth = (settings.neo4j_user, settings.neo4j_secret.get_secret_value())
    with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as wiper:
        reset_graph(wiper, settings)
        assert _cluster(wiper, settings) == []
    neo4j_server.restore(local, dump)
    with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as reader:
        assert _cluster(reader, settings) == expected
        assert run_cypher(reader, settings, "MATCH (n) RETURN count(n) AS n")[0]["n"] == nodes_before
