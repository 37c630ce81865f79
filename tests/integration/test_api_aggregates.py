"""The `aggregate` and `totalCount` fields of the GraphQL lists, against the real dataset in the test Neo4j.

Expected values are computed by independent Cypher queries with count/sum/min/max/avg over the same filter. The
API documents `sum` as null when no item has a value (Cypher's `sum` gives 0 there), and min/max/avg are null then
too. Aggregates cover the whole filtered list, never just the page.
"""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import gql_data, run_cypher

pytestmark = pytest.mark.integration

NUMERIC = "{ count sum min max avg }"
CLUSTER_AGGREGATE = f"aggregate {{ count outputValueCny {NUMERIC} enterpriseCount {NUMERIC} }}"
BATCH_AGGREGATE = f"aggregate {{ count officialCount {NUMERIC} officialCountSichuan {NUMERIC} }}"
RECOGNITION_AGGREGATE = f"aggregate {{ count year {NUMERIC} }}"

IN_CHENGDU = "EXISTS { (n)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(:City {nameZh: '成都市'}) }"
CHENGDU = {"city": {"nameZh": {"eq": "成都市"}}}


def numeric(var: str, prop: str) -> str:
    """Cypher returning the numeric aggregate of `var.prop` as a map."""
    x = f"{var}.{prop}"
    return f"{{count: count({x}), sum: sum({x}), min: min({x}), max: max({x}), avg: avg({x})}}"


def expected_numeric(m: dict[str, Any]) -> dict[str, Any]:
    """Cypher's aggregate as the API states it: sum is null when no item has a value."""
    return {**m, "sum": m["sum"] if m["count"] else None}


def assert_numeric(got: dict[str, Any], expected: dict[str, Any]) -> None:
    assert got["count"] == expected["count"]
    for key in ("sum", "min", "max", "avg"):
        if expected[key] is None:
            assert got[key] is None, (key, got)
        else:
            assert got[key] == pytest.approx(expected[key]), (key, got, expected)


def cypher_aggregate(
    driver: Driver, settings: Settings, label: str, condition: str, props: tuple[str, ...]
) -> dict[str, Any]:
    fields = ", ".join(["count: count(DISTINCT n)", *(f"{p}: {numeric('n', p)}" for p in props)])
    query = f"MATCH (n:{label}) WHERE {condition} RETURN {{{fields}}} AS a"
    row: dict[str, Any] = run_cypher(driver, settings, query)[0]["a"]
    return {k: expected_numeric(v) if isinstance(v, dict) else v for k, v in row.items()}


def assert_aggregate(got: dict[str, Any], expected: dict[str, Any]) -> None:
    assert got["count"] == expected["count"]
    for key, value in expected.items():
        if key != "count":
            assert_numeric(got[key], value)


CLUSTER_WHERE = [
    pytest.param(None, "true", id="no-where"),
    pytest.param(CHENGDU, IN_CHENGDU, id="city"),
    pytest.param({"enterpriseCount": {"isNull": False}}, "n.enterpriseCount IS NOT NULL", id="stated-count"),
    pytest.param({"outputValueCny": {"isNull": True}}, "n.outputValueCny IS NULL", id="no-output-value"),
    pytest.param({"nameStatus": {"eq": "AS_LISTED"}}, "n.nameStatus = 'AS_LISTED'", id="name-status"),
    pytest.param({"recognitions": {"some": {"level": {"eq": "NATIONAL"}}}},
                 "EXISTS { (n)-[:RECOGNIZED]->(:Recognition {level: 'NATIONAL'}) }", id="national"),
    pytest.param({"industry": {"key": {"in": ["equipment-manufacturing", "food-and-light-textiles"]}}},
                 "EXISTS { MATCH (n)-[:IN_INDUSTRY]->(i:Industry)"
                 " WHERE i.id IN ['equipment-manufacturing', 'food-and-light-textiles'] }", id="industries"),
    pytest.param({"name": {"contains": "no such cluster"}}, "toLower(n.name) CONTAINS 'no such cluster'",
                 id="nothing-matches"),
]  # fmt: skip


@pytest.mark.parametrize(("where", "condition"), CLUSTER_WHERE)
def test_cluster_aggregate_equals_cypher_over_the_same_filter(
    client: Any, dataset_graph: Driver, settings: Settings, where: dict[str, Any] | None, condition: str
) -> None:
    """clusters.aggregate: count, and count/sum/min/max/avg of outputValueCny and enterpriseCount, as in Cypher;
    totalCount equals aggregate.count."""
    expected = cypher_aggregate(
        dataset_graph, settings, "Cluster", condition, ("outputValueCny", "enterpriseCount")
    )
    query = f"query($w: ClusterWhere) {{ clusters(where: $w) {{ totalCount {CLUSTER_AGGREGATE} }} }}"
    conn = gql_data(client, query, {"w": where})["clusters"]
    assert_aggregate(conn["aggregate"], expected)
    assert conn["totalCount"] == conn["aggregate"]["count"]


