"""Plan templates: a document's plan serves every value of a variable that only goes into a parameter (a node's
key, a search text, a cursor), and only those; every answer is checked against Cypher run here.

The plan cache is read through the schema (`PlanCache`): how many plans a document has, and which variables its
plans are templates for.
"""

from __future__ import annotations

import base64
import random
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from clustergraph.app import create_app
from clustergraph.settings import Settings
from conftest import gql, run_cypher

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]


def _cache(client: Any) -> Any:
    (route,) = [
        r for r in client.app.routes if getattr(r, "path", None) == "/graphql" and getattr(r, "methods", None)
    ]
    cache = route.endpoint.schema.plans
    assert cache is not None
    return cache


def _plans(client: Any, query: str) -> list[tuple[frozenset[str], Any]]:
    """The cached plans of `query` (an unnamed operation): (the variables each is a template for, the plan)."""
    return [
        (key[2], plan) for key, plan in _cache(client).plans.items() if key[0] == query and key[1] is None
    ]


def _global_id(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


CLUSTER = "query ($id: ID!) { cluster(id: $id) { key name county { name } } }"


def test_one_plan_serves_every_cluster_key(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster) OPTIONAL MATCH (c)-[:LOCATED_IN]->(k:County) "
        "RETURN c.id AS key, c.name AS name, k.name AS county ORDER BY key",
    )
    assert len(rows) > 3
    for row in rows:
        county = None if row["county"] is None else {"name": row["county"]}
        expected = {"key": row["key"], "name": row["name"], "county": county}
        assert gql(client, CLUSTER, {"id": row["key"]}) == {"data": {"cluster": expected}}
    # A global ID of the same type is the same plan too, and a key nobody has is null.
    first = rows[0]
    assert (
        gql(client, CLUSTER, {"id": _global_id("Cluster", first["key"])})["data"]["cluster"]["key"]
        == first["key"]
    )
    assert gql(client, CLUSTER, {"id": "no-such-cluster"}) == {"data": {"cluster": None}}
    plans = _plans(client, CLUSTER)
    assert [templated for templated, _ in plans] == [frozenset({"id"})]


