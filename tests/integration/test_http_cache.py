"""HTTP caching of query answers (`http_cache`): ETags, 304 Not Modified and the per-worker answer cache, keyed by
the request and the graph version. Every expected answer comes from the app with the cache off or from Cypher, and
every write (through the API or straight in Cypher, as an analyst in Neo4j Browser would) must be seen at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.httpcache import HttpCache, matches
from clustergraph.repository import Repository
from clustergraph.settings import Settings
from conftest import STATEMENTS, run_cypher

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]

CLUSTER = """query One($key: ID!) {
  cluster(id: $key) { key name outputValueCny county { name city { name } } industry { name }
    recognitions { nodes { year level } } }
}"""
NAME = 'query { cluster(id: "yantan-pump-valve") { key name } }'
DIRECT_NAME = "MATCH (c:Cluster {id: 'yantan-pump-valve'}) RETURN c.name AS name"


def _cached_app(settings: Settings, **changes: Any) -> TestClient:
    return TestClient(
        create_app(settings.model_copy(update={"http_cache": True, **changes}), on_statement=STATEMENTS)
    )


@pytest.fixture
def cached(settings: Settings, dataset_graph: Driver) -> Iterator[TestClient]:
    with _cached_app(settings) as client:
        yield client


@pytest.fixture
def cached_fresh(settings: Settings, fresh_dataset_graph: Driver) -> Iterator[TestClient]:
    """A cached app over a copy of the dataset that the test may write to."""
    with _cached_app(settings) as client:
        yield client


def _post(client: TestClient, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return client.post("/graphql", json={"query": query, "variables": variables or {}}, **kwargs)


def _round_trips(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> tuple[Any, int]:
    response = _post(client, query, variables)
    return response, len(STATEMENTS.of(response))


def test_a_repeated_query_is_answered_from_the_cache_with_the_same_body(
    cached, client, dataset_graph, settings
):
    """First a miss (the version read, then the query), then a hit: only the version read, and the very same bytes,
    which are those of the app without the cache."""
    key = run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS id ORDER BY id LIMIT 1")[0][
        "id"
    ]
    first, first_trips = _round_trips(cached, CLUSTER, {"key": key})
    second, second_trips = _round_trips(cached, CLUSTER, {"key": key})
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert (first_trips, second_trips) == (2, 1)
    assert second.content == first.content == _post(client, CLUSTER, {"key": key}).content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-type"].startswith("application/json")
    assert first.headers["cache-control"] == "no-cache"


def test_if_none_match_gets_304_without_running_the_query(cached, dataset_graph):
    response = _post(cached, NAME)
    etag = response.headers["etag"]
    for sent in (etag, f"W/{etag}", f'"other", {etag}'):
        not_modified = _post(cached, NAME, headers={"If-None-Match": sent})
        assert not_modified.status_code == 304, sent
        assert not_modified.content == b""
        assert not_modified.headers["etag"] == etag
        assert len(STATEMENTS.of(not_modified)) == 1, sent  # the version read, nothing else
    assert _post(cached, NAME, headers={"If-None-Match": '"other"'}).status_code == 200


def test_get_requests_get_etags_and_304(cached, dataset_graph, settings):
    expected = run_cypher(dataset_graph, settings, DIRECT_NAME)[0]["name"]
    response = cached.get("/graphql", params={"query": NAME})
    assert response.json() == {"data": {"cluster": {"key": "yantan-pump-valve", "name": expected}}}
    again = cached.get(
        "/graphql", params={"query": NAME}, headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


def test_the_key_is_the_request_not_its_spelling_of_variables(cached, dataset_graph):
    """The same variables in another order hit; other values miss."""
    query = "query($a: Int!, $b: Int!) { clusters(first: $a) { nodes { key } } industries(first: $b) { nodes { key } } }"
    assert _post(cached, query, {"a": 2, "b": 3}).headers["x-cache"] == "MISS"
    assert _post(cached, query, {"b": 3, "a": 2}).headers["x-cache"] == "HIT"
    assert _post(cached, query, {"a": 3, "b": 3}).headers["x-cache"] == "MISS"


def test_graphql_response_media_type_has_its_own_etag(cached, dataset_graph):
    plain = _post(cached, NAME)
    graphql = _post(cached, NAME, headers={"Accept": "application/graphql-response+json"})
    assert graphql.headers["content-type"].startswith("application/graphql-response+json")
    assert graphql.content == plain.content
    assert graphql.headers["etag"] != plain.headers["etag"]


def test_a_write_through_the_api_is_seen_by_the_next_read(cached_fresh, settings):
    before = _post(cached_fresh, NAME)
    editor = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    mutation = (
        'mutation { updateCluster(input: {key: "yantan-pump-valve", name: "Renamed"}) { errors { code } } }'
    )
    written = _post(cached_fresh, mutation, headers=editor)
    assert written.json()["data"]["updateCluster"]["errors"] == []
    assert "etag" not in written.headers
    assert "x-cache" not in written.headers
    after = _post(cached_fresh, NAME, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["x-cache"] == "MISS"
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["data"]["cluster"]["name"] == "Renamed"


def test_a_write_straight_in_cypher_is_seen_by_the_next_read(cached_fresh, fresh_dataset_graph, settings):
    """Whoever writes (here: a Cypher statement, as from Neo4j Browser), the version changes and the cache misses."""
    assert _post(cached_fresh, NAME).headers["x-cache"] == "MISS"
    assert _post(cached_fresh, NAME).headers["x-cache"] == "HIT"
    run_cypher(
        fresh_dataset_graph, settings, "MATCH (c:Cluster {id: 'yantan-pump-valve'}) SET c.name = 'Edited'"
    )
    after = _post(cached_fresh, NAME)
    assert after.headers["x-cache"] == "MISS"
    assert (
        after.json()["data"]["cluster"]["name"]
        == run_cypher(fresh_dataset_graph, settings, DIRECT_NAME)[0]["name"]
    )
    assert after.json()["data"]["cluster"]["name"] == "Edited"


def test_an_answer_read_at_another_version_is_not_kept(cached, dataset_graph, monkeypatch):
    """When a write lands between the version read and the query (simulated: the version read reports an older
    version), the answer carries no ETag and is not stored."""

    async def stale_version(self: Repository) -> str:
        return "an older version"

    monkeypatch.setattr(Repository, "graph_version", stale_version)
    query = '{ cluster(id: "yantan-pump-valve") { key industry { name } } }'
    for _ in range(2):
        response = _post(cached, query)
        assert response.status_code == 200
        assert "etag" not in response.headers
        assert "x-cache" not in response.headers
    monkeypatch.undo()
    assert _post(cached, query).headers["x-cache"] == "MISS"


@pytest.mark.parametrize(
    "query",
    [
        '{ cluster(id: "yantan-pump-valve") { noSuchField } }',  # invalid: a request error
        "{ clusters(first: 100000) { nodes { key } } }",  # a field error (page size over the limit)
        "{ clusters { nodes { key } ",  # does not parse
    ],
)
def test_errors_are_never_cached(cached, dataset_graph, query):
    for _ in range(2):
        response = _post(cached, query)
        assert "errors" in response.json()
        assert "etag" not in response.headers
        assert "x-cache" not in response.headers


def test_a_browser_asking_for_graphiql_is_not_served_from_the_cache(cached, dataset_graph):
    response = cached.get("/graphql", params={"query": NAME}, headers={"Accept": "text/html"})
    assert "etag" not in response.headers


def test_large_answers_get_an_etag_but_are_not_kept(settings, dataset_graph):
    with _cached_app(settings, http_cache_max_body_bytes=10) as cached:
        first = _post(cached, NAME)
        second = _post(cached, NAME)
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "MISS")
        assert _post(cached, NAME, headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_tokens_are_checked_before_the_cache_and_answers_are_private(settings, dataset_graph):
    with _cached_app(settings, require_token_for_reads=True) as cached:
        reader = {"Authorization": f"Bearer {create_token(settings, Role.READER)}"}
        first = _post(cached, NAME, headers=reader)
        assert _post(cached, NAME, headers=reader).headers["x-cache"] == "HIT"
        assert first.headers["cache-control"] == "private, no-cache"
        refused = _post(cached, NAME, headers={"If-None-Match": first.headers["etag"]})
        assert refused.status_code == 401
        assert "data" not in refused.json() or refused.json()["data"] is None


def test_graph_version_changes_with_every_write_and_only_then(client, fresh_dataset_graph, settings):
    repo = client.app.state.repo  # type: ignore[attr-defined]
    portal = client.portal  # type: ignore[attr-defined]
    first = portal.call(repo.graph_version)
    assert portal.call(repo.graph_version) == first
    run_cypher(
        fresh_dataset_graph, settings, "MATCH (c:Cluster {id: 'yantan-pump-valve'}) SET c.name = 'Again'"
    )
    assert portal.call(repo.graph_version) != first


@pytest.mark.parametrize(
    ("query", "operation", "cacheable"),
    [
        ("{ clusters { totalCount } }", None, True),
        ("query A { clusters { totalCount } } mutation B { __typename }", "A", True),
        ("query A { clusters { totalCount } } mutation B { __typename }", "B", False),
        ("query A { clusters { totalCount } } query C { __typename }", None, False),  # which one: an error
        ("mutation { __typename }", None, False),
        ("subscription { __typename }", None, False),
        ("{ clusters { ", None, False),
    ],
)
def test_only_query_operations_are_cacheable(settings, query, operation, cacheable):
    assert HttpCache(settings)._query_operation(query, operation) is cacheable


def test_if_none_match_parsing():
    assert matches('"a"', '"a"')
    assert matches('W/"a"', '"a"')
    assert matches(' "b" , "a"', '"a"')
    assert matches("*", '"a"')
    assert not matches('"b"', '"a"')
    assert not matches(None, '"a"')
    assert not matches("", '"a"')


def test_when_the_version_cannot_be_read_the_query_runs_uncached(cached, client, dataset_graph, monkeypatch):
    """A failing version read (Neo4j away for a moment) is not a 500: the query runs as without the cache (and
    meets, or not, the same trouble, reported as usual)."""
    from neo4j.exceptions import ServiceUnavailable

    async def unavailable(self: Repository) -> str:
        raise ServiceUnavailable("connection refused")

    monkeypatch.setattr(Repository, "graph_version", unavailable)
    response = _post(cached, NAME)
    assert response.status_code == 200
    assert "etag" not in response.headers
    assert "x-cache" not in response.headers
    assert response.content == _post(client, NAME).content
