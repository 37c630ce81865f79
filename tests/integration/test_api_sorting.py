"""The `orderBy` argument of the GraphQL lists, against the real dataset in the test Neo4j.

For each sort key the expected order is the one of an independent Cypher query: the sort value is computed in a
`CALL (n) { ... }` subquery written here (property reads, OPTIONAL MATCH and count/min), then `ORDER BY` it in the
requested direction with `n.id` ascending as the final tiebreaker, as the API documents. Nulls sort last in both
directions (`nulls_last` writes `s IS NULL, s DESC`: Cypher alone puts them first descending). The whole ordered
list of keys is compared (first: 100 covers every list of the dataset).
"""

from __future__ import annotations

import csv
import re
from typing import Any

import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import DATA_DIR, LEVEL_RANK, NAME_SORT, PINYIN, gql, gql_data, pinyin_readings, run_cypher

pytestmark = pytest.mark.integration

#: Root list field -> (Neo4j label, GraphQL sort enum).
LISTS = {
    "provinces": ("Province", "ProvinceSortField"),
    "cities": ("City", "CitySortField"),
    "counties": ("County", "CountySortField"),
    "industries": ("Industry", "IndustrySortField"),
    "clusters": ("Cluster", "ClusterSortField"),
    "enterprises": ("Enterprise", "EnterpriseSortField"),
    "recognitions": ("Recognition", "RecognitionSortField"),
    "batches": ("Batch", "BatchSortField"),
    "recognitionYears": ("RecognitionYear", "RecognitionYearSortField"),
    "batchFigures": ("BatchFigure", "BatchFigureSortField"),
}


def prop(name: str) -> str:
    return f"RETURN n.{name} AS s"


def counted(pattern: str, var: str) -> str:
    return f"OPTIONAL MATCH {pattern} RETURN count(DISTINCT {var}) AS s"


FIGURE_RANK = (
    "CASE n.figure WHEN 'CLUSTERS' THEN 0 WHEN 'SICHUAN_CLUSTERS' THEN 1 WHEN 'CITIES' THEN 2 "
    "WHEN 'INDUSTRIES' THEN 3 WHEN 'OUTPUT_VALUE_CNY' THEN 4 WHEN 'ENTERPRISES' THEN 5 WHEN 'QUALITY_SMES' THEN 6 END"
)

NAMES = {"KEY": prop("id"), "NAME": f"RETURN {NAME_SORT} AS s", "NAME_ZH": f"RETURN {PINYIN} AS s"}

#: Root list -> sort key -> the body of `CALL (n) { ... }` that returns the sort value `s` of node `n`.
SORT_VALUES: dict[str, dict[str, str]] = {
    "provinces": NAMES,
    "cities": {
        **NAMES,
        "ADMIN_CODE": prop("adminCode"),
        "CLUSTER_COUNT": counted("(n)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster)", "c"),
        "COUNTY_COUNT": counted("(n)<-[:IN_CITY]-(co:County)", "co"),
    },
    "counties": {**NAMES, "CLUSTER_COUNT": counted("(n)<-[:LOCATED_IN]-(c:Cluster)", "c")},
    "industries": {
        **NAMES,
        "CLUSTER_COUNT": counted("(n)<-[:IN_INDUSTRY]-(c:Cluster)", "c"),
        "CITY_COUNT": counted(
            "(n)<-[:IN_INDUSTRY]-(:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(ci:City)", "ci"
        ),
    },
    "clusters": {
        **NAMES,
        "OUTPUT_VALUE_CNY": prop("outputValueCny"),
        "ENTERPRISE_COUNT": prop("enterpriseCount"),
        "MEMBER_COUNT": counted("(n)<-[:MEMBER_OF]-(e:Enterprise)", "e"),
        "RECOGNITION_COUNT": counted("(n)-[:RECOGNIZED]->(r:Recognition)", "r"),
        "FIRST_RECOGNIZED": "OPTIONAL MATCH (n)-[:RECOGNIZED]->(r:Recognition) RETURN min(r.year) AS s",
    },
    "enterprises": {**NAMES, "CLUSTER_COUNT": counted("(n)-[:MEMBER_OF]->(c:Cluster)", "c")},
    "recognitions": {"KEY": prop("id"), "YEAR": prop("year"), "LEVEL": f"RETURN {LEVEL_RANK} AS s"},
    "batches": {
        "KEY": prop("id"),
        "YEAR": prop("year"),
        "LEVEL": f"RETURN {LEVEL_RANK} AS s",
        "ORDINAL": prop("ordinal"),
        "OFFICIAL_COUNT_SICHUAN": prop("officialCountSichuan"),
        "NAMED_COUNT": counted("(n)<-[:IN_BATCH]-(r:Recognition)", "r"),
    },
    "recognitionYears": {
        "YEAR": prop("year"),
        "CLUSTER_COUNT": counted("(n)<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(c:Cluster)", "c"),
    },
    # FIGURE: the order of the FigureKind enum as the schema declares it.
    "batchFigures": {"KEY": prop("id"), "FIGURE": f"RETURN {FIGURE_RANK} AS s"},
}

