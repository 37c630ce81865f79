"""GraphQL over HTTP as the app serves it: GET and POST, media-type negotiation and status codes, JSON errors for
bad requests, CORS, the health and readiness probes, request ids, and the hook that observes a request's Cypher.

The app under test is the `client` fixture's (the real dataset in the test Neo4j, `cors_origins` set to
http://localhost:5173); the readiness test builds a second app whose Neo4j is a closed port.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import run_cypher

pytestmark = [
    pytest.mark.integration,
    # The `client` fixture imports starlette.testclient, which warns when httpx2 is missing; the suite turns
    # warnings into errors.
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]

GRAPHQL_RESPONSE = "application/graphql-response+json"
ALLOWED_ORIGIN = "http://localhost:5173"
OTHER_ORIGIN = "http://evil.example"


def media_type(response: Any) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip()


def cluster_count(driver: Driver, settings: Settings) -> int:
    return run_cypher(driver, settings, "MATCH (c:Cluster) RETURN count(c) AS n")[0]["n"]  # type: ignore[no-any-return]


# --- POST and GET --------------------------------------------------------------------------------------------


def test_post_json_runs_the_query(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """POST with an application/json body runs the query: 200, application/json, the data."""
    response = client.post("/graphql", json={"query": "{ clusters { totalCount } }"})
    assert response.status_code == 200
    assert media_type(response) == "application/json"
    assert response.json() == {"data": {"clusters": {"totalCount": cluster_count(dataset_graph, settings)}}}


def test_post_json_with_variables_and_operation_name(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """POST runs the operation named by operationName with its variables."""
    key = run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key, c.name AS name LIMIT 1")[
        0
    ]
    document = "query One($id: ID!) { cluster(id: $id) { key name } } query Two { clusters { totalCount } }"
    response = client.post(
        "/graphql", json={"query": document, "variables": {"id": key["key"]}, "operationName": "One"}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"cluster": {"key": key["key"], "name": key["name"]}}}


TWO_OPERATIONS = "query Clusters { clusters { totalCount } } query Cities { cities { totalCount } }"


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_two_operations_without_operation_name_is_a_request_error(
    client: Any, dataset_graph: Driver, settings: Settings, method: str
) -> None:
    """A document of two operations without operationName runs neither: a request error (no `data`) saying an
    operation name is needed, 400 for application/graphql-response+json; with the name, that operation runs."""
    headers = {"Accept": GRAPHQL_RESPONSE}
    if method == "POST":
        response = client.post("/graphql", json={"query": TWO_OPERATIONS}, headers=headers)
        named = client.post(
            "/graphql", json={"query": TWO_OPERATIONS, "operationName": "Cities"}, headers=headers
        )
    else:
        response = client.get("/graphql", params={"query": TWO_OPERATIONS}, headers=headers)
        named = client.get(
            "/graphql", params={"query": TWO_OPERATIONS, "operationName": "Cities"}, headers=headers
        )
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["message"].startswith("Must provide operation name if query contains multiple operations.")
    assert "Clusters, Cities" in error["message"]
    cities = run_cypher(dataset_graph, settings, "MATCH (c:City) RETURN count(c) AS n")[0]["n"]
    assert named.status_code == 200
    assert named.json() == {"data": {"cities": {"totalCount": cities}}}


def test_two_operations_without_operation_name_over_json_is_200_with_the_error(client: Any) -> None:
    """With application/json the same request error comes back with 200 and no `data`."""
    response = client.post("/graphql", json={"query": TWO_OPERATIONS})
    assert response.status_code == 200
    assert "data" not in response.json()
    assert response.json()["errors"][0]["message"].startswith("Must provide operation name")


def test_get_with_query_parameters_runs_the_query(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """GET /graphql?query=...&variables=... runs a query."""
    row = run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key, c.name AS name LIMIT 1")[
        0
    ]
    response = client.get(
        "/graphql",
        params={
            "query": "query($id: ID!) { cluster(id: $id) { key name } clusters { totalCount } }",
            "variables": json.dumps({"id": row["key"]}),
        },
    )
    assert response.status_code == 200
    assert media_type(response) == "application/json"
    assert response.json() == {
        "data": {
            "cluster": {"key": row["key"], "name": row["name"]},
            "clusters": {"totalCount": cluster_count(dataset_graph, settings)},
        }
    }


def test_get_refuses_a_mutation_with_405_and_allow(client: Any) -> None:
    """A mutation sent with GET is refused with 405 Method Not Allowed, an Allow header naming POST, and a JSON
    error body."""
    response = client.get("/graphql", params={"query": "mutation { __typename }"})
    assert response.status_code == 405
    assert "POST" in [m.strip() for m in response.headers["allow"].split(",")]
    assert media_type(response) == "application/json"
    assert "mutation" in response.json()["errors"][0]["message"].lower()


def test_get_refuses_the_named_mutation_of_a_document(client: Any) -> None:
    """With GET, operationName picks the operation: the document's mutation is refused (405), while its query
    is not refused for the method."""
    document = "query Q { __typename } mutation M { __typename }"
    refused = client.get("/graphql", params={"query": document, "operationName": "M"})
    assert refused.status_code == 405
    assert "POST" in refused.headers["allow"]
    allowed = client.get("/graphql", params={"query": document, "operationName": "Q"})
    assert allowed.status_code == 200


# --- media types and status codes ----------------------------------------------------------------------------


def test_graphql_response_json_is_served_when_asked(client: Any) -> None:
    """Accept: application/graphql-response+json gets that media type and 200 for a valid query (POST and GET)."""
    headers = {"accept": GRAPHQL_RESPONSE}
    for response in (
        client.post("/graphql", json={"query": "{ __typename }"}, headers=headers),
        client.get("/graphql", params={"query": "{ __typename }"}, headers=headers),
    ):
        assert response.status_code == 200
        assert media_type(response) == GRAPHQL_RESPONSE
        assert response.json() == {"data": {"__typename": "Query"}}


def test_graphql_response_json_preferred_over_json(client: Any) -> None:
    """An Accept header listing application/graphql-response+json before application/json gets the former; the
    other way round gets application/json."""
    first = client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"accept": f"{GRAPHQL_RESPONSE}, application/json"},
    )
    assert media_type(first) == GRAPHQL_RESPONSE
    second = client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"accept": f"application/json, {GRAPHQL_RESPONSE}"},
    )
    assert media_type(second) == "application/json"


@pytest.mark.parametrize(
    ("document", "kind"),
    [("{ noSuchField }", "validation"), ("{ clusters { totalCount ", "syntax")],
    ids=["unknown-field", "does-not-parse"],
)
def test_graphql_response_json_request_error_is_400(client: Any, document: str, kind: str) -> None:
    """With application/graphql-response+json, a document that fails validation or does not parse gets 400,
    in that media type, with the error in the body."""
    response = client.post("/graphql", json={"query": document}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400, kind
    assert media_type(response) == GRAPHQL_RESPONSE
    assert response.json()["errors"], kind


def test_json_validation_error_is_200_with_errors(client: Any) -> None:
    """With plain application/json, a query that fails validation gets 200 and the errors in the body."""
    response = client.post(
        "/graphql", json={"query": "{ noSuchField }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert media_type(response) == "application/json"
    errors = response.json()["errors"]
    assert errors
    assert "noSuchField" in errors[0]["message"]


def test_graphql_response_json_partial_response_is_200(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """With application/graphql-response+json, a valid query whose nullable field fails is a partial response:
    200, the data, and the error."""
    key = run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key LIMIT 1")[0]["key"]
    wrong_type = base64.b64encode(f"Cluster:{key}".encode()).decode()
    response = client.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { city(id: $id) { key } clusters { totalCount } }",
            "variables": {"id": wrong_type},
        },
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["city"] is None
    assert body["data"]["clusters"]["totalCount"] == cluster_count(dataset_graph, settings)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_graphql_response_json_field_error_nulling_data_is_still_200(client: Any) -> None:
    """With application/graphql-response+json, a field error during execution is not a request error even when
    it nulls every root field it asks for: the GraphQL-over-HTTP spec recommends 200 there and keeps 4xx for
    requests that fail to parse or validate."""
    response = client.post(
        "/graphql", json={"query": '{ search(text: "") { score } }'}, headers={"accept": GRAPHQL_RESPONSE}
    )
    body = response.json()
    assert body["data"] == {"search": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert response.status_code == 200


# --- bad requests --------------------------------------------------------------------------------------------


def test_malformed_json_body_is_400_with_a_json_error(client: Any) -> None:
    """A body that is not valid JSON gets 400 with a JSON body whose message says the body is not JSON."""
    response = client.post(
        "/graphql", content=b'{"query": "{ __typename }"', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert media_type(response) == "application/json"
    message = response.json()["errors"][0]["message"]
    assert "JSON" in message


@pytest.mark.parametrize(
    "body", [{}, {"variables": {}}, {"query": None}], ids=["empty", "variables-only", "null"]
)
def test_body_without_query_is_400(client: Any, body: dict[str, Any]) -> None:
    """A JSON body without a query gets 400 with a JSON error that says the query is missing."""
    response = client.post("/graphql", json=body)
    assert response.status_code == 400
    assert media_type(response) == "application/json"
    assert "query" in response.json()["errors"][0]["message"].lower()


# --- CORS ----------------------------------------------------------------------------------------------------


def test_cors_allows_a_listed_origin(client: Any, settings: Settings) -> None:
    """A request from an origin in settings.cors_origins gets Access-Control-Allow-Origin for it, and may read
    X-Request-ID."""
    assert ALLOWED_ORIGIN in settings.cors_origins
    response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": ALLOWED_ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = [
        h.strip().lower() for h in response.headers.get("access-control-expose-headers", "").split(",")
    ]
    assert "x-request-id" in exposed


def test_cors_ignores_other_origins(client: Any, settings: Settings) -> None:
    """A request from an origin not in settings.cors_origins gets no Access-Control-Allow-Origin."""
    assert OTHER_ORIGIN not in settings.cors_origins
    response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"origin": OTHER_ORIGIN})
    assert "access-control-allow-origin" not in response.headers


def test_cors_preflight_for_the_allowed_origin(client: Any) -> None:
    """A preflight OPTIONS from the allowed origin, for a POST with a JSON body, is answered 200 with the origin,
    the POST method and the content-type header allowed."""
    response = client.options(
        "/graphql",
        headers={
            "origin": ALLOWED_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()


def test_cors_preflight_for_another_origin_is_not_allowed(client: Any) -> None:
    """A preflight from an origin that is not listed does not get Access-Control-Allow-Origin."""
    response = client.options(
        "/graphql", headers={"origin": OTHER_ORIGIN, "access-control-request-method": "POST"}
    )
    assert "access-control-allow-origin" not in response.headers
    assert response.status_code >= 400


# --- probes --------------------------------------------------------------------------------------------------


def test_healthz_is_200(client: Any) -> None:
    """/healthz answers 200 while the process runs."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_is_200_with_the_test_neo4j(client: Any) -> None:
    """/readyz answers 200 when Neo4j answers."""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_readyz_is_503_and_queries_fail_cleanly_without_neo4j(client: Any) -> None:
    """An app whose Neo4j is a closed port still starts (its lifespan runs); /healthz is 200, /readyz is 503, and
    a GraphQL query gets an error with code SERVICE_UNAVAILABLE and no traceback or connection details."""
    from starlette.testclient import TestClient

    from clustergraph.app import create_app

    dead = Settings(
        _env_file=None,  # pydantic-settings' init-only option: no .env file
        neo4j_uri="bolt://127.0.0.1:1",
        neo4j_password="any-password",  # a server that is not a local instance needs one
        neo4j_connection_timeout_s=1,
    )
    with TestClient(create_app(dead)) as dead_client:
        assert dead_client.get("/healthz").status_code == 200
        ready = dead_client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] != "ready"
        response = dead_client.post("/graphql", json={"query": "{ clusters { totalCount } }"})
        body = response.json()
        assert [e.get("extensions", {}).get("code") for e in body["errors"]] == ["SERVICE_UNAVAILABLE"], body
        assert body.get("data") == {"clusters": None}  # the root list is nullable
        for leak in ("Traceback", 'File "', "127.0.0.1:1", "ServiceUnavailable"):
            assert leak not in response.text


