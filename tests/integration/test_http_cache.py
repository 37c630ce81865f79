"""HTTP caching of query answers (`http_cache`): ETags, 304 Not Modified and the per-worker answer cache, keyed by
the request and the graph version. Every expected answer comes from the app with the cache off or from Cypher.
With the version read per query (`http_cache_max_staleness_ms=0`), every write (through the API or straight in
Cypher, as an analyst in Neo4j Browser would) must be seen at once; with a bound, a write through the API still is,
and one made elsewhere is seen once the bound has passed. Round trips are counted by the app's statement observer
(`on_statement`), which sees every statement a request sends, the version read included.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
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
    """A cached app that reads the version per query (bound 0), unless `changes` names a staleness bound: the
    tests below it check the bounded version check."""
    update = {"http_cache": True, "http_cache_max_staleness_ms": 0, **changes}
    return TestClient(create_app(settings.model_copy(update=update), on_statement=STATEMENTS))


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


# --- the bounded version check (http_cache_max_staleness_ms) -------------------------------------------------------

#: Long enough that a test's few requests all fall within it, however loaded the machine; the tests that need a
#: bound to pass use a short one and wait for it.
BOUND_MS = 60_000
WAIT_BOUND_S = 0.3


def _bounded_app(settings: Settings, bound_ms: int = BOUND_MS) -> TestClient:
    return _cached_app(settings, http_cache_max_staleness_ms=bound_ms)


def _direct_name(driver: Driver, settings: Settings) -> str:
    name: str = run_cypher(driver, settings, DIRECT_NAME)[0]["name"]
    return name


def test_with_a_bound_a_warm_hit_sends_no_statement(settings, dataset_graph):
    """Within the bound, the first query reads the version and runs; the same query again is answered from the cache
    with no statement at all, and so is its 304."""
    with _bounded_app(settings) as cached:
        first, first_trips = _round_trips(cached, NAME)
        second, second_trips = _round_trips(cached, NAME)
        not_modified = _post(cached, NAME, headers={"If-None-Match": first.headers["etag"]})
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert (first_trips, second_trips) == (2, 0)
    assert not_modified.status_code == 304
    assert STATEMENTS.of(not_modified) == []
    expected = _direct_name(dataset_graph, settings)
    assert second.json() == {"data": {"cluster": {"key": "yantan-pump-valve", "name": expected}}}


def test_with_a_bound_a_miss_sends_only_its_query(settings, dataset_graph):
    """Another query within the bound runs its own statement and nothing else (the version is the worker's)."""
    with _bounded_app(settings) as cached:
        _post(cached, NAME)
        other, trips = _round_trips(cached, CLUSTER, {"key": "yantan-pump-valve"})
    assert other.headers["x-cache"] == "MISS"
    assert trips == 1


def test_with_a_bound_a_write_through_the_api_is_seen_at_once(settings, fresh_dataset_graph):
    """A mutation through this worker's API makes the next read check the version again: never a stale answer."""
    editor = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    mutation = (
        'mutation { updateCluster(input: {key: "yantan-pump-valve", name: "Renamed"}) { errors { code } } }'
    )
    with _bounded_app(settings) as cached:
        before = _post(cached, NAME)
        assert _post(cached, NAME).headers["x-cache"] == "HIT"
        assert _post(cached, mutation, headers=editor).json()["data"]["updateCluster"]["errors"] == []
        after, trips = _round_trips(cached, NAME)
        again, again_trips = _round_trips(cached, NAME)
    assert _direct_name(fresh_dataset_graph, settings) == "Renamed"
    assert after.headers["x-cache"] == "MISS"
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["data"]["cluster"]["name"] == "Renamed"
    assert trips == 2  # the version read again, then the query
    assert (again.headers["x-cache"], again_trips) == ("HIT", 0)


def test_with_a_bound_a_write_straight_in_cypher_is_seen_once_the_bound_has_passed(
    settings, fresh_dataset_graph
):
    """A write the worker is not told of (a Cypher statement, as from Neo4j Browser) is seen after the bound; what
    comes before is not asserted (it may be the older answer, which the bound allows)."""
    bound_ms = 100
    with _bounded_app(settings, bound_ms) as cached:
        assert _post(cached, NAME).headers["x-cache"] == "MISS"
        run_cypher(
            fresh_dataset_graph, settings, "MATCH (c:Cluster {id: 'yantan-pump-valve'}) SET c.name = 'Edited'"
        )
        time.sleep(bound_ms / 1000 + WAIT_BOUND_S)
        after, trips = _round_trips(cached, NAME)
    assert after.headers["x-cache"] == "MISS"
    assert after.json()["data"]["cluster"]["name"] == _direct_name(fresh_dataset_graph, settings) == "Edited"
    assert trips == 2


def test_with_a_bound_version_reads_are_shared_and_none_when_idle(settings, dataset_graph):
    """Past the bound, concurrent queries share one version read (a read that started after a query asked is young
    enough for it); with no query, the worker reads nothing."""

    async def scenario() -> tuple[int, int, int]:
        app = create_app(
            settings.model_copy(update={"http_cache": True, "http_cache_max_staleness_ms": 1000})
        )
        async with app.router.lifespan_context(app):
            watcher = app.state.live.watcher
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                await client.post("/graphql", json={"query": NAME})
                await asyncio.sleep(1.1)  # past the bound
                before = watcher.reads
                responses = await asyncio.gather(
                    *(client.post("/graphql", json={"query": NAME}) for _ in range(8))
                )
                assert all(r.status_code == 200 for r in responses)
                shared = watcher.reads - before
                idle_from = watcher.reads
                await asyncio.sleep(0.4)
                return shared, watcher.reads - idle_from, len(responses)

    shared, idle, sent = asyncio.run(scenario())
    assert sent == 8
    assert shared == 1
    assert idle == 0


def test_with_the_bound_at_zero_every_query_reads_the_version(settings, dataset_graph):
    """Bound 0 is the check per query: a hit sends the version read, nothing else."""
    with _bounded_app(settings, 0) as cached:
        _post(cached, NAME)
        hits = [_round_trips(cached, NAME) for _ in range(3)]
    assert [(r.headers["x-cache"], trips) for r, trips in hits] == [("HIT", 1)] * 3


def test_with_a_bound_a_request_with_newer_bookmarks_is_not_answered_stale(settings, fresh_dataset_graph):
    """A write made through another worker (here: another app on the same database, which this one is not told
    of) hands the client bookmarks; sent to this worker within its bound, they make it read the version after
    them, so the answer is the written one, not the cached one."""
    editor = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    mutation = (
        'mutation { updateCluster(input: {key: "yantan-pump-valve", name: "Elsewhere"}) { errors { code } } }'
    )
    with _bounded_app(settings) as cached, _bounded_app(settings) as other:
        assert _post(cached, NAME).headers["x-cache"] == "MISS"
        assert _post(cached, NAME).headers["x-cache"] == "HIT"
        written = _post(other, mutation, headers=editor)
        assert written.json()["data"]["updateCluster"]["errors"] == []
        bookmarks = written.headers["x-neo4j-bookmarks"]
        after, trips = _round_trips_with(cached, NAME, {"X-Neo4j-Bookmarks": bookmarks})
        without = _post(
            cached, NAME
        )  # within the bound, without bookmarks: the bound allows the older answer
    assert _direct_name(fresh_dataset_graph, settings) == "Elsewhere"
    assert after.json()["data"]["cluster"]["name"] == "Elsewhere"
    assert trips == 2  # the version read in the request's scope, then the query
    assert without.status_code == 200


def test_with_a_bound_a_request_holding_the_workers_version_sends_no_statement(settings, fresh_dataset_graph):
    """The client's own write through this worker: its bookmarks are the version the worker read after it, so the
    next hit carrying them needs no round trip."""
    editor = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    mutation = (
        'mutation { updateCluster(input: {key: "yantan-pump-valve", name: "Mine"}) { errors { code } } }'
    )
    with _bounded_app(settings) as cached:
        written = _post(cached, mutation, headers=editor)
        bookmarks = {"X-Neo4j-Bookmarks": written.headers["x-neo4j-bookmarks"]}
        first, _ = _round_trips_with(cached, NAME, bookmarks)
        second, trips = _round_trips_with(cached, NAME, bookmarks)
    assert first.json()["data"]["cluster"]["name"] == "Mine" == _direct_name(fresh_dataset_graph, settings)
    assert (second.headers["x-cache"], trips) == ("HIT", 0)


def _round_trips_with(client: TestClient, query: str, headers: dict[str, str]) -> tuple[Any, int]:
    response = _post(client, query, headers=headers)
    return response, len(STATEMENTS.of(response))
