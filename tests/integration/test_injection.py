"""Hostile strings in every filter and mutation field: refused with a clear error, or stored and compared literally."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from clustergraph.auth import Role, create_token
from conftest import STATEMENTS, gql, run_cypher

HOSTILE = [
    "' OR 1=1 //",
    '" OR true RETURN n //',
    "`Cluster`) DETACH DELETE n //",
    "}) MATCH (n) DETACH DELETE n //",
    "{name: 'x'}",
    "$p0",
    "// comment",
    "/* comment */",
    "\\u0027; MATCH (n) DELETE n",
    "\x00nul",
    "line\nbreak\rreturn\ttab",
    "\u202eRTL override\u202c",
    "emoji 🏭🦀",
    "电磁' OR '1'='1",
    "y" * 90_000,
    "x" * 100_000,
]
IDS = [
    "quote",
    "double-quote",
    "backtick",
    "braces-delete",
    "map",
    "param",
    "comment",
    "block-comment",
    "escape",
    "nul",
    "control",
    "rtl",
    "emoji",
    "chinese-quote",
    "90kB",
    "100kB",
]

STRING_FILTERS = [
    ("clusters", "ClusterWhere", "name"),
    ("clusters", "ClusterWhere", "nameZh"),
    ("clusters", "ClusterWhere", "key"),
    ("clusters", "ClusterWhere", "leadingSector"),
    ("cities", "CityWhere", "name"),
    ("cities", "CityWhere", "adminCode"),
    ("counties", "CountyWhere", "nameZh"),
    ("industries", "IndustryWhere", "name"),
    ("enterprises", "EnterpriseWhere", "name"),
    ("batches", "BatchWhere", "key"),
]


def _refused_as_too_large(body: dict[str, Any]) -> bool:
    """A body over MAX_BODY_BYTES (the 100 kB strings) is refused whole with 413 and a message giving the limit."""
    if "data" in body:
        return False
    error = body["errors"][0]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE", body
    assert "limit" in error["message"] or "bytes" in error["message"], error
    return True


def _counts(driver: Driver, settings: Any) -> list[dict[str, Any]]:
    return run_cypher(driver, settings, "MATCH (n) RETURN count(n) AS nodes, COUNT { ()-[]->() } AS rels")


@pytest.mark.parametrize("text", HOSTILE, ids=IDS)
@pytest.mark.parametrize(("root", "where_type", "field"), STRING_FILTERS)
def test_hostile_text_in_string_filters_is_compared_literally(
    client, dataset_graph, settings, text, root, where_type, field
):
    """Each operator gets the hostile text as a value: no error beyond a clear refusal, and matches are literal."""
    before = _counts(dataset_graph, settings)
    for op in ("eq", "contains", "startsWith", "endsWith", "in"):
        value: Any = [text] if op == "in" else text
        body = gql(
            client,
            f"query($w: {where_type}) {{ {root}(where: $w, first: 5) {{ totalCount }} }}",
            {"w": {field: {op: value}}},
        )
        if _refused_as_too_large(body):
            continue
        if "errors" in body:
            # Only a request-size refusal is acceptable, and it must say what is wrong.
            codes = {e.get("extensions", {}).get("code") for e in body["errors"]}
            assert codes <= {"BAD_USER_INPUT", "QUERY_TOO_COMPLEX"}, body["errors"]
            continue
        assert body["data"][root]["totalCount"] == 0, (op, text[:30])
    assert _counts(dataset_graph, settings) == before


@pytest.mark.parametrize("text", HOSTILE, ids=IDS)
def test_hostile_text_in_search_is_literal(client, dataset_graph, text):
    """Full-text search escapes Lucene syntax: no error, and no match-everything."""
    body = gql(client, "query($t: String!) { search(text: $t, first: 50) { score } }", {"t": text})
    if _refused_as_too_large(body):
        return
    if "errors" in body:
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "text" in body["errors"][0]["message"]
        return
    assert len(body["data"]["search"]) < 50


@pytest.fixture
def editor(settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}


MUTATION_TEXT_FIELDS = ["name", "nameZh", "leadingSector", "leadingSectorZh"]


@pytest.mark.parametrize("text", HOSTILE, ids=IDS)
@pytest.mark.parametrize("field", MUTATION_TEXT_FIELDS)
def test_hostile_text_in_mutation_fields_is_refused_or_stored_literally(
    client, fresh_dataset_graph, settings, editor, text, field
):
    """createCluster stores hostile text byte for byte, or refuses it naming the field; nothing else changes."""
    before = _counts(fresh_dataset_graph, settings)
    values = {
        "key": "hostile-test",
        "name": "Hostile",
        "nameZh": "敌意",
        "countyKey": "pidu-district",
        "industryKey": "electronic-information",
        field: text,
    }
    body = gql(
        client,
        "mutation($i: CreateClusterInput!) { createCluster(input: $i) { cluster { key } errors { field code message } } }",
        {"i": values},
        headers=editor,
    )
    if _refused_as_too_large(body):
        assert _counts(fresh_dataset_graph, settings) == before
        return
    payload = body["data"]["createCluster"]
    if payload["errors"]:
        assert payload["cluster"] is None
        assert [e["field"] for e in payload["errors"]] == [f"input.{field}"]
        assert payload["errors"][0]["code"] in {"TOO_LONG", "INVALID_CHARACTERS"}
        assert _counts(fresh_dataset_graph, settings) == before
        return
    stored = run_cypher(
        fresh_dataset_graph, settings, "MATCH (c:Cluster {id: 'hostile-test'}) RETURN properties(c) AS p"
    )
    prop = {
        "name": "name",
        "nameZh": "nameZh",
        "leadingSector": "leadingSector",
        "leadingSectorZh": "leadingSectorZh",
    }[field]
    expected = text.strip() if field in ("name", "nameZh") else text
    assert stored[0]["p"][prop] == expected
    after = _counts(fresh_dataset_graph, settings)
    assert after[0]["nodes"] == before[0]["nodes"] + 1


@pytest.mark.parametrize("text", HOSTILE, ids=IDS)
def test_hostile_text_as_key_is_refused_with_the_format(client, fresh_dataset_graph, settings, editor, text):
    """Keys must be slugs: any hostile key is refused as INVALID_FORMAT and nothing is written."""
    before = _counts(fresh_dataset_graph, settings)
    body = gql(
        client,
        'mutation($k: String!) { createEnterprise(input: {key: $k, name: "x", nameZh: "x"}) { errors { field code } } }',
        {"k": text},
        headers=editor,
    )
    if not _refused_as_too_large(body):
        assert body["data"]["createEnterprise"]["errors"] == [
            {"field": "input.key", "code": "INVALID_FORMAT"}
        ]
    assert _counts(fresh_dataset_graph, settings) == before


# --- names chosen by the client never reach the Cypher text -----------------------------------------------------

#: Aliases unlikely to occur in any statement by chance.
ALIASES = ["zzLabelsAlias", "zzCitiesAlias", "zzTimelineAlias", "zzRootAlias", "zzChildAlias", "zzRowsAlias"]


def test_aliases_never_reach_the_cypher_text(client: Any, dataset_graph: Driver, settings: Any) -> None:
    """Aliases of stats' parts, root fields, node children and rows are answered under their aliases, with the
    values Cypher gives, while the statement uses generated keys only: none of the aliases is in its text."""
    query = """{
      stats {
        zzLabelsAlias: labelCounts { label count }
        zzCitiesAlias: clustersByCity { count city { key } }
        zzTimelineAlias: timeline { year level clusterCount }
      }
      zzRootAlias: cities(first: 3) {
        nodes { key zzChildAlias: clusters(first: 5) { totalCount } zzRowsAlias: industries { clusterCount } }
      }
    }"""
    response = client.post("/graphql", json={"query": query})
    body = response.json()
    assert "errors" not in body, body.get("errors")
    (statement,) = STATEMENTS.of(response)
    assert [alias for alias in ALIASES if alias.lower() in statement.lower()] == []

    stats = body["data"]["stats"]
    labels = run_cypher(dataset_graph, settings, "MATCH (n:City) RETURN count(n) AS n")[0]["n"]
    assert {r["label"]: r["count"] for r in stats["zzLabelsAlias"]}["City"] == labels
    by_city = run_cypher(
        dataset_graph,
        settings,
        "MATCH (city:City) OPTIONAL MATCH (city)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster) "
        "RETURN city.id AS key, count(DISTINCT c) AS n",
    )
    assert {r["city"]["key"]: r["count"] for r in stats["zzCitiesAlias"]} == {
        r["key"]: r["n"] for r in by_city
    }
    assert stats["zzTimelineAlias"], "the timeline is empty: nothing checked"
    cities = body["data"]["zzRootAlias"]["nodes"]
    for city in cities:
        (expected,) = run_cypher(
            dataset_graph,
            settings,
            "MATCH (c:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(:City {id: $key}) RETURN count(c) AS n",
            key=city["key"],
        )
        assert city["zzChildAlias"]["totalCount"] == expected["n"]
        assert sum(row["clusterCount"] for row in city["zzRowsAlias"]) <= expected["n"]