# --- request ids ---------------------------------------------------------------------------------------------


def test_request_id_is_returned(client: Any) -> None:
    """Every response carries an X-Request-ID, a new one per request."""
    ids = [
        client.post("/graphql", json={"query": "{ __typename }"}).headers.get("x-request-id")
        for _ in range(2)
    ]
    ids.append(client.get("/healthz").headers.get("x-request-id"))
    assert all(ids)
    assert len(set(ids)) == len(ids)


def test_request_id_is_echoed(client: Any) -> None:
    """A client's X-Request-ID comes back unchanged."""
    response = client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "cookbook-42"}
    )
    assert response.headers["x-request-id"] == "cookbook-42"


# --- observing a request's Cypher ----------------------------------------------------------------------------


def test_on_statement_gets_every_statement_with_its_request_id(
    settings: Settings, dataset_graph: Driver
) -> None:
    """`create_app(on_statement=...)` is called once per Cypher statement a request sends, with the request's id:
    a list's totalCount is one statement, `{ __typename }` none; the answer is the one Cypher gives."""
    from starlette.testclient import TestClient

    from clustergraph.app import create_app

    seen: list[tuple[str, str | None]] = []
    with TestClient(
        create_app(settings, on_statement=lambda s, _params, rid: seen.append((s, rid)))
    ) as observed:
        counted = observed.post(
            "/graphql", json={"query": "{ clusters { totalCount } }"}, headers={"x-request-id": "observed-1"}
        )
        observed.post("/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "observed-2"})
        observed.get("/readyz", headers={"x-request-id": "observed-3"})
    expected = cluster_count(dataset_graph, settings)
    assert counted.json() == {"data": {"clusters": {"totalCount": expected}}}
    assert [request_id for _, request_id in seen] == ["observed-1"]
    assert "Cluster" in seen[0][0]
