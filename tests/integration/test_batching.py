"""Batching (BATCH_MAX_OPERATIONS): a JSON array of operations answered by an array in the same order, each
operation's errors in its own result, the count and the cost limit bounding the batch as a whole, mutations run in
order. Expected answers come from Cypher.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.settings import Settings
from conftest import STATEMENTS, run_cypher

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]

CITY = 'query City { city(id: "510100") { key nameZh } }'
DIRECT_CITY = "MATCH (c:City {id: '510100'}) RETURN c.id AS key, c.nameZh AS nameZh"
COUNTS = "{ clusters { totalCount } enterprises { totalCount } }"
DIRECT_COUNTS = "RETURN COUNT { (:Cluster) } AS clusters, COUNT { (:Enterprise) } AS enterprises"
PAGE = "{ clusters(first: 50) { nodes { key name } } }"


def _app(settings: Settings, **changes: Any) -> TestClient:
    return TestClient(
        create_app(
            settings.model_copy(update={"batch_max_operations": 5, **changes}), on_statement=STATEMENTS
        )
    )


@pytest.fixture
def batching(settings: Settings, dataset_graph: Driver) -> Iterator[TestClient]:
    with _app(settings) as client:
        yield client


def _codes(result: dict[str, Any]) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in result.get("errors", [])]


def test_batching_is_off_by_default(client, dataset_graph):
    response = client.post("/graphql", json=[{"query": CITY}])
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BATCH_NOT_ENABLED"
    assert "BATCH_MAX_OPERATIONS" in error["message"]
    assert STATEMENTS.of(response) == []


def test_a_batch_is_answered_in_order(batching, dataset_graph, settings):
    city = run_cypher(dataset_graph, settings, DIRECT_CITY)[0]
    counts = run_cypher(dataset_graph, settings, DIRECT_COUNTS)[0]
    response = batching.post(
        "/graphql",
        json=[
            {"query": COUNTS},
            {"query": CITY, "operationName": "City"},
            {"query": "query Named($n: Int!) { clusters(first: $n) { totalCount } }", "variables": {"n": 1}},
        ],
    )
    assert response.status_code == 200
    assert response.json() == [
        {
            "data": {
                "clusters": {"totalCount": counts["clusters"]},
                "enterprises": {"totalCount": counts["enterprises"]},
            }
        },
        {"data": {"city": city}},
        {"data": {"clusters": {"totalCount": counts["clusters"]}}},
    ]
    assert len(STATEMENTS.of(response)) == 3  # one statement per operation


def test_each_operations_errors_stay_in_its_own_result(batching, dataset_graph, settings):
    """A syntax error, a field error, an unknown persisted hash and a missing query each fail their own
    operation; the others are answered; an array is a 200 even with application/graphql-response+json."""
    city = run_cypher(dataset_graph, settings, DIRECT_CITY)[0]
    unknown = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(b"{ nothing }").hexdigest()}}
    response = batching.post(
        "/graphql",
        json=[
            {"query": "{ clusters { "},
            {"query": CITY},
            {"query": "{ clusters(first: 5000) { totalCount } }"},
            {"extensions": unknown},
            {"variables": {}},
        ],
        headers={"Accept": "application/graphql-response+json"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    syntax, answered, field, hashed, empty = response.json()
    assert "data" not in syntax
    assert "Syntax Error" in syntax["errors"][0]["message"]
    assert answered == {"data": {"city": city}}
    assert field["data"] == {"clusters": None}
    assert field["errors"][0]["path"] == ["clusters"]
    assert _codes(hashed) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert empty["errors"][0]["message"] == "No GraphQL query found in the request"


def test_a_batch_over_the_count_limit_is_refused_whole(batching, dataset_graph):
    response = batching.post("/graphql", json=[{"query": CITY}] * 6)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BATCH_TOO_LARGE"
    assert error["extensions"]["limit"] == 5
    assert "6 operations, more than the limit 5" in error["message"]
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert STATEMENTS.of(response) == []


def test_the_cost_limit_bounds_the_batch_as_a_whole(settings, dataset_graph):
    """Each operation alone is under the limit; together they are over it, and nothing runs."""
    with _app(settings, max_query_cost=200) as client:
        alone = client.post("/graphql", json={"query": PAGE})
        assert "errors" not in alone.json()
        response = client.post("/graphql", json=[{"query": PAGE}, {"query": PAGE}])
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        extensions = error["extensions"]
        assert extensions["code"] == "QUERY_TOO_COMPLEX"
        assert extensions["limit"] == 200
        assert len(extensions["costs"]) == 2
        assert extensions["costs"][0] == extensions["costs"][1] <= 200
        assert extensions["cost"] == sum(extensions["costs"]) > 200
        assert STATEMENTS.of(response) == []
        # One of them fits.
        assert client.post("/graphql", json=[{"query": PAGE}]).status_code == 200


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ([], "The batch is empty"),
        ([1], "Operation 0 of the batch is not an object"),
        ([{"query": CITY}, {"query": 5}], "Operation 1 of the batch: `query` must be a string"),
        ([{"query": CITY, "variables": []}], "Operation 0 of the batch: `variables` must be an object"),
    ],
)
def test_a_malformed_batch_says_which_operation_is_wrong(batching, dataset_graph, body, says):
    response = batching.post("/graphql", json=body)
    assert response.status_code == 400
    assert says in response.json()["errors"][0]["message"]


def test_mutations_run_in_order_each_seeing_the_writes_before_it(settings, fresh_dataset_graph):
    """A create, a read of it, a delete and a read again: in the array's order, each its own transaction; the
    response carries the bookmarks of the writes, which the next request may send back."""
    editor = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    key = "batch-test-cluster"
    create = {
        "query": "mutation($input: CreateClusterInput!) { createCluster(input: $input) { cluster { key } errors { code } } }",
        "variables": {
            "input": {
                "key": key,
                "name": "Batch Test Cluster",
                "nameZh": "批量测试集群",
                "countyKey": "pidu-district",
                "industryKey": "electronic-information",
                "sources": ["https://example.org/batch"],
            }
        },
    }
    read = {"query": "query($k: ID!) { cluster(id: $k) { key name } }", "variables": {"k": key}}
    delete = {
        "query": "mutation($k: String!) { deleteCluster(key: $k) { errors { code } } }",
        "variables": {"k": key},
    }
    with _app(settings) as client:
        response = client.post("/graphql", json=[create, read, delete, read], headers=editor)
        assert response.status_code == 200
        created, seen, deleted, gone = response.json()
        assert created["data"]["createCluster"] == {"cluster": {"key": key}, "errors": []}
        assert seen == {"data": {"cluster": {"key": key, "name": "Batch Test Cluster"}}}
        assert deleted["data"]["deleteCluster"]["errors"] == []
        assert gone == {"data": {"cluster": None}}
        assert run_cypher(fresh_dataset_graph, settings, "MATCH (c:Cluster {id: $k}) RETURN c", k=key) == []
        bookmarks = response.headers["x-neo4j-bookmarks"]
        again = client.post("/graphql", json=[read], headers={"X-Neo4j-Bookmarks": bookmarks})
        assert again.json() == [{"data": {"cluster": None}}]


def test_a_batch_is_never_kept_by_the_http_cache(settings, dataset_graph):
    city = run_cypher(dataset_graph, settings, DIRECT_CITY)[0]
    with _app(settings, http_cache=True, edge_cache_max_age_s=60) as client:
        for _ in range(2):
            response = client.post("/graphql", json=[{"query": CITY}])
            assert response.json() == [{"data": {"city": city}}]
            assert "etag" not in response.headers
            assert "x-cache" not in response.headers
            assert response.headers["cache-control"] == "no-store"