def test_a_value_the_template_refuses_gets_the_planners_error(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """After the plan is a template, a city's ID for `cluster` is still refused, with the same error as before."""
    (city,) = run_cypher(dataset_graph, settings, "MATCH (c:City) RETURN c.id AS key ORDER BY key LIMIT 1")
    (cluster,) = run_cypher(
        dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key ORDER BY key LIMIT 1"
    )
    city_id = _global_id("City", city["key"])
    cold = gql(client, CLUSTER, {"id": city_id})
    assert gql(client, CLUSTER, {"id": cluster["key"]})["data"]["cluster"]["key"] == cluster["key"]
    warm = gql(client, CLUSTER, {"id": city_id})
    assert warm == cold
    (error,) = warm["errors"]
    assert error["message"] == f"id: {city_id!r} is the ID of a City, not of a Cluster"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["path"] == ["cluster"]
    assert gql(client, CLUSTER, {"id": cluster["key"]})["data"]["cluster"]["key"] == cluster["key"]


NODE = "query ($id: ID!) { node(id: $id) { __typename id ... on Cluster { name } ... on City { name } } }"


def test_node_by_id_plans_again_for_another_type(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """`node(id:)` reads the label from the ID: one template per type, each right for its type."""
    clusters = run_cypher(
        dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key, c.name AS name LIMIT 3"
    )
    cities = run_cypher(dataset_graph, settings, "MATCH (c:City) RETURN c.id AS key, c.name AS name LIMIT 3")
    for type_name, row in [*(("Cluster", r) for r in clusters), *(("City", r) for r in cities)] * 2:
        gid = _global_id(type_name, row["key"])
        expected = {"__typename": type_name, "id": gid, "name": row["name"]}
        assert gql(client, NODE, {"id": gid}) == {"data": {"node": expected}}
    assert all(templated == frozenset({"id"}) for templated, _ in _plans(client, NODE))


SEARCH = "query ($text: String!) { search(text: $text, first: 5) { node { ... on Cluster { key } } } }"
SEARCH_EXPECTED = """
CALL db.index.fulltext.queryNodes('name_search', $text, {limit: 50}) YIELD node
WHERE node:Cluster RETURN node.id AS key
"""


def test_search_texts_share_a_plan_and_each_is_checked(client: Any) -> None:
    texts = ["cluster", "industrial", "park", "food"]
    answers = [gql(client, SEARCH, {"text": t}) for t in texts]
    assert all("errors" not in a for a in answers), answers
    # The texts found different things (so each answer is the request's own, not the first one planned).
    assert len({str(a["data"]) for a in answers}) > 1
    plans = _plans(client, SEARCH)
    assert [templated for templated, _ in plans] == [frozenset({"text"})]
    for blank, message in [
        (" ", "text: give at least one word or character to search for"),
        ("x" * 201, "text: 201 characters is more than the 200 a search takes"),
    ]:
        (error,) = gql(client, SEARCH, {"text": blank})["errors"]
        assert error["message"] == message
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert gql(client, SEARCH, {"text": texts[0]}) == answers[0]


def test_search_hits_are_those_of_the_index(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """Each text's hits through the shared plan are the index's own for that text (clusters among them)."""
    for text in ["cluster", "park"]:
        body = gql(client, SEARCH.replace("first: 5", "first: 50"), {"text": text})
        got = {h["node"]["key"] for h in body["data"]["search"] if h["node"]}
        expected = {r["key"] for r in run_cypher(dataset_graph, settings, SEARCH_EXPECTED, text=text)}
        assert got == expected


PAGES = """
query ($after: String) {
  clusters(first: 5, after: $after, orderBy: [{ field: NAME }]) {
    nodes { key }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


def _walk(client: Any) -> list[str]:
    walked: list[str] = []
    after = None
    for _ in range(100):  # the dataset's pages are far fewer: a cursor that does not advance fails, not hangs
        page = gql(client, PAGES, {"after": after})["data"]["clusters"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        walked += [n["key"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return walked
        after = page["pageInfo"]["endCursor"]
    raise AssertionError(f"no last page after 100 pages: {walked[:20]}")


def test_pages_walked_by_cursor_share_a_plan(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """Every page after the first is one template (the cursor's values bound per request), and each walk gives the
    order Cypher gives."""
    expected = [
        r["key"]
        for r in run_cypher(
            dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key ORDER BY c.name, c.id"
        )
    ]
    assert len(expected) > 10  # pages of 5: a first page and at least two after it
    assert _walk(client) == expected
    # The first page was planned before the document was known to be a template for `after`: its plan keys by
    # value; the pages after it share one plan.
    assert sorted(len(t) for t, _ in _plans(client, PAGES)) == [0, 1]
    assert _walk(client) == expected
    templates = [t for t, _ in _plans(client, PAGES) if t]
    assert templates == [frozenset({"after"})] * 2  # without a cursor, with one
    assert _walk(client) == expected
    assert len(_plans(client, PAGES)) == 3
    (error,) = gql(client, PAGES, {"after": "not-a-cursor"})["errors"]
    assert error["message"] == "after: 'not-a-cursor' is not a cursor returned by this API"


def test_a_variable_that_also_steers_the_statement_is_keyed_by_value(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """`$text` is a search text (a slot) and a filter operand (part of the statement's shape): plans per value."""
    query = (
        "query ($text: String!) { search(text: $text, first: 3) { score } "
        "clusters(where: { name: { contains: $text } }) { totalCount } }"
    )
    for text in ["Cluster", "Park", "Cluster"]:
        (count,) = run_cypher(
            dataset_graph, settings, "MATCH (c:Cluster) WHERE c.name CONTAINS $t RETURN count(c) AS n", t=text
        )
        assert gql(client, query, {"text": text})["data"]["clusters"]["totalCount"] == count["n"]
    plans = _plans(client, query)
    assert len(plans) == 2
    assert all(templated == frozenset() for templated, _ in plans)


def test_include_if_a_variable_is_keyed_by_value(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    query = "query ($id: ID!, $withName: Boolean!) { cluster(id: $id) { key name @include(if: $withName) } }"
    rows = run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key, c.name AS name LIMIT 3")
    for row in rows:
        for with_name in (True, False):
            expected = {"key": row["key"], **({"name": row["name"]} if with_name else {})}
            body = gql(client, query, {"id": row["key"], "withName": with_name})
            assert body == {"data": {"cluster": expected}}
    plans = _plans(client, query)
    assert len(plans) == 2  # one per value of withName; both templates for every id
    assert all(templated == frozenset({"id"}) for templated, _ in plans)


def test_the_cost_of_a_document_follows_its_page_size_variable(client: Any, settings: Settings) -> None:
    """The cost estimate is kept per document and per value of the variables it reads (page sizes), not of the
    others: a page size over the limit is refused each time it comes, between others that pass."""
    query = "query ($n: Int!, $text: String!) { search(text: $text, first: $n) { score } }"
    maximum = settings.max_query_cost
    small, large = 1, maximum + 1
    for n, text in [
        (small, "cluster"),
        (large, "park"),
        (small, "park"),
        (large, "cluster"),
        (small, "food"),
    ]:
        body = gql(client, query, {"n": n, "text": text})
        if n == small:
            assert "errors" not in body, body
        else:
            (error,) = body["errors"]
            assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
            assert error["extensions"]["cost"] > maximum


def test_templated_answers_equal_those_planned_afresh(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """A shuffled sequence of requests (good, malformed and wrong-typed IDs, cursors, search texts) answered
    through the plan cache equals the same sequence answered by an app that plans every request."""
    clusters = [r["key"] for r in run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key")]
    cities = [r["key"] for r in run_cypher(dataset_graph, settings, "MATCH (c:City) RETURN c.id AS key")]
    cursors = [None]
    for _ in range(100):
        page = gql(client, PAGES, {"after": cursors[-1]})["data"]["clusters"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursors.append(page["pageInfo"]["endCursor"])
    else:
        raise AssertionError("no last page after 100 pages")
    requests: list[tuple[str, dict[str, Any]]] = [
        *((CLUSTER, {"id": k}) for k in clusters),
        *((CLUSTER, {"id": _global_id("Cluster", k)}) for k in clusters[:5]),
        *((CLUSTER, {"id": _global_id("City", k)}) for k in cities[:3]),
        (CLUSTER, {"id": "no-such-cluster"}),
        *((NODE, {"id": _global_id("Cluster", k)}) for k in clusters[:5]),
        *((NODE, {"id": _global_id("City", k)}) for k in cities[:5]),
        (NODE, {"id": "bm90LWFuLWlk"}),
        *((PAGES, {"after": c}) for c in cursors),
        (PAGES, {"after": "not-a-cursor"}),
        (PAGES, {"after": cursors[-1][:-2] if cursors[-1] else "x"}),
        *(
            (SEARCH, {"text": t})
            for t in ["cluster", "park", "food", "电子", " ", "x" * 201, "a AND b", "(x"]
        ),
    ]
    random.Random(7).shuffle(requests)  # noqa: S311 -- a fixed order, not a secret
    uncached = settings.model_copy(update={"plan_cache_size": 0})
    with TestClient(create_app(uncached)) as fresh:
        for query, variables in requests * 2:
            assert gql(client, query, variables) == gql(fresh, query, variables), (query, variables)