def test_sum_is_null_when_no_value_is_known(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """Over clusters with no stated output value, outputValueCny has count 0 and null sum, min, max and avg."""
    known = run_cypher(
        dataset_graph,
        settings,
        "MATCH (n:Cluster) WHERE n.outputValueCny IS NULL RETURN count(n) AS n, count(n.outputValueCny) AS v",
    )[0]
    assert known["n"] > 0
    assert known["v"] == 0
    query = f"{{ clusters(where: {{outputValueCny: {{isNull: true}}}}) {{ {CLUSTER_AGGREGATE} }} }}"
    agg = gql_data(client, query)["clusters"]["aggregate"]
    assert agg["count"] == known["n"]
    assert agg["outputValueCny"] == {"count": 0, "sum": None, "min": None, "max": None, "avg": None}


BATCH_WHERE = [
    pytest.param(None, "true", id="no-where"),
    pytest.param({"level": {"eq": "NATIONAL"}}, "n.level = 'NATIONAL'", id="national"),
    pytest.param({"officialCountSichuan": {"isNull": True}}, "n.officialCountSichuan IS NULL", id="unknown-size"),
    pytest.param({"year": {"gte": 2024}}, "n.year >= 2024", id="recent"),
    pytest.param({"recognitions": {"count": {"gte": 2}}}, "size([(n)<-[:IN_BATCH]-(r) | r]) >= 2",
                 id="with-named-recognitions"),
]  # fmt: skip


@pytest.mark.parametrize(("where", "condition"), BATCH_WHERE)
def test_batch_aggregate_equals_cypher(
    client: Any, dataset_graph: Driver, settings: Settings, where: dict[str, Any] | None, condition: str
) -> None:
    """batches.aggregate: count, officialCount and officialCountSichuan aggregates as in Cypher."""
    expected = cypher_aggregate(
        dataset_graph, settings, "Batch", condition, ("officialCount", "officialCountSichuan")
    )
    query = f"query($w: BatchWhere) {{ batches(where: $w) {{ totalCount {BATCH_AGGREGATE} }} }}"
    conn = gql_data(client, query, {"w": where})["batches"]
    assert_aggregate(conn["aggregate"], expected)
    assert conn["totalCount"] == conn["aggregate"]["count"]


RECOGNITION_WHERE = [
    pytest.param(None, "true", id="no-where"),
    pytest.param({"level": {"eq": "PROVINCIAL"}}, "n.level = 'PROVINCIAL'", id="provincial"),
    pytest.param({"year": {"isNull": True}}, "n.year IS NULL", id="undated"),
    pytest.param({"cluster": CHENGDU},
                 "EXISTS { (n)<-[:RECOGNIZED]-(:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->"
                 "(:City {nameZh: '成都市'}) }", id="in-city"),
]  # fmt: skip


@pytest.mark.parametrize(("where", "condition"), RECOGNITION_WHERE)
def test_recognition_aggregate_equals_cypher(
    client: Any, dataset_graph: Driver, settings: Settings, where: dict[str, Any] | None, condition: str
) -> None:
    """recognitions.aggregate: count, and the year aggregate over the dated ones, as in Cypher."""
    expected = cypher_aggregate(dataset_graph, settings, "Recognition", condition, ("year",))
    query = (
        f"query($w: RecognitionWhere) {{ recognitions(where: $w) {{ totalCount {RECOGNITION_AGGREGATE} }} }}"
    )
    conn = gql_data(client, query, {"w": where})["recognitions"]
    assert_aggregate(conn["aggregate"], expected)
    assert conn["totalCount"] == conn["aggregate"]["count"]


COUNT_LISTS = [
    pytest.param("provinces", "Province", "ProvinceWhere", {"name": {"contains": "SICHUAN"}},
                 "toLower(n.name) CONTAINS 'sichuan'", id="provinces"),
    pytest.param("cities", "City", "CityWhere", {"clusters": {"count": {"eq": 0}}},
                 "NOT EXISTS { (n)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(:Cluster) }", id="cities"),
    pytest.param("counties", "County", "CountyWhere", {"nameZh": {"endsWith": "县"}}, "n.nameZh ENDS WITH '县'",
                 id="counties"),
    pytest.param("industries", "Industry", "IndustryWhere", {"clusters": {"count": {"gte": 5}}},
                 "COUNT { (n)<-[:IN_INDUSTRY]-(:Cluster) } >= 5", id="industries"),
    pytest.param("enterprises", "Enterprise", "EnterpriseWhere", {"clusters": {"some": CHENGDU}},
                 "EXISTS { (n)-[:MEMBER_OF]->(:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->"
                 "(:City {nameZh: '成都市'}) }", id="enterprises"),
    pytest.param("recognitionYears", "RecognitionYear", "RecognitionYearWhere", {"year": {"lt": 2025}},
                 "n.year < 2025", id="recognition-years"),
    pytest.param("cities", "City", "CityWhere", None, "true", id="cities-no-where"),
]  # fmt: skip


@pytest.mark.parametrize(("list_field", "label", "where_type", "where", "condition"), COUNT_LISTS)
def test_count_aggregate_equals_cypher_count(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    list_field: str,
    label: str,
    where_type: str,
    where: dict[str, Any] | None,
    condition: str,
) -> None:
    """The lists with a plain CountAggregate: aggregate.count and totalCount are the Cypher count, page or not."""
    expected = cypher_aggregate(dataset_graph, settings, label, condition, ())["count"]
    query = f"query($w: {where_type}) {{ {list_field}(where: $w, first: 1) {{ totalCount aggregate {{ count }} }} }}"
    conn = gql_data(client, query, {"w": where})[list_field]
    assert conn["aggregate"]["count"] == expected
    assert conn["totalCount"] == expected


# --- nested aggregates ----------------------------------------------------------------------------------------

NESTED = [
    pytest.param("cities", "City", "clusters", "ClusterWhere", None, "true",
                 "(p)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(n:Cluster)", CLUSTER_AGGREGATE,
                 ("outputValueCny", "enterpriseCount"), id="City.clusters"),
    pytest.param("cities", "City", "clusters", "ClusterWhere", {"enterpriseCount": {"isNull": False}},
                 "n.enterpriseCount IS NOT NULL", "(p)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(n:Cluster)",
                 CLUSTER_AGGREGATE, ("outputValueCny", "enterpriseCount"), id="City.clusters-where"),
    pytest.param("industries", "Industry", "clusters", "ClusterWhere", None, "true",
                 "(p)<-[:IN_INDUSTRY]-(n:Cluster)", CLUSTER_AGGREGATE, ("outputValueCny", "enterpriseCount"),
                 id="Industry.clusters"),
    pytest.param("counties", "County", "clusters", "ClusterWhere", None, "true", "(p)<-[:LOCATED_IN]-(n:Cluster)",
                 CLUSTER_AGGREGATE, ("outputValueCny", "enterpriseCount"), id="County.clusters"),
    pytest.param("batches", "Batch", "clusters", "ClusterWhere", None, "true",
                 "(p)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(n:Cluster)", CLUSTER_AGGREGATE,
                 ("outputValueCny", "enterpriseCount"), id="Batch.clusters"),
    pytest.param("recognitionYears", "RecognitionYear", "clusters", "ClusterWhere", None, "true",
                 "(p)<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(n:Cluster)", CLUSTER_AGGREGATE,
                 ("outputValueCny", "enterpriseCount"), id="RecognitionYear.clusters"),
    pytest.param("enterprises", "Enterprise", "clusters", "ClusterWhere", None, "true",
                 "(p)-[:MEMBER_OF]->(n:Cluster)", CLUSTER_AGGREGATE, ("outputValueCny", "enterpriseCount"),
                 id="Enterprise.clusters"),
    pytest.param("batches", "Batch", "recognitions", "RecognitionWhere", None, "true",
                 "(p)<-[:IN_BATCH]-(n:Recognition)", RECOGNITION_AGGREGATE, ("year",), id="Batch.recognitions"),
    pytest.param("clusters", "Cluster", "recognitions", "RecognitionWhere", {"level": {"eq": "NATIONAL"}},
                 "n.level = 'NATIONAL'", "(p)-[:RECOGNIZED]->(n:Recognition)", RECOGNITION_AGGREGATE, ("year",),
                 id="Cluster.recognitions-where"),
    pytest.param("recognitionYears", "RecognitionYear", "batches", "BatchWhere", None, "true",
                 "(p)<-[:IN_YEAR]-(n:Batch)", BATCH_AGGREGATE, ("officialCount", "officialCountSichuan"),
                 id="RecognitionYear.batches"),
    pytest.param("clusters", "Cluster", "enterprises", "EnterpriseWhere", None, "true",
                 "(p)<-[:MEMBER_OF]-(n:Enterprise)", "aggregate { count }", (), id="Cluster.enterprises"),
    pytest.param("cities", "City", "counties", "CountyWhere", None, "true", "(p)<-[:IN_CITY]-(n:County)",
                 "aggregate { count }", (), id="City.counties"),
]  # fmt: skip


@pytest.mark.parametrize(
    (
        "parent_list",
        "parent_label",
        "field",
        "where_type",
        "where",
        "condition",
        "pattern",
        "selection",
        "props",
    ),
    NESTED,
)
def test_nested_aggregate_equals_cypher_per_parent(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    parent_list: str,
    parent_label: str,
    field: str,
    where_type: str,
    where: dict[str, Any] | None,
    condition: str,
    pattern: str,
    selection: str,
    props: tuple[str, ...],
) -> None:
    """A nested connection's aggregate (e.g. City.clusters for each city) equals Cypher's, parent by parent,
    including parents with nothing related; totalCount equals aggregate.count."""
    fields = ", ".join(["count: count(DISTINCT n)", *(f"{p}: {numeric('n', p)}" for p in props)])
    rows = run_cypher(
        dataset_graph,
        settings,
        f"MATCH (p:{parent_label}) CALL (p) {{ OPTIONAL MATCH {pattern} WHERE {condition} WITH DISTINCT n "
        f"RETURN {{{fields}}} AS a }} RETURN p.id AS parent, a",
    )
    expected = {
        r["parent"]: {k: expected_numeric(v) if isinstance(v, dict) else v for k, v in r["a"].items()}
        for r in rows
    }
    query = (
        f"query($w: {where_type}) {{ {parent_list}(first: 100) {{ nodes {{ key "
        f"{field}(where: $w, first: 1) {{ totalCount {selection} }} }} }} }}"
    )
    parents = gql_data(client, query, {"w": where})[parent_list]["nodes"]
    assert {p["key"] for p in parents} == set(expected)
    for p in parents:
        conn = p[field]
        assert_aggregate(conn["aggregate"], expected[p["key"]])
        assert conn["totalCount"] == conn["aggregate"]["count"]


# --- aggregates ignore pagination -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        pytest.param("first: 1", id="first-1"),
        pytest.param("first: 0", id="first-0"),
        pytest.param("last: 1", id="last-1"),
        pytest.param("first: 2, after: $cursor", id="after-a-cursor"),
        pytest.param("last: 2, before: $cursor", id="before-a-cursor"),
    ],
)
@pytest.mark.parametrize("with_rows", [True, False], ids=["with-nodes", "aggregate-alone"])
def test_aggregate_ignores_pagination(
    client: Any, dataset_graph: Driver, settings: Settings, page: str, with_rows: bool
) -> None:
    """With a page (first: 1, last, after or before a cursor), the aggregate still covers the whole filtered list."""
    where = {"recognitions": {"some": {"level": {"eq": "PROVINCIAL"}}}}
    condition = "EXISTS { (n)-[:RECOGNIZED]->(:Recognition {level: 'PROVINCIAL'}) }"
    expected = cypher_aggregate(
        dataset_graph, settings, "Cluster", condition, ("outputValueCny", "enterpriseCount")
    )
    assert expected["count"] > 3
    middle = gql_data(
        client,
        "query($w: ClusterWhere) { clusters(where: $w, first: 2) { pageInfo { endCursor } } }",
        {"w": where},
    )["clusters"]["pageInfo"]["endCursor"]
    rows = "nodes { key } " if with_rows else ""
    query = (
        f"query($w: ClusterWhere, $cursor: String) {{ clusters(where: $w, {page}) "
        f"{{ {rows}totalCount {CLUSTER_AGGREGATE} }} }}"
    )
    variables: dict[str, Any] = {"w": where}
    if "$cursor" in page:
        variables["cursor"] = middle
    else:
        query = query.replace(", $cursor: String", "")
    conn = gql_data(client, query, variables)["clusters"]
    if with_rows:
        assert len(conn["nodes"]) < expected["count"]
    assert_aggregate(conn["aggregate"], expected)
    assert conn["totalCount"] == expected["count"]


def test_nested_aggregate_ignores_pagination(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """City.clusters(first: 1) for Chengdu aggregates all of Chengdu's clusters, not the one on the page."""
    expected = cypher_aggregate(
        dataset_graph, settings, "Cluster", IN_CHENGDU, ("outputValueCny", "enterpriseCount")
    )
    assert expected["count"] > 1
    query = f'{{ city(id: "510100") {{ clusters(first: 1) {{ nodes {{ key }} totalCount {CLUSTER_AGGREGATE} }} }} }}'
    conn = gql_data(client, query)["city"]["clusters"]
    assert len(conn["nodes"]) == 1
    assert_aggregate(conn["aggregate"], expected)
    assert conn["totalCount"] == expected["count"]
