"""Every `orderBy` value of every connection, root and nested, in both directions, paged forward and backward.

Run twice: on the real dataset and on a synthetic graph (`clustergraph.synthetic`, tiny scale) where about half the
clusters have no output value or stated enterprise count, a tenth of the recognitions no year, and the counts tie
often. The order every walk must follow is an independent Cypher query: the sort value `s` of `test_api_sorting`'s
`SORT_VALUES`, ordered `s IS NULL, s <direction>, n.id` (nulls last in both directions, ties broken by key). A walk
follows `endCursor` with `first` from the start, and `startCursor` with `last` from the end; both must visit each
node exactly once, in that order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from test_api_pagination import flatten, walk_backward, walk_forward
from test_api_sorting import LISTS, SORT_VALUES

from clustergraph.loader import write_plan
from clustergraph.settings import Settings
from clustergraph.synthetic import SCALES, generate
from conftest import _restore_dataset, gql_data, pinyin_readings, reset_graph, run_cypher

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
]

#: Root list -> its GraphQL type name.
TYPE_OF = {field: label for field, (label, _) in LISTS.items()}

#: (parent type, connection field) -> (the Cypher pattern from parent `p` to node `n`, the root list of `n`'s type).
NESTED_CONNECTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("Province", "cities"): ("(p)<-[:IN_PROVINCE]-(n:City)", "cities"),
    ("City", "counties"): ("(p)<-[:IN_CITY]-(n:County)", "counties"),
    ("City", "clusters"): ("(p)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(n:Cluster)", "clusters"),
    ("County", "clusters"): ("(p)<-[:LOCATED_IN]-(n:Cluster)", "clusters"),
    ("Industry", "clusters"): ("(p)<-[:IN_INDUSTRY]-(n:Cluster)", "clusters"),
    ("Industry", "cities"): (
        "(p)<-[:IN_INDUSTRY]-(:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(n:City)",
        "cities",
    ),
    ("Cluster", "recognitions"): ("(p)-[:RECOGNIZED]->(n:Recognition)", "recognitions"),
    ("Cluster", "enterprises"): ("(p)<-[:MEMBER_OF]-(n:Enterprise)", "enterprises"),
    ("Cluster", "batches"): ("(p)-[:RECOGNIZED]->(:Recognition)-[:IN_BATCH]->(n:Batch)", "batches"),
    ("Enterprise", "clusters"): ("(p)-[:MEMBER_OF]->(n:Cluster)", "clusters"),
    ("Batch", "recognitions"): ("(p)<-[:IN_BATCH]-(n:Recognition)", "recognitions"),
    ("Batch", "clusters"): ("(p)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(n:Cluster)", "clusters"),
    ("Batch", "figures"): ("(p)-[:STATES]->(n:BatchFigure)", "batchFigures"),
    ("RecognitionYear", "batches"): ("(p)<-[:IN_YEAR]-(n:Batch)", "batches"),
    ("RecognitionYear", "recognitions"): ("(p)<-[:IN_YEAR]-(n:Recognition)", "recognitions"),
    ("RecognitionYear", "clusters"): (
        "(p)<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(n:Cluster)",
        "clusters",
    ),
}

ROOT_LIST_OF = {label: field for field, label in TYPE_OF.items()}

GRAPHS = ["dataset", "synthetic"]


@pytest.fixture(scope="module", params=GRAPHS)
def graph(request: pytest.FixtureRequest, driver: Driver, settings: Settings) -> Iterator[str]:
    """The graph the walks run on: the real dataset, or the synthetic one (the dataset is restored after it)."""
    if request.param == "synthetic":
        reset_graph(driver, settings)
        write_plan(driver, settings.neo4j_database, generate(SCALES["tiny"], seed=7))
        yield "synthetic"
        _restore_dataset(driver, settings)
    else:
        _restore_dataset(driver, settings)
        yield "dataset"


def expected_order(
    driver: Driver, settings: Settings, match: str, body: str, direction: str, **params: Any
) -> list[str]:
    """The keys of the nodes `n` that `match` finds, ordered by the sort value: nulls last, then by key."""
    query = (
        f"{match} WITH DISTINCT n CALL (n) {{ {body} }} "
        f"RETURN n.id AS key ORDER BY s IS NULL, s {direction}, n.id"
    )
    return [
        r["key"]
        for r in run_cypher(driver, settings, query, pinyin=pinyin_readings(driver, settings), **params)
    ]


def page_size(total: int) -> int:
    """Pages small enough for a walk to cross every block of ties and nulls: about five pages a walk."""
    return max(2, total // 5)


def check_walks(fetch: Any, expected: list[str]) -> None:
    size = page_size(len(expected))
    forward = flatten(walk_forward(fetch, size, len(expected) + 2))
    backward = flatten(walk_backward(fetch, size, len(expected) + 2))
    assert forward == expected
    assert backward == expected


ROOT_CASES = [
    pytest.param(list_field, key, direction, id=f"{list_field}-{key}-{direction}")
    for list_field, keys in SORT_VALUES.items()
    for key in keys
    for direction in ("ASC", "DESC")
]


@pytest.mark.parametrize(("list_field", "key", "direction"), ROOT_CASES)
def test_root_list_walks_in_cypher_order_with_nulls_last(
    graph: str, client: Any, driver: Driver, settings: Settings, list_field: str, key: str, direction: str
) -> None:
    """A root list sorted by one key pages forward and backward through every node once, nulls last either way."""
    label, enum = LISTS[list_field]
    expected = expected_order(driver, settings, f"MATCH (n:{label})", SORT_VALUES[list_field][key], direction)
    assert expected
    order_type = enum.replace("SortField", "Order")
    query = (
        f"query($first: Int, $after: String, $last: Int, $before: String, $o: [{order_type}!]) {{ "
        f"{list_field}(first: $first, after: $after, last: $last, before: $before, orderBy: $o) {{ "
        "edges { cursor node { key } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    )
    order_by = [{"field": key, "direction": direction}]

    def fetch(**variables: Any) -> dict[str, Any]:
        return gql_data(client, query, {**variables, "o": order_by})[list_field]  # type: ignore[no-any-return]

    check_walks(fetch, expected)


NESTED_CASES = [
    pytest.param(parent, field, key, direction, id=f"{parent}.{field}-{key}-{direction}")
    for (parent, field), (_, target) in NESTED_CONNECTIONS.items()
    for key in SORT_VALUES[target]
    for direction in ("ASC", "DESC")
]


@pytest.mark.parametrize(("parent", "field", "key", "direction"), NESTED_CASES)
def test_nested_list_walks_in_cypher_order_with_nulls_last(
    graph: str,
    client: Any,
    driver: Driver,
    settings: Settings,
    parent: str,
    field: str,
    key: str,
    direction: str,
) -> None:
    """A nested list of the parent with the most items, sorted by one key, pages forward and backward through each
    of its items once, nulls last either way."""
    pattern, target = NESTED_CONNECTIONS[(parent, field)]
    [row] = run_cypher(
        driver,
        settings,
        f"MATCH (p:{parent}) CALL (p) {{ OPTIONAL MATCH {pattern} RETURN count(DISTINCT n) AS items }} "
        "RETURN p.id AS parent ORDER BY items DESC, p.id LIMIT 1",
    )
    expected = expected_order(
        driver,
        settings,
        f"MATCH (p:{parent} {{id: $parent}}) MATCH {pattern}",
        SORT_VALUES[target][key],
        direction,
        parent=row["parent"],
    )
    assert expected
    root = ROOT_LIST_OF[parent]
    order_type = LISTS[target][1].replace("SortField", "Order")
    query = (
        f"query($p: String!, $first: Int, $after: String, $last: Int, $before: String, $o: [{order_type}!]) {{ "
        f"{root}(where: {{key: {{eq: $p}}}}, first: 1) {{ nodes {{ "
        f"{field}(first: $first, after: $after, last: $last, before: $before, orderBy: $o) {{ "
        "edges { cursor node { key } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } }"
    )
    order_by = [{"field": key, "direction": direction}]

    def fetch(**variables: Any) -> dict[str, Any]:
        data = gql_data(client, query, {**variables, "p": row["parent"], "o": order_by})
        return data[root]["nodes"][0][field]  # type: ignore[no-any-return]

    check_walks(fetch, expected)


def test_every_connection_of_the_schema_is_walked_here(graph: str, client: Any) -> None:
    """The nested connections walked above are exactly the schema's list fields with an `orderBy` argument."""
    data = gql_data(
        client,
        "{ __schema { types { name fields { name args { name } type { kind ofType { name } } } } } }",
    )
    found = {
        (t["name"], f["name"])
        for t in data["__schema"]["types"]
        if t["name"] not in ("Query", "Subscription") and not t["name"].startswith("__")
        for f in t["fields"] or []
        if any(a["name"] == "orderBy" for a in f["args"])
    }
    assert found == set(NESTED_CONNECTIONS)