#: Sort keys left out of SORT_VALUES, so that every walk over it (here and in test_api_sort_walks) leaves them out:
#: DISTANCE sorts by the distance from a point the order must give (`from`), which a plain `{field, direction}`
#: cannot. test_api_geo walks it both ways from several points, against Cypher's point.distance.
NEEDS_A_POINT: dict[str, set[str]] = {"cities": {"DISTANCE"}, "clusters": {"DISTANCE"}}

SINGLE_KEYS = [
    pytest.param(list_field, key, direction, id=f"{list_field}-{key}-{direction}")
    for list_field, keys in SORT_VALUES.items()
    for key in keys
    for direction in ("ASC", "DESC")
]


def nulls_last(order: str) -> str:
    """An ORDER BY over sort values `s`, `s0`, `s1`... with each preceded by whether it is null (nulls last)."""
    return re.sub(r"\b(s\d*) (ASC|DESC)\b", r"\1 IS NULL, \1 \2", order)


def ordered_keys(driver: Driver, settings: Settings, label: str, body: str, order: str) -> list[str]:
    query = f"MATCH (n:{label}) CALL (n) {{ {body} }} RETURN n.id AS key ORDER BY {nulls_last(order)}"
    return [r["key"] for r in run_cypher(driver, settings, query, pinyin=pinyin_readings(driver, settings))]


def api_keys(client: Any, list_field: str, order_by: list[dict[str, str]] | None) -> list[str]:
    enum = LISTS[list_field][1].replace("SortField", "Order")
    query = (
        f"query($o: [{enum}!]) {{ {list_field}(orderBy: $o, first: 100) {{ totalCount nodes {{ key }} }} }}"
    )
    conn = gql_data(client, query, {"o": order_by})[list_field]
    keys = [n["key"] for n in conn["nodes"]]
    assert len(keys) == conn["totalCount"], "first: 100 should cover the whole list"
    return keys


@pytest.mark.parametrize(("list_field", "key", "direction"), SINGLE_KEYS)
def test_single_sort_key_orders_like_cypher(
    client: Any, dataset_graph: Driver, settings: Settings, list_field: str, key: str, direction: str
) -> None:
    """Every sort key of every root list, both directions: the order of Cypher's ORDER BY value, then n.id."""
    label = LISTS[list_field][0]
    expected = ordered_keys(
        dataset_graph, settings, label, SORT_VALUES[list_field][key], f"s {direction}, n.id ASC"
    )
    assert api_keys(client, list_field, [{"field": key, "direction": direction}]) == expected


@pytest.mark.parametrize("list_field", list(LISTS))
def test_every_sort_key_of_the_schema_is_covered_here(
    client: Any, dataset_graph: Driver, list_field: str
) -> None:
    """The sort keys tested above are exactly those of the schema's *SortField enum (none is left untested), with
    the distance keys that test_api_geo tests."""
    enum = LISTS[list_field][1]
    data = gql_data(client, f'{{ __type(name: "{enum}") {{ enumValues {{ name }} }} }}')
    assert {v["name"] for v in data["__type"]["enumValues"]} == set(
        SORT_VALUES[list_field]
    ) | NEEDS_A_POINT.get(list_field, set())


