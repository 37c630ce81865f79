"""Node identity and navigation in the GraphQL API: Relay global IDs, node/nodes, the single-node root fields, and
every relationship of the model followed both ways — against the real dataset in the test Neo4j.

Expected answers come from independent Cypher queries (`run_cypher`) over the same graph.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import gql, gql_data, run_cypher

pytestmark = [
    pytest.mark.integration,
    # The `client` fixture imports starlette.testclient, which warns when httpx2 is missing; the suite turns
    # warnings into errors.
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]

#: GraphQL type (= Neo4j label) -> its root list field.
ROOT_LISTS = {
    "Province": "provinces",
    "City": "cities",
    "County": "counties",
    "Industry": "industries",
    "Cluster": "clusters",
    "Enterprise": "enterprises",
    "Recognition": "recognitions",
    "Batch": "batches",
    "RecognitionYear": "recognitionYears",
}


def gid(type_name: str, key: str) -> str:
    """A Relay global ID built by hand: base64 of "Type:key"."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def decode_gid(value: str) -> tuple[str, str]:
    type_name, sep, key = base64.b64decode(value, validate=True).decode().partition(":")
    assert sep, f"{value!r} is not base64 of 'Type:key'"
    return type_name, key


def error_codes(body: dict[str, Any]) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def keys_of(driver: Driver, settings: Settings, label: str) -> list[str]:
    rows = run_cypher(driver, settings, f"MATCH (n:{label}) RETURN n.id AS key ORDER BY key")
    return [r["key"] for r in rows]


# --- global IDs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", list(ROOT_LISTS))
def test_every_id_is_a_relay_global_id(
    client: Any, dataset_graph: Driver, settings: Settings, type_name: str
) -> None:
    """Each node type's `id` is base64 of "Type:key", and its `key` is the node's id in Neo4j."""
    expected = keys_of(dataset_graph, settings, type_name)
    assert expected
    assert len(expected) <= settings.max_page_size
    field = ROOT_LISTS[type_name]
    data = gql_data(
        client, f"{{ {field}(first: {settings.max_page_size}) {{ nodes {{ __typename id key }} }} }}"
    )
    nodes = data[field]["nodes"]
    assert sorted(n["key"] for n in nodes) == expected
    for n in nodes:
        assert n["__typename"] == type_name
        assert decode_gid(n["id"]) == (type_name, n["key"])


NODE_QUERY = (
    "query($id: ID!) { node(id: $id) { __typename id ... on Cluster { name } ... on City { name } } }"
)


@pytest.mark.parametrize("type_name", list(ROOT_LISTS))
def test_node_returns_the_typed_node(
    client: Any, dataset_graph: Driver, settings: Settings, type_name: str
) -> None:
    """node(id:) returns the node of that global ID, as its own type."""
    key = keys_of(dataset_graph, settings, type_name)[0]
    node = gql_data(client, NODE_QUERY, {"id": gid(type_name, key)})["node"]
    assert node["__typename"] == type_name
    assert decode_gid(node["id"]) == (type_name, key)


def test_node_returns_fields_of_the_type(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """node(id:) with an inline fragment reads the node's own fields."""
    row = run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key, c.name AS name LIMIT 1")[
        0
    ]
    node = gql_data(client, NODE_QUERY, {"id": gid("Cluster", row["key"])})["node"]
    assert node["name"] == row["name"]


def test_node_is_null_for_an_unknown_node(client: Any) -> None:
    """node(id:) with a well-formed ID of a node that is not in the graph is null, without error."""
    body = gql(client, NODE_QUERY, {"id": gid("Cluster", "no-such-cluster-in-the-graph")})
    assert body == {"data": {"node": None}}


@pytest.mark.parametrize("bad", ["not-a-global-id", gid("NoSuchType", "x")])
def test_node_refuses_a_malformed_id_as_bad_input(client: Any, bad: str) -> None:
    """node(id:) with something that is not a global ID of this API is a client error (BAD_USER_INPUT), not an
    internal server error."""
    body = gql(client, NODE_QUERY, {"id": bad})
    assert body["data"] == {"node": None}
    assert error_codes(body) == ["BAD_USER_INPUT"], body


