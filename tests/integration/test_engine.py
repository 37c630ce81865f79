"""The read engine: every query, whatever it selects, is answered with one Cypher statement, and refused arguments
or missing values give the errors GraphQL specifies, on the field, with the rest of the answer kept.

The answers of the corpus below are checked against Cypher by the API tests (`test_api_*`); here every query of the
corpus and every query about the engine's edges (interfaces, paths, statistics and search hits with related data,
refused arguments) must cost at most one round trip, and the latter give what Cypher computes or the spec says.
"""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from clustergraph.graphql.engine import ROOT_LISTS
from clustergraph.settings import Settings
from conftest import STATEMENTS, gql, gql_sent, run_cypher

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]

BENCH_CLUSTER = """
query ($cluster: ID!) {
  cluster(id: $cluster) {
    id key name nameZh nameStatus alternateNamesZh leadingSector leadingSectorZh outputValueCny enterpriseCount sources
    county { key name nameZh city { key } }
    city { key name nameZh latitude longitude province { name adminCode } }
    industry { key name nameZh }
    industryInferred
    recognitions { nodes { key level year notes batch { key name year published officialCount } } }
  }
}
"""

CITY_CLUSTERS_ENTERPRISES = """
query ($city: ID!) {
  city(id: $city) {
    key
    name
    clusters(first: 10) {
      nodes { key name enterprises(first: 10) { edges { role roleZh sources node { key name nameZh } } } }
    }
  }
}
"""

