"""Compiled queries: a query of nodes, properties, relationships and lists is answered with one Cypher statement,
and the response is the one field-by-field execution gives.

Each query below runs twice on the real dataset: through the service as configured (compiled) and through a service
with `compiled_queries` off, where every level is its own batched statement and resolvers build the response. The
field-by-field answers are themselves checked against Cypher by the API tests; here both must agree exactly (the
same JSON, key order included), and the compiled run must cost exactly one round trip.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import gql, gql_sent, run_cypher

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
      provincialNew: clusters(level: PROVINCIAL, newOnly: true) { totalCount nodes { key } }
      older: clusters(newOnly: false) { nodes { key } }
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
    relationshipCounts { label count }
    clustersByIndustry { count industry { key name nameZh sources } }
    byCity: clustersByCity { city { __typename id key name latitude longitude kindZh } count }
    clustersByLevel { level count }
    undatedRecognitions { count level }
    timeline { year level clusterCount newClusterCount }
    outputValueCny { count sum min max avg }
    coverage { batch { key year level } officialCount namedCount missingCount ratio }
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


def _is_compiled(statement: str) -> bool:
    """A statement from `selection_statement`: it returns one column per root field, f0 first."""
    return " AS f0" in statement


@pytest.mark.parametrize("name", list(CORPUS))
def test_compiled_answer_equals_field_by_field(
    client: Any, by_field_client: Any, variables: dict[str, Any], name: str
) -> None:
    query = CORPUS[name]
    used = {k: v for k, v in variables.items() if f"${k}" in query}
    statements, compiled = _run(client, query, used)
    by_field_statements, by_field = _run(by_field_client, query, used)
    assert "errors" not in by_field, by_field["errors"]
    assert compiled == by_field
    assert orjson.dumps(compiled) == orjson.dumps(by_field)  # the same key order too, not just equal maps
    assert len(statements) == 1, statements
    assert _is_compiled(statements[0]), statements
    assert not any(_is_compiled(s) for s in by_field_statements)


#: Queries answered field by field even with compiled queries on: errors must be the same as without them.
FALLBACKS = {
    "page_too_large": "{ clusters(first: 100000) { nodes { key } } }",
    "bad_cursor": '{ clusters(after: "not-a-cursor") { nodes { key } } }',
    "cursor_of_another_order": """
        query ($after: String) { clusters(first: 1, after: $after, orderBy: [{ field: NAME_ZH }]) { nodes { key } } }
    """,
    "id_of_another_type": '{ cluster(id: "Q2l0eTo1MTAxMDA=") { key } }',
    "first_and_last": "{ cities(first: 1, last: 1) { nodes { key } } }",
    "filter_too_deep": "{ clusters(where: %s) { totalCount } }"
    % ("{ NOT: " * 10 + '{ name: { eq: "x" } }' + " }" * 10),
    "mixed_with_path": '{ path(from: "Q2l0eTo1MTAxMDA=", to: "Q2l0eTo1MTAxMDA=") { length } clusters(first: 2) { nodes { key } } }',
    "node_interface": '{ node(id: "Q2l0eTo1MTAxMDA=") { id ... on City { name clusters { totalCount } } } }',
    "city_industries": '{ city(id: "510100") { name industries { clusterCount industry { key } } } }',
    "stats_with_related_data": "{ stats { clustersByCity { count city { clusters { totalCount } } } } }",
    "search_with_related_data": '{ search(text: "Chengdu") { node { ... on City { counties { totalCount } } } } }',
    "search_without_text": '{ search(text: "  ") { score } }',
    "related_too_many": '{ cluster(id: "yantan-pump-valve") { relatedClusters(first: 1000) { score } } }',
}


def _without_request_ids(body: dict[str, Any]) -> dict[str, Any]:
    for error in body.get("errors", []):
        error.get("extensions", {}).pop("requestId", None)
    return body


@pytest.mark.parametrize("name", list(FALLBACKS))
def test_queries_the_plan_does_not_cover_answer_as_field_by_field(
    client: Any, by_field_client: Any, name: str
) -> None:
    query = FALLBACKS[name]
    variables: dict[str, Any] = {}
    if "$after" in query:
        first = gql(client, "{ clusters(first: 1) { pageInfo { endCursor } } }")
        variables = {"after": first["data"]["clusters"]["pageInfo"]["endCursor"]}
    statements, compiled = _run(client, query, variables)
    _, by_field = _run(by_field_client, query, variables)
    assert _without_request_ids(compiled) == _without_request_ids(by_field)
    assert not any(_is_compiled(s) for s in statements)


def _cached_plans(query: str) -> dict[bytes, Any]:
    """The cached plans of `query` (an unnamed operation), by the variables they were made for."""
    from clustergraph.graphql.compiled import _PLAN_CACHES

    return {
        key[2]: plan
        for cache in _PLAN_CACHES.values()
        for key, plan in cache.items()
        if key[0] == query and key[1] is None
    }


def test_the_plan_cache_keeps_plans_not_answers(
    client: Any, fresh_dataset_graph: Driver, settings: Settings
) -> None:
    """The same document with the same variables reuses its plan, and still reads the graph each time: a change
    made in Cypher between two requests shows in the second answer. Other variables get a plan of their own."""
    query = "query ($id: ID!) { cluster(id: $id) { key name county { name } } }"
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
    assert second["data"]["cluster"]["name"] == "Renamed"
    assert {k: v for k, v in second["data"]["cluster"].items() if k != "name"} == {
        k: v for k, v in first["data"]["cluster"].items() if k != "name"
    }
    _, other = _run(client, query, {"id": "no-such-cluster"})
    assert other == {"data": {"cluster": None}}
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
        "{ stats { labelCounts { label count } relationshipCounts { label count } } }",
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
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, Any],
    name: str,
) -> None:
    """The plan Neo4j makes for the compiled statement of a root page reads an index (or the count store), never
    every node of the label (EXPLAIN of the very statement and parameters the service sent)."""
    import clustergraph.repository

    query, expected_operator = PAGES_WITHOUT_SCANS[name]
    page = gql(client, "{ clusters(first: 3, orderBy: [{ field: NAME }]) { pageInfo { endCursor } } }")
    cursor = page["data"]["clusters"]["pageInfo"]["endCursor"]
    sent: list[tuple[str, dict[str, Any]]] = []
    original = clustergraph.repository.read_row

    async def capture(*args: Any) -> Any:  # (driver, database, statement, params, timeout)
        sent.append((args[2], args[3]))
        return await original(*args)

    monkeypatch.setattr(clustergraph.repository, "read_row", capture)
    body = gql(client, query, {"after": cursor, "before": cursor, "industry": variables["industry"]})
    assert "errors" not in body, body["errors"]
    ((statement, params),) = sent
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