def test_nodes_returns_each_id_in_order_with_null_for_unknown(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """nodes(ids:) returns one entry per ID, in the same order, typed; an unknown node is null in its place."""
    ids: list[tuple[str, str] | None] = []
    for type_name in ROOT_LISTS:
        keys = keys_of(dataset_graph, settings, type_name)
        ids.append((type_name, keys[-1]))
        if type_name == "City":
            ids.append(None)
    ids.append(ids[0])  # the same node twice
    unknown = gid("Enterprise", "no-such-enterprise-in-the-graph")
    variables = {"ids": [gid(*i) if i else unknown for i in ids]}
    nodes = gql_data(client, "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", variables)["nodes"]
    assert len(nodes) == len(ids)
    for wanted, node in zip(ids, nodes, strict=True):
        if wanted is None:
            assert node is None
        else:
            assert node == {"__typename": wanted[0], "id": gid(*wanted)}


# --- the single-node root fields -----------------------------------------------------------------------------


def test_cluster_accepts_a_global_id_or_a_plain_key(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """cluster(id:) finds the same cluster by its global ID and by its key."""
    row = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster) RETURN c.id AS key, c.name AS name ORDER BY key DESC LIMIT 1",
    )[0]
    query = "query($id: ID!) { cluster(id: $id) { id key name } }"
    by_gid = gql_data(client, query, {"id": gid("Cluster", row["key"])})["cluster"]
    by_key = gql_data(client, query, {"id": row["key"]})["cluster"]
    assert by_gid == by_key == {"id": gid("Cluster", row["key"]), "key": row["key"], "name": row["name"]}


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("city", "City"),
        ("county", "County"),
        ("industry", "Industry"),
        ("enterprise", "Enterprise"),
        ("batch", "Batch"),
    ],
)
def test_single_node_fields_accept_global_id_and_key(
    client: Any, dataset_graph: Driver, settings: Settings, field: str, label: str
) -> None:
    """city/county/industry/enterprise/batch(id:) find a node by global ID or key, and are null for an unknown key."""
    key = keys_of(dataset_graph, settings, label)[0]
    query = f"query($id: ID!) {{ {field}(id: $id) {{ __typename key }} }}"
    assert gql_data(client, query, {"id": gid(label, key)})[field] == {"__typename": label, "key": key}
    assert gql_data(client, query, {"id": key})[field] == {"__typename": label, "key": key}
    assert gql(client, query, {"id": "no-such-node-in-the-graph"}) == {"data": {field: None}}


