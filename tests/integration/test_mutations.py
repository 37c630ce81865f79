"""Mutations: editor tokens, validation errors in the payload, references checked, one transaction each."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from neo4j import Driver

from clustergraph.auth import Role, create_token
from clustergraph.cypher import statements as q
from clustergraph.db import create_async_driver
from clustergraph.repository import Repository
from clustergraph.settings import Settings
from conftest import STATEMENTS, gql, gql_sent, run_cypher

CREATE = """
mutation($input: CreateClusterInput!) {
  createCluster(input: $input) { cluster { key name county { key } industry { key } } errors { field message code } }
}
"""


def cluster_input(**overrides: Any) -> dict[str, Any]:
    base = {
        "key": "test-new-cluster",
        "name": "Test New Cluster",
        "nameZh": "测试集群",
        "countyKey": "pidu-district",
        "industryKey": "electronic-information",
        "sources": ["https://example.org/a"],
    }
    return {**base, **overrides}


def dump(driver: Driver, settings: Settings) -> tuple[list[dict], list[dict]]:
    nodes = run_cypher(
        driver, settings, "MATCH (n) RETURN labels(n) AS l, properties(n) AS p ORDER BY n.id, l[0]"
    )
    rels = run_cypher(
        driver,
        settings,
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS t, properties(r) AS p, b.id AS b ORDER BY a, t, b",
    )
    return nodes, rels


@pytest.fixture
def editor(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}


@pytest.fixture
def graph(fresh_dataset_graph: Driver) -> Iterator[Driver]:
    return fresh_dataset_graph


def test_create_cluster_writes_node_and_relationships(client, graph, settings, editor):
    """An editor creates a cluster; the graph then holds it with its county and industry."""
    body = gql(client, CREATE, {"input": cluster_input()}, headers=editor)
    payload = body["data"]["createCluster"]
    assert payload["errors"] == []
    rows = run_cypher(
        graph,
        settings,
        "MATCH (c:Cluster {id: $k})-[:LOCATED_IN]->(co:County), (c)-[:IN_INDUSTRY]->(i:Industry) "
        "RETURN c.name AS name, co.id AS county, i.id AS industry",
        k="test-new-cluster",
    )
    assert rows == [
        {"name": "Test New Cluster", "county": "pidu-district", "industry": "electronic-information"}
    ]
    assert payload["cluster"]["county"]["key"] == rows[0]["county"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"key": "Not A Key"}, "input.key", "INVALID_FORMAT"),
        ({"name": "  "}, "input.name", "REQUIRED"),
        ({"nameZh": "x" * 301}, "input.nameZh", "TOO_LONG"),
        ({"name": "bad\x00name"}, "input.name", "INVALID_CHARACTERS"),
        ({"outputValueCny": -1.0}, "input.outputValueCny", "OUT_OF_RANGE"),
        ({"sources": ["ftp://example.org"]}, "input.sources[0]", "INVALID_FORMAT"),
        ({"countyKey": "no-such-county"}, "input.countyKey", "NOT_FOUND"),
        ({"industryKey": "no-such-industry"}, "input.industryKey", "NOT_FOUND"),
        ({"key": "pidu-electromagnetic-space-security"}, "input.key", "DUPLICATE"),
    ],
)
def test_invalid_create_is_refused_with_field_and_writes_nothing(
    client, graph, settings, editor, overrides, field, code
):
    """Each invalid input comes back as an error naming the field, and the graph is unchanged."""
    before = dump(graph, settings)
    payload = gql(client, CREATE, {"input": cluster_input(**overrides)}, headers=editor)["data"][
        "createCluster"
    ]
    assert payload["cluster"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert payload["errors"][0]["message"]
    assert dump(graph, settings) == before


def test_a_write_reports_its_statements_to_the_observer(client, graph, editor):
    """A create sends, in its one transaction, the check that its references exist and then the write; both reach
    the app's `on_statement` hook, before whatever the payload reads."""
    statements, body = gql_sent(client, CREATE, {"input": cluster_input()}, headers=editor)
    assert body["data"]["createCluster"]["errors"] == []
    assert statements[:2] == [q.EXISTING_KEYS, q.CREATE_CLUSTER]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "UNAUTHENTICATED"),
        ("reader", "FORBIDDEN"),
    ],
)
def test_mutation_without_editor_token_is_refused_before_any_cypher(client, graph, settings, headers, code):
    """No token, or a reader's token: the mutation is refused and no Cypher round trip happens."""
    if headers == "reader":
        headers = {"Authorization": f"Bearer {create_token(settings, Role.READER)}"}
    before = dump(graph, settings)
    statements, body = gql_sent(client, CREATE, {"input": cluster_input()}, headers=headers)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code
    assert statements == []
    assert dump(graph, settings) == before


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer", "Token abc"],
)
def test_malformed_token_is_refused_even_for_reads(client, graph, authorization):
    """A bad Authorization header is refused with 401 and UNAUTHENTICATED, and nothing is read."""
    response = client.post(
        "/graphql", json={"query": "{ clusters { totalCount } }"}, headers={"Authorization": authorization}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert STATEMENTS.of(response) == []


def test_expired_token_is_refused_with_clear_message(client, graph, settings):
    """An expired token says so."""
    import time

    import jwt

    claims = {
        "sub": "x",
        "role": "editor",
        "exp": int(time.time()) - 10,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
    response = client.post(
        "/graphql",
        json={"query": "{ clusters { totalCount } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]["message"]


def test_token_signed_with_another_secret_is_refused(client, graph, settings):
    """A token signed with a different secret is not valid."""
    other = settings.model_copy(
        update={"jwt_secret": settings.jwt_secret.__class__("another-secret-that-is-at-least-32-bytes")}
    )
    token = create_token(other, Role.ADMIN)
    response = client.post(
        "/graphql",
        json={"query": "{ clusters { totalCount } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401


def test_update_cluster_moves_it_and_keeps_other_fields(client, graph, settings, editor):
    """updateCluster changes what it is given, moves the county, and leaves the rest."""
    before = run_cypher(
        graph, settings, "MATCH (c:Cluster {id: 'yantan-pump-valve'}) RETURN properties(c) AS p"
    )[0]["p"]
    mutation = """mutation($i: UpdateClusterInput!) { updateCluster(input: $i) {
        cluster { key name nameZh county { key } } errors { field code } } }"""
    payload = gql(
        client,
        mutation,
        {"i": {"key": "yantan-pump-valve", "name": "Renamed", "countyKey": "rong-county"}},
        headers=editor,
    )["data"]["updateCluster"]
    assert payload["errors"] == []
    after = run_cypher(
        graph,
        settings,
        "MATCH (c:Cluster {id: 'yantan-pump-valve'})-[:LOCATED_IN]->(co) RETURN properties(c) AS p, collect(co.id) AS counties",
    )[0]
    assert after["counties"] == ["rong-county"]
    assert after["p"]["name"] == "Renamed"
    assert after["p"]["nameSort"] == "renamed", "the name's sort key follows the name"
    assert after["p"]["nameFolded"] == "Renamed", "so does its search key"
    derived = ("name", "nameSort", "nameFolded")
    assert {k: v for k, v in after["p"].items() if k not in derived} == {
        k: v for k, v in before.items() if k not in derived
    }


def test_update_unknown_cluster_is_not_found(client, graph, settings, editor):
    mutation = 'mutation { updateCluster(input: {key: "no-such", name: "x"}) { cluster { key } errors { field code } } }'
    payload = gql(client, mutation, headers=editor)["data"]["updateCluster"]
    assert payload == {"cluster": None, "errors": [{"field": "input.key", "code": "NOT_FOUND"}]}


def test_delete_cluster_removes_its_recognitions_and_memberships(client, graph, settings, editor):
    """deleteCluster removes the cluster, its recognitions and memberships; enterprises stay."""
    members = run_cypher(
        graph, settings, "MATCH (e)-[:MEMBER_OF]->(:Cluster {id: 'yantan-pump-valve'}) RETURN e.id AS id"
    )
    payload = gql(
        client,
        'mutation { deleteCluster(key: "yantan-pump-valve") { deletedKey errors { code } } }',
        headers=editor,
    )["data"]["deleteCluster"]
    assert payload == {"deletedKey": "yantan-pump-valve", "errors": []}
    left = run_cypher(
        graph, settings, "MATCH (n) WHERE n.id STARTS WITH 'yantan-pump-valve' RETURN count(n) AS n"
    )
    assert left == [{"n": 0}]
    still = run_cypher(
        graph,
        settings,
        "MATCH (e:Enterprise) WHERE e.id IN $ids RETURN count(e) AS n",
        ids=[m["id"] for m in members],
    )
    assert still == [{"n": len(members)}]


def test_membership_add_and_remove(client, graph, settings, editor):
    """addMembership links an existing enterprise with a role; removeMembership unlinks it."""
    add = """mutation { addMembership(input: {enterpriseKey: "lier-chemical", clusterKey: "yantan-pump-valve",
        role: "Supplier", sources: ["https://example.org/m"]}) { enterprise { key } cluster { key } errors { code } } }"""
    assert gql(client, add, headers=editor)["data"]["addMembership"]["errors"] == []
    rows = run_cypher(
        graph,
        settings,
        "MATCH (:Enterprise {id: 'lier-chemical'})-[m:MEMBER_OF]->(c:Cluster) "
        "RETURN c.id AS c, m.role AS role ORDER BY c",
    )
    assert {"c": "yantan-pump-valve", "role": "Supplier"} in rows
    remove = 'mutation { removeMembership(enterpriseKey: "lier-chemical", clusterKey: "yantan-pump-valve") { deletedKey errors { code } } }'
    assert gql(client, remove, headers=editor)["data"]["removeMembership"]["errors"] == []
    rows = run_cypher(
        graph, settings, "MATCH (:Enterprise {id: 'lier-chemical'})-[:MEMBER_OF]->(c) RETURN c.id AS c"
    )
    assert rows == [{"c": "qianfeng-gas-salt-fine-chemicals"}]
    again = gql(client, remove, headers=editor)["data"]["removeMembership"]
    assert again["errors"][0]["code"] == "NOT_FOUND"


def test_membership_to_unknown_enterprise_writes_nothing(client, graph, settings, editor):
    before = dump(graph, settings)
    add = 'mutation { addMembership(input: {enterpriseKey: "nobody", clusterKey: "yantan-pump-valve"}) { errors { field code } } }'
    errors = gql(client, add, headers=editor)["data"]["addMembership"]["errors"]
    assert errors == [{"field": "input.enterpriseKey", "code": "NOT_FOUND"}]
    assert dump(graph, settings) == before


def test_record_recognition_links_batch_and_year(client, graph, settings, editor):
    """recordRecognition with a year links the batch of that level and year; without a batch it is refused."""
    record = """mutation($i: RecognitionInput!) { recordRecognition(input: $i) { recognition { key level year batch { key } }
        errors { field code } } }"""
    payload = gql(
        client,
        record,
        {"i": {"clusterKey": "yantan-pump-valve", "level": "NATIONAL", "year": 2024}},
        headers=editor,
    )["data"]["recordRecognition"]
    assert payload["errors"] == []
    rows = run_cypher(
        graph,
        settings,
        "MATCH (:Cluster {id: 'yantan-pump-valve'})-[:RECOGNIZED]->(r {level: 'NATIONAL'})"
        "-[:IN_BATCH]->(b)-[:IN_YEAR]->(y) RETURN b.id AS b, y.year AS y",
    )
    assert rows == [{"b": "national-2024", "y": 2024}]
    bad = gql(
        client,
        record,
        {"i": {"clusterKey": "yantan-pump-valve", "level": "NATIONAL", "year": 2030}},
        headers=editor,
    )["data"]["recordRecognition"]
    assert bad["errors"] == [{"field": "input.year", "code": "NOT_FOUND"}]
    out_of_range = gql(
        client,
        record,
        {"i": {"clusterKey": "yantan-pump-valve", "level": "NATIONAL", "year": 1900}},
        headers=editor,
    )["data"]["recordRecognition"]
    assert out_of_range["errors"] == [{"field": "input.year", "code": "OUT_OF_RANGE"}]


def test_create_city_county_industry(client, graph, settings, editor):
    """createCity, createCounty (in that city) and createIndustry write nodes with their links."""
    body = gql(
        client,
        """mutation {
      a: createCity(input: {adminCode: "519900", name: "Test City", nameZh: "测试市", kind: "test", kindZh: "测试",
                            latitude: 30.1, longitude: 104.2}) { city { key latitude } errors { code } }
      b: createIndustry(input: {key: "test-industry", name: "Test", nameZh: "测试"}) { industry { key } errors { code } }
    }""",
        headers=editor,
    )["data"]
    assert body["a"]["errors"] == []
    assert body["b"]["errors"] == []
    county = gql(
        client,
        'mutation { createCounty(input: {key: "test-county", name: "T", nameZh: "测", cityKey: "519900"}) '
        "{ county { key city { key } } errors { code } } }",
        headers=editor,
    )["data"]["createCounty"]
    assert county["errors"] == []
    rows = run_cypher(
        graph,
        settings,
        "MATCH (:County {id: 'test-county'})-[:IN_CITY]->(c:City)-[:IN_PROVINCE]->(p) "
        "RETURN c.id AS c, c.location.latitude AS lat, p.id AS p",
    )
    assert rows == [{"c": "519900", "lat": pytest.approx(30.1), "p": "510000"}]
    dup = gql(
        client,
        'mutation { createCity(input: {adminCode: "519900", name: "x", nameZh: "x", kind: "x", kindZh: "x"}) '
        "{ errors { field code } } }",
        headers=editor,
    )["data"]["createCity"]
    assert dup["errors"] == [{"field": "input.adminCode", "code": "DUPLICATE"}]


def test_concurrent_double_create_yields_one_node(client, graph, settings, editor):
    """Two identical creates at once over HTTP: one succeeds, the other is a DUPLICATE, one node exists."""

    def create() -> dict[str, Any]:
        return gql(client, CREATE, {"input": cluster_input(key="race-cluster")}, headers=editor)["data"][
            "createCluster"
        ]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: create(), range(2)))
    codes = sorted(e["code"] for r in results for e in r["errors"])
    assert codes == ["DUPLICATE"]
    assert sum(1 for r in results if r["cluster"] is not None) == 1
    rows = run_cypher(
        graph,
        settings,
        "MATCH (c:Cluster {id: 'race-cluster'}) RETURN count(c) AS n, "
        "COUNT { (c)-[:LOCATED_IN]->() } AS located",
    )
    assert rows == [{"n": 1, "located": 1}]


async def test_racing_writes_in_the_repository_leave_one_node(graph, settings):
    """Eight concurrent create transactions of one key: exactly one commits (the uniqueness constraint)."""
    driver = create_async_driver(settings)
    try:
        repo = Repository(driver, settings.neo4j_database)
        params = {
            "key": "race-repo",
            "name": "R",
            "nameZh": "R",
            "countyKey": "pidu-district",
            "industryKey": "electronic-information",
            "industryInferred": False,
            "leadingSector": None,
            "leadingSectorZh": None,
            "outputValueCny": None,
            "enterpriseCount": None,
            "sources": [],
            "nameSort": "r",
            "nameZhSort": "r",
            "nameFolded": "R",
        }
        results = await asyncio.gather(*[repo.write_checked(q.CREATE_CLUSTER, params) for _ in range(8)])
    finally:
        await driver.close()
    assert sum(1 for r in results if r.rows) == 1
    assert sum(1 for r in results if r.duplicate) == 7
    rows = run_cypher(graph, settings, "MATCH (c:Cluster {id: 'race-repo'}) RETURN count(c) AS n")
    assert rows == [{"n": 1}]
