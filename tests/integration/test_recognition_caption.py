"""`Recognition.caption`, the label Neo4j Browser draws ("Provincial 2024"), follows the level and year on every
write path: the loader and the recordRecognition mutation."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from clustergraph.auth import Role, create_token
from clustergraph.settings import Settings
from conftest import gql, run_cypher

pytestmark = pytest.mark.integration

RECORD = """mutation($i: RecognitionInput!) { recordRecognition(input: $i) { recognition { key } errors { field code } } }"""


def expected(level: str, year: int | None) -> str:
    return level.title() + ("" if year is None else f" {year}")


def test_loaded_recognitions_are_captioned_by_level_and_year(
    dataset_graph: Driver, settings: Settings
) -> None:
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (r:Recognition) RETURN r.level AS level, r.year AS year, r.caption AS caption",
    )
    assert rows
    assert [r["caption"] for r in rows] == [expected(r["level"], r["year"]) for r in rows]
    assert {"Provincial 2024", "National"} <= {r["caption"] for r in rows}


@pytest.mark.parametrize(("year", "caption"), [(2024, "National 2024"), (None, "National")])
def test_record_recognition_sets_the_caption(
    client: Any, fresh_dataset_graph: Driver, settings: Settings, year: int | None, caption: str
) -> None:
    editor = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    given: dict[str, Any] = {"clusterKey": "yantan-pump-valve", "level": "NATIONAL"}
    if year is not None:
        given["year"] = year
    payload = gql(client, RECORD, {"i": given}, headers=editor)["data"]["recordRecognition"]
    assert payload["errors"] == []
    rows = run_cypher(
        fresh_dataset_graph,
        settings,
        "MATCH (:Cluster {id: 'yantan-pump-valve'})-[:RECOGNIZED]->(r:Recognition {level: 'NATIONAL'}) "
        "RETURN r.caption AS caption",
    )
    assert rows == [{"caption": caption}]


def test_migrate_gives_a_recognition_written_without_a_caption_its_caption(
    fresh_dataset_graph: Driver, settings: Settings
) -> None:
    """A recognition written before captions were stored, or by hand in Cypher, gets its caption from migrate."""
    from clustergraph.db import migrate

    run_cypher(fresh_dataset_graph, settings, "MATCH (r:Recognition) REMOVE r.caption")
    migrate(fresh_dataset_graph, settings.neo4j_database)
    rows = run_cypher(
        fresh_dataset_graph,
        settings,
        "MATCH (r:Recognition) RETURN r.level AS level, r.year AS year, r.caption AS caption",
    )
    assert [r["caption"] for r in rows] == [expected(r["level"], r["year"]) for r in rows]