def test_city_refuses_the_global_id_of_a_cluster(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """city(id:) given a cluster's global ID is a BAD_USER_INPUT error (not a lookup of that key as a city)."""
    key = keys_of(dataset_graph, settings, "Cluster")[0]
    body = gql(client, "query($id: ID!) { city(id: $id) { key } }", {"id": gid("Cluster", key)})
    assert body["data"] == {"city": None}
    assert error_codes(body) == ["BAD_USER_INPUT"], body


def test_recognition_year_by_year(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """recognitionYear(year:) returns each year of the graph, and null for a year that is not in it."""
    years = [
        r["year"]
        for r in run_cypher(dataset_graph, settings, "MATCH (y:RecognitionYear) RETURN y.year AS year")
    ]
    assert years
    for year in years:
        node = gql_data(client, f"{{ recognitionYear(year: {year}) {{ id key year }} }}")["recognitionYear"]
        assert node == {"id": gid("RecognitionYear", str(year)), "key": str(year), "year": year}
    absent = min(years) - 1
    assert gql(client, f"{{ recognitionYear(year: {absent}) {{ year }} }}") == {
        "data": {"recognitionYear": None}
    }


# --- navigation both ways ------------------------------------------------------------------------------------

#: (name, root list field, GraphQL selection of the related keys, Cypher pattern from (a) to (b)).
#: The selection must yield, per parent, its related keys; `one` marks a to-one field.
NAVIGATION = [
    ("Cluster.county", "clusters", "county { key }", "(a:Cluster)-[:LOCATED_IN]->(b:County)", True),
    ("County.clusters", "counties", "clusters(first: 100) { nodes { key } }",
     "(a:County)<-[:LOCATED_IN]-(b:Cluster)", False),
    ("County.city", "counties", "city { key }", "(a:County)-[:IN_CITY]->(b:City)", True),
    ("City.counties", "cities", "counties(first: 100) { nodes { key } }", "(a:City)<-[:IN_CITY]-(b:County)", False),
    ("Cluster.city", "clusters", "city { key }", "(a:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(b:City)", True),
    ("City.clusters", "cities", "clusters(first: 100) { nodes { key } }",
     "(a:City)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(b:Cluster)", False),
    ("Cluster.industry", "clusters", "industry { key }", "(a:Cluster)-[:IN_INDUSTRY]->(b:Industry)", True),
    ("Industry.clusters", "industries", "clusters(first: 100) { nodes { key } }",
     "(a:Industry)<-[:IN_INDUSTRY]-(b:Cluster)", False),
    ("Cluster.recognitions", "clusters", "recognitions(first: 100) { nodes { key } }",
     "(a:Cluster)-[:RECOGNIZED]->(b:Recognition)", False),
    ("Recognition.cluster", "recognitions", "cluster { key }", "(a:Recognition)<-[:RECOGNIZED]-(b:Cluster)", True),
    ("Recognition.batch", "recognitions", "batch { key }", "(a:Recognition)-[:IN_BATCH]->(b:Batch)", True),
    ("Batch.recognitions", "batches", "recognitions(first: 100) { nodes { key } }",
     "(a:Batch)<-[:IN_BATCH]-(b:Recognition)", False),
    ("Batch.clusters", "batches", "clusters(first: 100) { nodes { key } }",
     "(a:Batch)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(b:Cluster)", False),
    ("Batch.recognitionYear", "batches", "recognitionYear { key }", "(a:Batch)-[:IN_YEAR]->(b:RecognitionYear)", True),
    ("RecognitionYear.batches", "recognitionYears", "batches(first: 100) { nodes { key } }",
     "(a:RecognitionYear)<-[:IN_YEAR]-(b:Batch)", False),
    ("RecognitionYear.recognitions", "recognitionYears", "recognitions(first: 100) { nodes { key } }",
     "(a:RecognitionYear)<-[:IN_YEAR]-(b:Recognition)", False),
    ("City.province", "cities", "province { key }", "(a:City)-[:IN_PROVINCE]->(b:Province)", True),
    ("Province.cities", "provinces", "cities(first: 100) { nodes { key } }", "(a:Province)<-[:IN_PROVINCE]-(b:City)", False),
    ("Cluster.enterprises", "clusters", "enterprises(first: 100) { nodes { key } }",
     "(a:Cluster)<-[:MEMBER_OF]-(b:Enterprise)", False),
    ("Enterprise.clusters", "enterprises", "clusters(first: 100) { nodes { key } }",
     "(a:Enterprise)-[:MEMBER_OF]->(b:Cluster)", False),
]  # fmt: skip


def related_keys(value: Any, one: bool) -> list[str]:
    if one:
        return [value["key"]] if value is not None else []
    return sorted(n["key"] for n in value["nodes"])


@pytest.mark.parametrize(
    ("root", "selection", "pattern", "one"),
    [n[1:] for n in NAVIGATION],
    ids=[n[0] for n in NAVIGATION],
)
def test_relationship_is_navigable(
    client: Any, dataset_graph: Driver, settings: Settings, root: str, selection: str, pattern: str, one: bool
) -> None:
    """Each relationship field returns, for every parent node, exactly the nodes Cypher finds along the
    relationship (for a to-one field: the one node, or null where there is none)."""
    label = pattern.split(":", 1)[1].split(")", 1)[0]
    rows = run_cypher(
        dataset_graph,
        settings,
        f"MATCH (a:{label}) OPTIONAL MATCH {pattern.replace(f'(a:{label})', '(a)', 1)} "
        "RETURN a.id AS key, collect(DISTINCT b.id) AS related",
    )
    expected = {r["key"]: sorted(r["related"]) for r in rows}
    assert len(expected) <= settings.max_page_size
    assert any(expected.values()), f"no {pattern} in the graph: nothing is checked"
    field = selection.split("(")[0].split(" ")[0]
    data = gql_data(
        client, f"{{ {root}(first: {settings.max_page_size}) {{ nodes {{ key {selection} }} }} }}"
    )
    got = {n["key"]: related_keys(n[field], one) for n in data[root]["nodes"]}
    assert got == expected
    if one:
        assert all(len(v) <= 1 for v in expected.values())


def test_memberships_carry_the_role_both_ways(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """Cluster.enterprises and Enterprise.clusters expose the MEMBER_OF role (English and Chinese) and sources on
    their edges, the same from both ends."""
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (e:Enterprise)-[m:MEMBER_OF]->(c:Cluster) "
        "RETURN e.id AS enterprise, c.id AS cluster, m.role AS role, m.roleZh AS roleZh, m.sources AS sources",
    )
    assert any(r["role"] for r in rows)
    expected = {
        (r["enterprise"], r["cluster"]): (r["role"], r["roleZh"], sorted(r["sources"] or [])) for r in rows
    }
    # Pages just large enough for the whole graph, so that the query stays within the cost limit.
    sizes = run_cypher(
        dataset_graph,
        settings,
        "CALL () { MATCH (c:Cluster) RETURN count(c) AS clusters, max(COUNT { (c)<-[:MEMBER_OF]-() }) AS members } "
        "CALL () { MATCH (e:Enterprise) RETURN count(e) AS enterprises, max(COUNT { (e)-[:MEMBER_OF]->() }) AS "
        "memberships } RETURN clusters, members, enterprises, memberships",
    )[0]
    assert max(sizes.values()) <= settings.max_page_size
    edges = "edges { role roleZh sources node { key } }"
    data = {
        **gql_data(
            client,
            f"{{ clusters(first: {sizes['clusters']}) {{ nodes {{ key "
            f"enterprises(first: {sizes['members']}) {{ {edges} }} }} }} }}",
        ),
        **gql_data(
            client,
            f"{{ enterprises(first: {sizes['enterprises']}) {{ nodes {{ key "
            f"clusters(first: {sizes['memberships']}) {{ {edges} }} }} }} }}",
        ),
    }
    from_clusters = {
        (e["node"]["key"], c["key"]): (e["role"], e["roleZh"], sorted(e["sources"]))
        for c in data["clusters"]["nodes"]
        for e in c["enterprises"]["edges"]
    }
    from_enterprises = {
        (e["key"], c["node"]["key"]): (c["role"], c["roleZh"], sorted(c["sources"]))
        for e in data["enterprises"]["nodes"]
        for c in e["clusters"]["edges"]
    }
    assert from_clusters == expected
    assert from_enterprises == expected


def test_industry_inferred_follows_the_edge(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """Cluster.industryInferred is the `inferred` flag of the cluster's IN_INDUSTRY relationship."""
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster) OPTIONAL MATCH (c)-[r:IN_INDUSTRY]->(:Industry) RETURN c.id AS key, r.inferred AS inferred",
    )
    expected = {r["key"]: r["inferred"] for r in rows}
    assert {True, False} <= set(expected.values())
    data = gql_data(client, "{ clusters(first: 100) { nodes { key industryInferred } } }")
    assert {n["key"]: n["industryInferred"] for n in data["clusters"]["nodes"]} == expected