CLUSTERS_PAGE = """
query ($industry: String!, $year: Int!) {
  clusters(
    where: { industry: { key: { eq: $industry } }, recognitions: { some: { year: { eq: $year } } } }
    orderBy: [{ field: NAME }]
    first: 50
  ) {
    totalCount
    nodes { key name nameZh leadingSector outputValueCny enterpriseCount }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

ALIASES_FRAGMENTS_DIRECTIVES = """
query ($withCounty: Boolean!, $skipName: Boolean!) {
  __typename
  a: clusters(first: 3, orderBy: [{ field: OUTPUT_VALUE_CNY, direction: DESC }]) {
    __typename
    edges { __typename cursor node { ...C } }
    pageInfo { __typename hasNextPage endCursor }
  }
  b: clusters(first: 2, where: { OR: [{ nameStatus: { eq: UNVERIFIED } }, { name: { contains: "pump" } }] }) {
    nodes { ... on Cluster { key county @include(if: $withCounty) { name } } name @skip(if: $skipName) }
    totalCount
  }
  industries { nodes { key x: clusters(first: 1) { totalCount nodes { key } } y: clusters(last: 1) { nodes { key } } } }
}
fragment C on Cluster { __typename id key county { __typename key } n: name }
"""

AGGREGATES = """
{
  clusters(where: { outputValueCny: { isNull: false } }) {
    aggregate { __typename count outputValueCny { count sum min max avg } enterpriseCount { count sum avg } }
    totalCount
  }
  batches { aggregate { count officialCount { sum max } officialCountSichuan { count sum min } } }
  recognitions(where: { year: { isNull: true } }) { totalCount aggregate { year { count sum min max avg } } }
}
"""

YEARS_AND_BATCHES = """
{
  recognitionYears {
    nodes {
      key year
      all: clusters { totalCount }
      provincialNew: clusters(level: PROVINCIAL, recognized: NEW) { totalCount nodes { key } }
      older: clusters(recognized: EARLIER) { nodes { key } }
      batches { nodes { key published notes recognitionYear { year } recognitions { totalCount } } }
    }
  }
  recognitionYear(year: 2024) { key year recognitions(first: 3) { nodes { key level cluster { key } } } }
  batch(id: "national-2024") { key officialCountSichuan clusters { totalCount } }
}
"""

ENTERPRISE_MEMBERSHIPS = """
query ($enterprise: ID!) {
  enterprise(id: $enterprise) {
    key name nameZh sources
    clusters { edges { cursor role roleZh node { key name industry { name } } } totalCount aggregate { count } }
  }
  enterprises(first: 5, orderBy: [{ field: CLUSTER_COUNT, direction: DESC }, { field: NAME_ZH }]) {
    nodes { key clusters(first: 2) { nodes { key } } }
    pageInfo { hasNextPage }
  }
}
"""

RELATED = """
query ($cluster: ID!) {
  cluster(id: $cluster) {
    key
    relatedClusters(first: 5) { __typename score reasons sharedEnterpriseCount cluster { key name city { name } } }
    few: relatedClusters(first: 1) { score }
  }
}
"""

PLACES = """
{
  provinces { nodes { key name adminCode cities(first: 3, orderBy: [{ field: CLUSTER_COUNT, direction: DESC }]) {
    totalCount nodes { key kind kindZh latitude counties { nodes { key clusters { totalCount } } } }
  } } }
  counties(first: 5, where: { city: { name: { eq: "chengdu" } } }) { nodes { key name city { key } } }
  missing: cluster(id: "no-such-cluster") { key }
  missingCity: city(id: "Q2l0eTpub3BlCg") { key }
}
"""

STATS = """
{
  stats {
    __typename
    labelCounts { label count }
    relationshipTypeCounts { type count }
    clustersByIndustry { count industry { key name nameZh sources } }
    byCity: clustersByCity { city { __typename id key name latitude longitude kindZh } count }
    clustersByLevel { level count }
    undatedRecognitions { count level }
    timeline { year level clusterCount newClusterCount }
    outputValueCny { count sum min max avg }
    coverage { batch { key year level } officialCountSichuan namedCount missingCount ratio }
    justCounts: coverage { namedCount missingCount ratio }
  }
}
"""

SEARCH = """
query ($text: String!) {
  search(text: $text, first: 20) {
    score
    __typename
    node {
      __typename
      ... on Cluster { key name nameZh nameStatus }
      ... on Enterprise { key name sources }
      ... on City { id name latitude }
      ... on County { key }
      ... on Node { id }
    }
  }
  again: search(text: "Chengdu", first: 3) { node { ... on City { key } } }
}
"""

CORPUS = {
    "stats": STATS,
    "stats_and_lists": "{ stats { labelCounts { label count } } clusters(first: 2) { nodes { key } } }",
    "search": SEARCH,
    "cluster_by_key": BENCH_CLUSTER,
    "city_clusters_enterprises": CITY_CLUSTERS_ENTERPRISES,
    "clusters_page": CLUSTERS_PAGE,
    "aliases_fragments_directives": ALIASES_FRAGMENTS_DIRECTIVES,
    "aggregates": AGGREGATES,
    "years_and_batches": YEARS_AND_BATCHES,
    "enterprise_memberships": ENTERPRISE_MEMBERSHIPS,
    "related": RELATED,
    "places": PLACES,
    # The computed fields and the relationships a new user looks for, under a typed fetcher and in lists.
    "computed_and_related": """query ($cluster: ID!) {
      province(id: "510000") { key cities(first: 3) { nodes { key } } }
      cluster(id: $cluster) { key memberCount recognitionCount firstRecognized latitude longitude
        province { key } batches { totalCount nodes { key } } }
      industries(orderBy: [{ field: CITY_COUNT, direction: DESC }]) { nodes { key cityCount clusterCount
        cities(first: 5) { totalCount nodes { key } } } }
      recognitions(first: 5) { nodes { key recognitionYear { year clusterCount } } }
      counties(first: 3, orderBy: [{ field: CLUSTER_COUNT, direction: DESC }]) { nodes { key clusterCount } }
    }""",
}


@pytest.fixture
def variables(dataset_graph: Driver, settings: Settings) -> dict[str, Any]:
    """Keys of real nodes, picked by Cypher: the cluster and city with the most members, an enterprise in two
    clusters if there is one, and an industry with a cluster recognised in 2024."""
    row = run_cypher(
        dataset_graph,
        settings,
        """
        CALL () { MATCH (c:Cluster) RETURN c.id AS cluster ORDER BY COUNT { (c)<-[:MEMBER_OF]-() } DESC, c.id LIMIT 1 }
        CALL () { MATCH (c:City) RETURN c.id AS city
                  ORDER BY COUNT { (c)<-[:IN_CITY]-()<-[:LOCATED_IN]-() } DESC, c.id LIMIT 1 }
        CALL () { MATCH (e:Enterprise) RETURN e.id AS enterprise ORDER BY COUNT { (e)-[:MEMBER_OF]->() } DESC, e.id LIMIT 1 }
        CALL () { MATCH (i:Industry)<-[:IN_INDUSTRY]-(:Cluster)-[:RECOGNIZED]->(r:Recognition {year: 2024})
                  RETURN i.id AS industry ORDER BY i.id LIMIT 1 }
        RETURN cluster, city, enterprise, industry
        """,
    )[0]
    return {**row, "year": 2024, "withCounty": True, "skipName": True, "text": "成都 cluster"}


def _run(client: Any, query: str, variables: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """(the statements sent to Neo4j while answering, the response body)."""
    return gql_sent(client, query, variables)


@pytest.mark.parametrize("name", list(CORPUS))
def test_every_corpus_query_is_one_statement(client: Any, variables: dict[str, Any], name: str) -> None:
    query = CORPUS[name]
    used = {k: v for k, v in variables.items() if f"${k}" in query}
    statements, body = _run(client, query, used)
    assert "errors" not in body, body["errors"]
    assert len(statements) == 1, statements


def _error(body: dict[str, Any]) -> dict[str, Any]:
    (error,) = body["errors"]
    return error


#: Refused arguments: (query, the error's path, the message's start, the data that is kept).
REFUSED = {
    "page_too_large": (
        "{ clusters(first: 1000) { nodes { key } } }",
        ["clusters"],
        "first: 1000 is more than the maximum page size",
        {"clusters": None},
    ),
    "bad_cursor": (
        '{ clusters(after: "not-a-cursor") { nodes { key } } }',
        ["clusters"],
        "after: 'not-a-cursor' is not a cursor returned by this API",
        {"clusters": None},
    ),
    "id_of_another_type": (
        '{ cluster(id: "Q2l0eTo1MTAxMDA=") { key } }',
        ["cluster"],
        "id: 'Q2l0eTo1MTAxMDA=' is the ID of a City, not of a Cluster",
        {"cluster": None},
    ),
    "first_and_last": (
        "{ cities(first: 1, last: 1) { nodes { key } } }",
        ["cities"],
        "first and last cannot be used together",
        {"cities": None},
    ),
    "filter_too_deep": (
        "{ clusters(where: %s) { totalCount } }" % ("{ NOT: " * 10 + '{ name: { eq: "x" } }' + " }" * 10),
        ["clusters"],
        "where.NOT.NOT.NOT.NOT.NOT.NOT.NOT.NOT.NOT: filters nest deeper than 8 levels",
        {"clusters": None},
    ),
    "search_without_text": (
        '{ search(text: "  ") { score } }',
        ["search"],
        "text: give at least one word or character to search for",
        {"search": None},
    ),
    "related_too_many": (
        '{ cluster(id: "yantan-pump-valve") { key relatedClusters(first: 1000) { score } } }',
        ["cluster", "relatedClusters"],
        "first: 1000 is not between 0 and 100",
        {"cluster": None},
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_arguments_are_errors_on_their_field(client: Any, name: str) -> None:
    query, path, message, data = REFUSED[name]
    statements, body = _run(client, query, {})
    error = _error(body)
    assert error["message"].startswith(message), error
    assert error["path"] == path
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["data"] == data
    assert len(statements) <= 1


def test_a_refused_nested_argument_is_an_error_at_every_place_it_occurs(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """A nested list asked with a page too large fails under each parent; the null goes up to the nearest
    nullable field (each industry of `nodes` is non-null, so the root list, which is nullable), and a sibling root
    field that is fine keeps its answer."""
    query = """{
      ok: clusters(first: 2, orderBy: [{ field: KEY }]) { nodes { key } }
      bad: industries(first: 2) { nodes { key clusters(first: 5000) { totalCount } } }
    }"""
    statements, body = _run(client, query, {})
    keys = run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key ORDER BY key LIMIT 2")
    # `bad` is nullable at the root: it alone is null, and `ok` keeps its answer, as the spec says
    assert body["data"] == {"ok": {"nodes": [{"key": r["key"]} for r in keys]}, "bad": None}
    assert len(statements) == 1
    assert {e["path"][0] for e in body["errors"]} == {"bad"}
    assert body["errors"][0]["path"] == ["bad", "nodes", 0, "clusters"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    ok_only = gql(client, "{ ok: clusters(first: 2, orderBy: [{ field: KEY }]) { nodes { key } } }")
    assert ok_only["data"]["ok"]["nodes"] == [{"key": r["key"]} for r in keys]


def test_one_bad_panel_of_six_leaves_the_other_five_answered(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """A dashboard of six aliased root lists, one with a page over the limit: that one is null with its error
    (path, code), the five others are answered with what Cypher counts."""
    query = """{
      clusters { totalCount }
      cities { totalCount }
      industries { totalCount }
      enterprises { totalCount }
      bad: batches(first: 5000) { totalCount }
      years: recognitionYears { totalCount }
    }"""
    statements, body = _run(client, query, {})
    labels = {"clusters": "Cluster", "cities": "City", "industries": "Industry", "enterprises": "Enterprise",
              "years": "RecognitionYear"}  # fmt: skip
    expected: dict[str, Any] = {}
    for key, label in labels.items():
        (row,) = run_cypher(dataset_graph, settings, f"MATCH (n:{label}) RETURN count(n) AS n")
        expected[key] = {"totalCount": row["n"]}
    expected["bad"] = None
    assert body["data"] == {k: expected[k] for k in ("clusters", "cities", "industries", "enterprises", "bad",
                                                    "years")}  # fmt: skip
    error = _error(body)
    assert error["path"] == ["bad"]
    assert error["message"].startswith("first: 5000 is more than the maximum page size")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(statements) == 1


def test_one_refused_root_field_keeps_the_nullable_others(client: Any) -> None:
    body = gql(
        client, '{ a: cluster(id: "yantan-pump-valve") { key } b: cluster(id: "Q2l0eTo1MTAxMDA=") { key } }'
    )
    assert body["data"] == {"a": {"key": "yantan-pump-valve"}, "b": None}
    assert _error(body)["path"] == ["b"]


def test_node_interface_with_related_data(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    query = '{ node(id: "Q2l0eTo1MTAxMDA=") { id ... on City { name clusters { totalCount } } } }'
    statements, body = _run(client, query, {})
    expected = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:City {id: '510100'}) RETURN c.name AS name, "
        "COUNT { MATCH (c)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(k:Cluster) RETURN DISTINCT k } AS n",
    )[0]
    assert body == {
        "data": {
            "node": {
                "id": "Q2l0eTo1MTAxMDA=",
                "name": expected["name"],
                "clusters": {"totalCount": expected["n"]},
            }
        }
    }
    assert len(statements) == 1


def test_city_industries(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    statements, body = _run(
        client, '{ city(id: "510100") { name industries { clusterCount industry { key } } } }', {}
    )
    rows = run_cypher(
        dataset_graph,
        settings,
        """MATCH (:City {id: '510100'})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster)-[:IN_INDUSTRY]->(i:Industry)
           RETURN i.id AS key, i.name AS name, count(DISTINCT c) AS n ORDER BY n DESC, name""",
    )
    assert body["data"]["city"]["industries"] == [
        {"clusterCount": r["n"], "industry": {"key": r["key"]}} for r in rows
    ]
    assert len(statements) == 1


def test_stats_rows_with_related_data(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    query = "{ stats { clustersByCity { count city { key clusters { totalCount } } } } }"
    statements, body = _run(client, query, {})
    rows = body["data"]["stats"]["clustersByCity"]
    expected = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:City) RETURN c.id AS key, "
        "COUNT { MATCH (c)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(k:Cluster) RETURN DISTINCT k } AS n",
    )
    assert {r["city"]["key"]: r["city"]["clusters"]["totalCount"] for r in rows} == {
        e["key"]: e["n"] for e in expected
    }
    assert all(r["count"] == r["city"]["clusters"]["totalCount"] for r in rows)
    assert len(statements) == 1


def test_search_hits_with_related_data(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    query = '{ search(text: "Chengdu") { node { __typename ... on City { key counties { totalCount } } } } }'
    statements, body = _run(client, query, {})
    cities = [h["node"] for h in body["data"]["search"] if h["node"]["__typename"] == "City"]
    assert cities, body
    for city in cities:
        (row,) = run_cypher(
            dataset_graph,
            settings,
            "MATCH (c:City {id: $key}) RETURN COUNT { (c)<-[:IN_CITY]-(:County) } AS n",
            key=city["key"],
        )
        assert city["counties"]["totalCount"] == row["n"]
    assert len(statements) == 1


def test_a_path_and_a_list_in_one_statement(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    query = (
        '{ path(from: "Q2l0eTo1MTAxMDA=", to: "Q2l0eTo1MTAxMDA=") { length nodes { id } } '
        "clusters(first: 2, orderBy: [{ field: KEY }]) { nodes { key } } }"
    )
    statements, body = _run(client, query, {})
    keys = run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key ORDER BY key LIMIT 2")
    assert body["data"] == {
        "path": {"length": 0, "nodes": [{"id": "Q2l0eTo1MTAxMDA="}]},
        "clusters": {"nodes": [{"key": r["key"]} for r in keys]},
    }
    assert len(statements) == 1


def test_every_field_of_the_schema_is_planned(client: Any) -> None:
    """A query selecting every field of every node type (one level deep, each relationship's key) is planned and
    answered without error: no field of the schema is unknown to the engine."""
    from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type

    schema = _schema(client)._schema
    node_types = [
        t
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and "Node" in [i.name for i in t.interfaces]
    ]

    def leaves(t: GraphQLObjectType, depth: int) -> str:
        parts = []
        for name, f in t.fields.items():
            named = get_named_type(f.type)
            required = [a for a, arg in f.args.items() if isinstance(arg.type, GraphQLNonNull)]
            if required:
                continue
            if isinstance(named, GraphQLObjectType):
                if depth == 0:
                    continue
                parts.append(f"{name} {{ {leaves(named, depth - 1)} }}")
            elif hasattr(named, "types"):  # a union
                continue
            else:
                parts.append(name)
        return " ".join(parts) or "__typename"

    lists = {target: field for field, target in ROOT_LISTS.items()}
    for node_type in node_types:
        query = f"{{ {lists[node_type.name]}(first: 2) {{ nodes {{ {leaves(node_type, 2)} }} }} }}"
        statements, body = _run(client, query, {})
        assert "errors" not in body, (node_type.name, body.get("errors"))
        assert len(statements) == 1


def _schema(client: Any) -> Any:
    """The app's GraphQL schema (Strawberry's view at /graphql holds it)."""
    (route,) = [
        r for r in client.app.routes if getattr(r, "path", None) == "/graphql" and getattr(r, "methods", None)
    ]
    return route.endpoint.schema


_CLIENT: list[Any] = []


def _cached_plans(query: str) -> dict[bytes, Any]:
    """The cached plans of `query` (an unnamed operation), by the variables that key them."""
    cache = _schema(_CLIENT[0]).plans
    assert cache is not None
    return {key[3]: plan for key, plan in cache.plans.items() if key[0] == query and key[1] is None}


def test_the_plan_cache_keeps_plans_not_answers(
    client: Any, fresh_dataset_graph: Driver, settings: Settings
) -> None:
    """The same document with the same variables reuses its plan, and still reads the graph each time: a change
    made in Cypher between two requests shows in the second answer. A variable that steers the statement (here a
    filter's operand) gets a plan per value (tests/integration/test_plan_templates.py covers those that do not)."""
    _CLIENT[:] = [client]
    query = "query ($id: String!) { clusters(where: { key: { eq: $id } }) { nodes { key name county { name } } } }"
    key = run_cypher(
        fresh_dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key ORDER BY key LIMIT 1"
    )[0]["key"]
    first_statements, first = _run(client, query, {"id": key})
    plans = _cached_plans(query)
    assert len(plans) == 1
    run_cypher(fresh_dataset_graph, settings, "MATCH (c:Cluster {id: $key}) SET c.name = 'Renamed'", key=key)
    second_statements, second = _run(client, query, {"id": key})
    assert _cached_plans(query) == plans
    assert all(_cached_plans(query)[k] is plan for k, plan in plans.items())
    assert first_statements == second_statements
    assert len(second_statements) == 1
    (renamed,) = second["data"]["clusters"]["nodes"]
    (before,) = first["data"]["clusters"]["nodes"]
    assert renamed["name"] == "Renamed"
    assert {k: v for k, v in renamed.items() if k != "name"} == {
        k: v for k, v in before.items() if k != "name"
    }
    _, other = _run(client, query, {"id": "no-such-cluster"})
    assert other == {"data": {"clusters": {"nodes": []}}}
    assert len(_cached_plans(query)) == 2


def _operators(plan: Any) -> list[str]:
    return [plan.get("operatorType", "").split("@")[0]] + [
        op for child in plan.get("children", []) for op in _operators(child)
    ]


PAGES_WITHOUT_SCANS = {
    # The first page and a later one, sorted by name: the name index serves the order from the cursor.
    "first_page_by_name": (
        "{ clusters(first: 5, orderBy: [{ field: NAME }]) { nodes { key } } }",
        "NodeIndexScan",
    ),
    "page_after_a_cursor": (
        "query ($after: String) { clusters(first: 5, after: $after, orderBy: [{ field: NAME }]) { nodes { key } } }",
        "NodeIndexSeekByRange",
    ),
    "descending_before_a_cursor": (
        "query ($before: String) { clusters(last: 5, before: $before, orderBy: [{ field: NAME }]) { nodes { key } } }",
        "NodeIndexSeekByRange",
    ),
    # Counts per label and per relationship type come from Neo4j's count store, also inside the one statement.
    "label_and_relationship_counts": (
        "{ stats { labelCounts { label count } relationshipTypeCounts { type count } } }",
        "NodeCountFromCountStore",
    ),
    # A filter on a to-one relationship's key starts from that node, found by its key.
    "filtered_by_industry": (
        "query ($industry: String!) { clusters(where: { industry: { key: { eq: $industry } } }) "
        "{ totalCount nodes { key } } }",
        "NodeUniqueIndexSeek",
    ),
}


@pytest.mark.parametrize("name", list(PAGES_WITHOUT_SCANS))
def test_root_pages_are_index_backed(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    variables: dict[str, Any],
    name: str,
) -> None:
    """The plan Neo4j makes for the compiled statement of a root page reads an index (or the count store), never
    every node of the label (EXPLAIN of the very statement and parameters the service sent)."""
    query, expected_operator = PAGES_WITHOUT_SCANS[name]
    page = gql(client, "{ clusters(first: 3, orderBy: [{ field: NAME }]) { pageInfo { endCursor } } }")
    cursor = page["data"]["clusters"]["pageInfo"]["endCursor"]
    response = client.post(
        "/graphql",
        json={
            "query": query,
            "variables": {"after": cursor, "before": cursor, "industry": variables["industry"]},
        },
    )
    assert "errors" not in response.json(), response.json()["errors"]
    ((statement, params),) = STATEMENTS.sent(response)
    _, summary, _ = dataset_graph.execute_query(
        "EXPLAIN " + statement, params, database_=settings.neo4j_database
    )  # type: ignore[arg-type]
    operators = _operators(summary.plan)
    assert expected_operator in operators, operators
    scans = {
        "NodeByLabelScan",
        "AllNodesScan",
        "DirectedRelationshipTypeScan",
        "DirectedAllRelationshipsScan",
    }
    assert not scans & set(operators), operators


def test_a_missing_value_of_a_non_null_field_is_an_error_there(
    client: Any, fresh_dataset_graph: Driver, settings: Settings
) -> None:
    """A cluster without the name the schema promises: the error names the field and its path, the null goes to the
    nearest nullable field (the root `cluster`; in a list of non-null clusters, the nullable root list), and
    sibling fields keep their answers."""
    (row,) = run_cypher(
        fresh_dataset_graph,
        settings,
        "MATCH (c:Cluster) WITH c ORDER BY c.id LIMIT 1 REMOVE c.name RETURN c.id AS key",
    )
    key = row["key"]
    (count,) = run_cypher(fresh_dataset_graph, settings, "MATCH (c:Cluster) RETURN count(c) AS n")
    body = gql(client, "query ($k: ID!) { cluster(id: $k) { key name } clusters { totalCount } }", {"k": key})
    assert body["data"] == {"cluster": None, "clusters": {"totalCount": count["n"]}}
    error = _error(body)
    assert error["message"] == "Cannot return null for non-nullable field Cluster.name."
    assert error["path"] == ["cluster", "name"]
    listed = gql(
        client,
        "query ($k: String!) { clusters(where: { key: { eq: $k } }, orderBy: [{ field: KEY }]) { nodes { key name } } }",
        {"k": key},
    )
    assert listed["data"] == {"clusters": None}
    assert _error(listed)["path"] == ["clusters", "nodes", 0, "name"]