def test_direction_defaults_to_ascending(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """A sort key without a direction sorts ascending (nulls last), ties broken by key."""
    expected = ordered_keys(dataset_graph, settings, "Cluster", prop("outputValueCny"), "s ASC, n.id ASC")
    assert api_keys(client, "clusters", [{"field": "OUTPUT_VALUE_CNY"}]) == expected


NULLS = [
    pytest.param("OUTPUT_VALUE_CNY", "outputValueCny", id="output-value"),
    pytest.param("ENTERPRISE_COUNT", "enterpriseCount", id="enterprise-count"),
]


@pytest.mark.parametrize(("key", "property_name"), NULLS)
def test_nulls_sort_last_in_both_directions(
    client: Any, dataset_graph: Driver, settings: Settings, key: str, property_name: str
) -> None:
    """Clusters without the value come after all valued ones, ascending and descending, by key among them."""
    nulls = [
        r["key"]
        for r in run_cypher(
            dataset_graph,
            settings,
            f"MATCH (n:Cluster) WHERE n.{property_name} IS NULL RETURN n.id AS key ORDER BY n.id",
        )
    ]
    assert nulls, "the dataset has clusters without the value"
    ascending = api_keys(client, "clusters", [{"field": key, "direction": "ASC"}])
    descending = api_keys(client, "clusters", [{"field": key, "direction": "DESC"}])
    assert ascending[-len(nulls) :] == nulls
    assert descending[-len(nulls) :] == nulls


MULTI = [
    pytest.param("clusters",
                 [("RECOGNITION_COUNT", "DESC"), ("OUTPUT_VALUE_CNY", "ASC"), ("NAME_ZH", "DESC")],
                 "OPTIONAL MATCH (n)-[:RECOGNIZED]->(r:Recognition) "
                 "RETURN count(r) AS s0, n.outputValueCny AS s1, $pinyin[elementId(n)] AS s2",
                 "s0 DESC, s1 ASC, s2 DESC, n.id ASC", id="clusters-recognitions-output-nameZh"),
    pytest.param("clusters", [("FIRST_RECOGNIZED", "DESC"), ("ENTERPRISE_COUNT", "DESC")],
                 "OPTIONAL MATCH (n)-[:RECOGNIZED]->(r:Recognition) "
                 "RETURN min(r.year) AS s0, n.enterpriseCount AS s1",
                 "s0 DESC, s1 DESC, n.id ASC", id="clusters-first-recognized-enterprise-count"),
    pytest.param("clusters", [("MEMBER_COUNT", "ASC"), ("KEY", "DESC")],
                 "OPTIONAL MATCH (n)<-[:MEMBER_OF]-(e:Enterprise) RETURN count(e) AS s0, n.id AS s1",
                 "s0 ASC, s1 DESC", id="clusters-member-count-then-key-descending"),
    pytest.param("cities", [("CLUSTER_COUNT", "DESC"), ("NAME", "ASC")],
                 "OPTIONAL MATCH (n)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster) "
                 "RETURN count(c) AS s0, toLower(n.name) AS s1",
                 "s0 DESC, s1 ASC, n.id ASC", id="cities-cluster-count-name"),
    pytest.param("batches", [("LEVEL", "ASC"), ("YEAR", "DESC")], f"RETURN {LEVEL_RANK} AS s0, n.year AS s1",
                 "s0 ASC, s1 DESC, n.id ASC", id="batches-level-year"),
    pytest.param("batches", [("OFFICIAL_COUNT_SICHUAN", "DESC"), ("NAMED_COUNT", "ASC")],
                 "OPTIONAL MATCH (n)<-[:IN_BATCH]-(r:Recognition) RETURN n.officialCountSichuan AS s0, "
                 "count(r) AS s1", "s0 DESC, s1 ASC, n.id ASC", id="batches-official-named"),
    pytest.param("recognitions", [("LEVEL", "DESC"), ("YEAR", "ASC")], f"RETURN {LEVEL_RANK} AS s0, n.year AS s1",
                 "s0 DESC, s1 ASC, n.id ASC", id="recognitions-level-year"),
    pytest.param("industries", [("CITY_COUNT", "ASC"), ("CLUSTER_COUNT", "DESC")],
                 "OPTIONAL MATCH (n)<-[:IN_INDUSTRY]-(c:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(ci:City) "
                 "RETURN count(DISTINCT ci) AS s0, count(DISTINCT c) AS s1",
                 "s0 ASC, s1 DESC, n.id ASC", id="industries-city-count-cluster-count"),
    pytest.param("counties", [("CLUSTER_COUNT", "DESC"), ("NAME_ZH", "ASC")],
                 "OPTIONAL MATCH (n)<-[:LOCATED_IN]-(c:Cluster) RETURN count(c) AS s0, $pinyin[elementId(n)] AS s1",
                 "s0 DESC, s1 ASC, n.id ASC", id="counties-cluster-count-nameZh"),
]  # fmt: skip


@pytest.mark.parametrize(("list_field", "order_by", "body", "order"), MULTI)
def test_several_sort_keys_order_like_cypher(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    list_field: str,
    order_by: list[tuple[str, str]],
    body: str,
    order: str,
) -> None:
    """Several keys: the first decides, the next break its ties, the key breaks what remains (as Cypher does)."""
    expected = ordered_keys(dataset_graph, settings, LISTS[list_field][0], body, order)
    requested = [{"field": f, "direction": d} for f, d in order_by]
    assert api_keys(client, list_field, requested) == expected


DEFAULTS = [
    pytest.param("clusters", "RETURN toLower(n.name) AS s0, null AS s1", id="clusters-by-name"),
    pytest.param("cities", "RETURN toLower(n.name) AS s0, null AS s1", id="cities-by-name"),
    pytest.param("counties", "RETURN toLower(n.name) AS s0, null AS s1", id="counties-by-name"),
    pytest.param("industries", "RETURN toLower(n.name) AS s0, null AS s1", id="industries-by-name"),
    pytest.param("enterprises", "RETURN toLower(n.name) AS s0, null AS s1", id="enterprises-by-name"),
    pytest.param("provinces", "RETURN toLower(n.name) AS s0, null AS s1", id="provinces-by-name"),
    pytest.param("recognitions", f"RETURN n.year AS s0, {LEVEL_RANK} AS s1", id="recognitions-by-year-level"),
    pytest.param("batches", f"RETURN n.year AS s0, {LEVEL_RANK} AS s1", id="batches-by-year-level"),
    pytest.param("recognitionYears", "RETURN n.year AS s0, null AS s1", id="years-by-year"),
]


@pytest.mark.parametrize(("list_field", "body"), DEFAULTS)
def test_default_order_without_orderBy(
    client: Any, dataset_graph: Driver, settings: Settings, list_field: str, body: str
) -> None:
    """Without orderBy a list has its natural order (name; year then level; year), ties broken by key."""
    expected = ordered_keys(dataset_graph, settings, LISTS[list_field][0], body, "s0, s1, n.id")
    assert api_keys(client, list_field, None) == expected


NESTED = [
    pytest.param("cities", "City", "clusters", "ClusterOrder", [("MEMBER_COUNT", "DESC")],
                 "(p)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(n:Cluster)",
                 "OPTIONAL MATCH (n)<-[:MEMBER_OF]-(e:Enterprise) RETURN count(e) AS s0", "s0 DESC, n.id ASC",
                 id="City.clusters-member-count-desc"),
    pytest.param("industries", "Industry", "clusters", "ClusterOrder", [("OUTPUT_VALUE_CNY", "DESC")],
                 "(p)<-[:IN_INDUSTRY]-(n:Cluster)", "RETURN n.outputValueCny AS s0", "s0 DESC, n.id ASC",
                 id="Industry.clusters-output-desc"),
    pytest.param("clusters", "Cluster", "enterprises", "EnterpriseOrder", [("NAME_ZH", "DESC")],
                 "(p)<-[:MEMBER_OF]-(n:Enterprise)", "RETURN $pinyin[elementId(n)] AS s0", "s0 DESC, n.id ASC",
                 id="Cluster.enterprises-nameZh-desc"),
    pytest.param("clusters", "Cluster", "recognitions", "RecognitionOrder", [("YEAR", "DESC")],
                 "(p)-[:RECOGNIZED]->(n:Recognition)", "RETURN n.year AS s0", "s0 DESC, n.id ASC",
                 id="Cluster.recognitions-year-desc"),
    pytest.param("batches", "Batch", "recognitions", "RecognitionOrder", [("KEY", "DESC")],
                 "(p)<-[:IN_BATCH]-(n:Recognition)", "RETURN n.id AS s0", "s0 DESC",
                 id="Batch.recognitions-key-desc"),
    pytest.param("provinces", "Province", "cities", "CityOrder", [("CLUSTER_COUNT", "DESC"), ("NAME_ZH", "ASC")],
                 "(p)<-[:IN_PROVINCE]-(n:City)",
                 "OPTIONAL MATCH (n)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster) "
                 "RETURN count(c) AS s0, $pinyin[elementId(n)] AS s1", "s0 DESC, s1 ASC, n.id ASC",
                 id="Province.cities-cluster-count-nameZh"),
    pytest.param("recognitionYears", "RecognitionYear", "clusters", "ClusterOrder", [("ENTERPRISE_COUNT", "ASC")],
                 "(p)<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(n:Cluster)", "RETURN n.enterpriseCount AS s0",
                 "s0 ASC, n.id ASC", id="RecognitionYear.clusters-enterprise-count"),
    pytest.param("counties", "County", "clusters", "ClusterOrder", [("NAME", "DESC")],
                 "(p)<-[:LOCATED_IN]-(n:Cluster)", "RETURN toLower(n.name) AS s0", "s0 DESC, n.id ASC",
                 id="County.clusters-name-desc"),
    pytest.param("recognitionYears", "RecognitionYear", "batches", "BatchOrder", [("LEVEL", "DESC")],
                 "(p)<-[:IN_YEAR]-(n:Batch)", f"RETURN {LEVEL_RANK} AS s0", "s0 DESC, n.id ASC",
                 id="RecognitionYear.batches-level-desc"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("parent_list", "parent_label", "field", "order_type", "order_by", "pattern", "body", "order"), NESTED
)
def test_nested_list_orderBy_orders_each_parents_items_like_cypher(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    parent_list: str,
    parent_label: str,
    field: str,
    order_type: str,
    order_by: list[tuple[str, str]],
    pattern: str,
    body: str,
    order: str,
) -> None:
    """orderBy on a nested list orders each parent's related nodes as Cypher's ORDER BY does, parent by parent."""
    rows = run_cypher(
        dataset_graph,
        settings,
        f"MATCH (p:{parent_label}) CALL (p) {{ OPTIONAL MATCH {pattern} WITH DISTINCT n "
        f"CALL (n) {{ {body} }} WITH * ORDER BY {nulls_last(order)} RETURN collect(n.id) AS keys }} "
        "RETURN p.id AS parent, keys",
        pinyin=pinyin_readings(dataset_graph, settings),
    )
    expected = {r["parent"]: r["keys"] for r in rows}
    assert any(len(keys) > 1 for keys in expected.values())
    query = (
        f"query($o: [{order_type}!]) {{ {parent_list}(first: 100) {{ nodes {{ key "
        f"{field}(orderBy: $o, first: 100) {{ nodes {{ key }} }} }} }} }}"
    )
    requested = [{"field": f, "direction": d} for f, d in order_by]
    parents = gql_data(client, query, {"o": requested})[parent_list]["nodes"]
    assert {p["key"]: [n["key"] for n in p[field]["nodes"]] for p in parents} == expected


def test_year_cluster_count_counts_a_cluster_recognised_twice_in_a_year_once(
    client: Any, empty_graph: Driver, settings: Settings
) -> None:
    """RecognitionYear's CLUSTER_COUNT is the number of clusters recognised that year: in 2020 two clusters have
    four recognitions (both levels), in 2021 three clusters have one each, so 2021 has the most clusters."""
    run_cypher(
        empty_graph,
        settings,
        "UNWIND [[2020, ['a', 'b'], ['PROVINCIAL', 'NATIONAL']], [2021, ['c', 'd', 'e'], ['PROVINCIAL']]] AS row "
        "MERGE (y:RecognitionYear {id: toString(row[0]), year: row[0]}) "
        "WITH y, row UNWIND row[1] AS key UNWIND row[2] AS level "
        "MERGE (c:Cluster {id: key}) "
        "CREATE (c)-[:RECOGNIZED]->(:Recognition {id: key + '/' + level, level: level, year: y.year})"
        "-[:IN_YEAR]->(y)",
    )
    rows = run_cypher(
        empty_graph,
        settings,
        "MATCH (y:RecognitionYear)<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(c:Cluster) "
        "RETURN y.id AS key, count(DISTINCT c) AS clusters ORDER BY clusters DESC, key",
    )
    assert rows == [{"key": "2021", "clusters": 3}, {"key": "2020", "clusters": 2}]
    order = [{"field": "CLUSTER_COUNT", "direction": "DESC"}]
    assert api_keys(client, "recognitionYears", order) == [r["key"] for r in rows]


def data_rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_name_order_ignores_case_as_the_filters_do(client: Any, dataset_graph: Driver) -> None:
    """Enterprises by NAME follow their English names of data/enterprises.csv compared without case: "Anjina
    Sports" comes before "AVIC Chengdu Aircraft" (code points would put every capital V before any small n)."""
    names = {r["name_en"] for r in data_rows("enterprises.csv")}
    assert len({n.lower() for n in names}) == len(names), "no two names differ only in case"
    data = gql_data(client, "{ enterprises(orderBy: [{field: NAME}], first: 100) { nodes { name } } }")
    listed = [n["name"] for n in data["enterprises"]["nodes"]]
    assert listed == sorted(names, key=str.lower)
    assert listed.index("Anjina Sports") < listed.index("AVIC Chengdu Aircraft")


def test_chinese_name_order_is_pinyin_order(client: Any, dataset_graph: Driver) -> None:
    """Cities by NAME_ZH follow the pinyin readings of their Chinese names in data/cities.csv (成都市 cheng2 before
    达州市 da2, which code points put first), both directions."""
    from pypinyin import Style, lazy_pinyin

    cities = {
        r["name_zh"]: lazy_pinyin(r["name_zh"], style=Style.TONE3, neutral_tone_with_five=True)
        for r in data_rows("cities.csv")
    }
    ascending = sorted(cities, key=lambda zh: cities[zh])
    assert ascending != sorted(cities), "the dataset shows the difference from code-point order"
    query = "query($d: SortDirection!) { cities(orderBy: [{field: NAME_ZH, direction: $d}], first: 100) { nodes { nameZh } } }"
    for direction, expected in (("ASC", ascending), ("DESC", ascending[::-1])):
        listed = [n["nameZh"] for n in gql_data(client, query, {"d": direction})["cities"]["nodes"]]
        assert listed == expected, direction
    assert ascending.index("成都市") < ascending.index("达州市")


def test_sort_key_given_twice_is_bad_user_input(client: Any, dataset_graph: Driver) -> None:
    """The same sort key twice in orderBy is refused with BAD_USER_INPUT, naming orderBy and the key."""
    body = gql(
        client, "{ clusters(orderBy: [{field: NAME}, {field: NAME, direction: DESC}]) { totalCount } }"
    )
    assert [e.get("extensions", {}).get("code") for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "orderBy" in body["errors"][0]["message"]
    assert "NAME" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("{ clusters(orderBy: [{field: POPULARITY}]) { totalCount } }", id="unknown-key"),
        pytest.param(
            "{ cities(orderBy: [{field: OUTPUT_VALUE_CNY}]) { totalCount } }", id="key-of-another-type"
        ),
        pytest.param(
            "{ clusters(orderBy: [{field: NAME, direction: UP}]) { totalCount } }", id="unknown-direction"
        ),
    ],
)
def test_unknown_sort_key_or_direction_is_a_validation_error(
    client: Any, dataset_graph: Driver, query: str
) -> None:
    """A sort key or direction the enum does not have is refused by GraphQL validation."""
    body = gql(client, query)
    assert body.get("data") is None
    assert body["errors"]
    assert all(e.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR" for e in body["errors"])
