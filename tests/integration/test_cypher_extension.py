"""From GraphQL to Cypher and back: `X-ClusterGraph-Cypher: 1` puts the statements a request ran, their parameters
and a Neo4j Browser link in `extensions.cypher`, outside production only, never by default, never via the cache."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from neo4j import Driver
from pydantic import SecretStr
from starlette.testclient import TestClient

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.cypher.literals import inline_parameters
from clustergraph.cypher_extension import CYPHER_HEADER
from clustergraph.settings import Settings
from conftest import STATEMENTS, run_cypher

ASK = {CYPHER_HEADER: "1"}
QUERY = """
query Named($text: String!) {
  clusters(first: 3, where: {name: {contains: $text}}) { nodes { key name } }
}
"""
VARIABLES = {"text": "Chengdu"}


@contextmanager
def app_client(settings: Settings, **changes: Any) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update=changes), on_statement=STATEMENTS)) as test_client:
        yield test_client


def post(client: TestClient, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return client.post("/graphql", json={"query": query, "variables": variables or {}}, **kwargs)


def browser_text(url: str) -> str:
    """The editor text a Browser link opens (`?cmd=edit&arg=...`)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert query["cmd"] == ["edit"]
    (text,) = query["arg"]
    return text


@pytest.mark.usefixtures("_dataset_loaded")
def test_the_statements_in_extensions_are_those_sent_and_give_the_answer_s_rows(
    client: TestClient, driver: Driver, settings: Settings
) -> None:
    """The header on: extensions.cypher equals what the on_statement observer recorded for the request, and each
    statement, run directly in Neo4j with its parameters (and as the Browser link writes it, parameters inlined),
    gives the rows behind the answer."""
    response = post(client, QUERY, VARIABLES, headers=ASK)
    assert response.status_code == 200
    body = response.json()
    entries = body["extensions"]["cypher"]
    assert [(e["statement"], e["parameters"]) for e in entries] == STATEMENTS.sent(response)
    assert len(entries) == 1
    (entry,) = entries
    keys = [node["key"] for node in body["data"]["clusters"]["nodes"]]
    expected = run_cypher(
        driver,
        settings,
        "MATCH (c:Cluster) WHERE toLower(c.name) CONTAINS toLower($text) RETURN c.id AS key "
        "ORDER BY toLower(c.name), c.id LIMIT 3",
        text="Chengdu",
    )
    assert keys == [row["key"] for row in expected]
    assert len(keys) == 3

    rows = run_cypher(driver, settings, entry["statement"], **entry["parameters"])
    found = [item["node"]["id"] for item in rows[0]["f0"]["rows"]]
    assert found[: len(keys)] == keys
    # The Browser link's text runs as it is (no parameters to set) and gives the same rows.
    text = browser_text(entry["browserUrl"])
    assert "$" not in text
    assert "'chengdu'" in text  # the filter's value, folded as the engine sends it
    assert run_cypher(driver, settings, text) == rows
    assert entry["browserUrl"].startswith(settings.neo4j_browser_url + "?cmd=edit&arg=")


@pytest.mark.usefixtures("_dataset_loaded")
def test_no_header_means_no_cypher_in_extensions(client: TestClient) -> None:
    """Not asked for: the answer has no extensions.cypher (and the header set to something else is no ask)."""
    for headers in ({}, {CYPHER_HEADER: "0"}):
        body = post(client, QUERY, VARIABLES, headers=headers).json()
        assert "errors" not in body
        assert "cypher" not in body.get("extensions", {})


@pytest.mark.usefixtures("_dataset_loaded")
def test_production_ignores_the_header(settings: Settings) -> None:
    """In production the header asks for nothing: no extensions.cypher."""
    production = {"production": True, "jwt_secret": SecretStr("p" * 40), "graphiql": False}
    with app_client(settings, **production) as client:
        response = post(client, QUERY, VARIABLES, headers=ASK)
        assert response.status_code == 200
        body = response.json()
        assert body["data"]["clusters"]["nodes"]
        assert "cypher" not in body.get("extensions", {})


def test_a_mutation_shows_its_write_statements(
    client: TestClient, fresh_dataset_graph: Driver, driver: Driver, settings: Settings
) -> None:
    """A mutation with the header lists every statement it sent, the writes of its transaction included, as the
    observer saw them; the write is in the graph (checked directly)."""
    mutation = """
    mutation($input: CreateClusterInput!) { createCluster(input: $input) { cluster { key } errors { field } } }
    """
    given = {
        "key": "cypher-shown-cluster",
        "name": "Cypher Shown Cluster",
        "nameZh": "测试集群",
        "countyKey": "pidu-district",
        "industryKey": "electronic-information",
        "sources": ["https://example.org/a"],
    }
    token = create_token(settings, Role.EDITOR)
    response = post(client, mutation, {"input": given}, headers={**ASK, "Authorization": f"Bearer {token}"})
    body = response.json()
    assert body["data"]["createCluster"] == {"cluster": {"key": "cypher-shown-cluster"}, "errors": []}
    entries = body["extensions"]["cypher"]
    sent = STATEMENTS.sent(response)
    assert [(e["statement"], e["parameters"]) for e in entries] == sent
    assert any("CREATE" in e["statement"] or "MERGE" in e["statement"] for e in entries)
    assert any("cypher-shown-cluster" in str(e["parameters"]) for e in entries)
    assert run_cypher(
        driver, settings, "MATCH (c:Cluster {id: 'cypher-shown-cluster'}) RETURN c.name AS n"
    ) == [{"n": "Cypher Shown Cluster"}]


@pytest.mark.usefixtures("_dataset_loaded")
def test_an_answer_with_cypher_never_comes_from_or_goes_to_the_http_cache(settings: Settings) -> None:
    """With the HTTP cache on: a request with the header runs (no X-Cache, no ETag) and stores nothing; the same
    request without it is a miss, then a hit without extensions.cypher; with the header again, it runs again."""
    with app_client(settings, http_cache=True) as client:
        query = "{ clusters(first: 2) { nodes { key } } }"
        first = post(client, query, headers=ASK)
        assert first.status_code == 200
        assert "x-cache" not in first.headers
        assert "etag" not in first.headers
        assert first.json()["extensions"]["cypher"]
        missed = post(client, query)
        assert missed.headers["x-cache"] == "MISS"
        hit = post(client, query)
        assert hit.headers["x-cache"] == "HIT"
        assert "extensions" not in hit.json()
        again = post(client, query, headers=ASK)
        assert "x-cache" not in again.headers
        assert [e["statement"] for e in again.json()["extensions"]["cypher"]] == STATEMENTS.of(again)
        assert again.json()["data"] == hit.json()["data"]


@pytest.mark.parametrize(
    "value",
    ["it's a \\ back'slash", "$text inside, and 'quotes' and \"doubles\"", "line\nbreak\ttab", "雅安"],
)
def test_inlined_parameters_run_as_the_parameters_do(driver: Driver, settings: Settings, value: str) -> None:
    """A statement with its parameters written in as literals returns what it returns with the parameters, and
    text in the statement's own strings (a `$name` among them) is left alone."""
    statement = "RETURN $text AS t, '$text' AS literal, $n AS n, $list AS list, $map AS map, $none AS none"
    params = {"text": value, "n": -3, "list": [1.5, "x", True], "map": {"a b": [value], "c": 2}, "none": None}
    with_params = run_cypher(driver, settings, statement, **params)
    assert with_params[0]["literal"] == "$text"
    assert run_cypher(driver, settings, inline_parameters(statement, params)) == with_params
