"""Persisted documents: automatic persisted queries (Apollo's protocol, over POST and GET), trusted documents
(`clustergraph documents build`, TRUSTED_DOCUMENTS, TRUSTED_DOCUMENTS_ONLY) and edge caching (Cache-Control, Vary).
Every expected answer is computed straight in Cypher, every expected hash with hashlib.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient
from typer.testing import CliRunner

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.cli import app as cli_app
from clustergraph.cypher.statements import PING
from clustergraph.documents import ManifestError
from clustergraph.settings import Settings
from conftest import STATEMENTS, run_cypher

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]

CLUSTERS = "query Clusters($first: Int!) { clusters(first: $first, orderBy: [{field: KEY}]) { totalCount nodes { key name } } }"
DIRECT_CLUSTERS = """
MATCH (c:Cluster) WITH c ORDER BY c.id
WITH collect({key: c.id, name: c.name}) AS rows
RETURN size(rows) AS totalCount, rows[0..$first] AS nodes
"""
CITY = 'query City { city(id: "510100") { key nameZh } }'
DIRECT_CITY = "MATCH (c:City {id: '510100'}) RETURN c.id AS key, c.nameZh AS nameZh"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(text)}}


def expected_clusters(driver: Driver, settings: Settings, first: int) -> dict[str, Any]:
    row = run_cypher(driver, settings, DIRECT_CLUSTERS, first=first)[0]
    return {"clusters": {"totalCount": row["totalCount"], "nodes": row["nodes"]}}


def _app(settings: Settings, **changes: Any) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=changes), on_statement=STATEMENTS))


def _get(client: TestClient, text: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """A GET naming its document by hash, as Apollo Client's persisted-query link sends it (no `query`)."""
    params = {
        "operationName": "Clusters" if "Clusters" in text else None,
        "variables": json.dumps(variables or {}),
        "extensions": json.dumps(persisted(text)),
    }
    return client.get("/graphql", params={k: v for k, v in params.items() if v is not None}, **kwargs)


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.fixture
def apq(settings: Settings, dataset_graph: Driver) -> Iterator[TestClient]:
    with _app(settings) as client:
        yield client


# --- automatic persisted queries ----------------------------------------------------------------------------


def test_hash_only_is_not_found_then_found_once_sent_with_its_document(apq, dataset_graph, settings):
    """Apollo's protocol over POST: the hash alone is PERSISTED_QUERY_NOT_FOUND (message and code as the link
    expects), the hash with the document answers, and then the hash alone gives the same answer."""
    expected = expected_clusters(dataset_graph, settings, 3)
    by_hash = {"variables": {"first": 3}, "extensions": persisted(CLUSTERS)}
    missing = apq.post("/graphql", json=by_hash)
    body = missing.json()
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert body["errors"][0]["extensions"]["sha256Hash"] == sha256(CLUSTERS)
    assert "data" not in body
    assert STATEMENTS.of(missing) == []  # nothing ran
    sent = apq.post("/graphql", json={**by_hash, "query": CLUSTERS})
    assert sent.json() == {"data": expected}
    again = apq.post("/graphql", json=by_hash)
    assert again.json() == {"data": expected}
    # The hash is only the document's: other variables, another answer.
    assert apq.post("/graphql", json={**by_hash, "variables": {"first": 1}}).json() == {
        "data": expected_clusters(dataset_graph, settings, 1)
    }


def test_not_found_is_a_request_error_with_the_graphql_response_media_type(apq, dataset_graph):
    """With application/graphql-response+json a request error is a 400 (the link reads the body all the same)."""
    response = apq.post(
        "/graphql",
        json={"extensions": persisted("{ __typename }")},
        headers={"Accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400
    assert _codes(response.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_a_hash_that_is_not_the_documents_is_refused(apq, dataset_graph):
    response = apq.post(
        "/graphql",
        json={"query": CITY, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}},
    )
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert sha256(CITY) in error["message"]
    assert "ab" * 32 in error["message"]
    assert STATEMENTS.of(response) == []
    # and nothing was remembered under the wrong hash
    wrong = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}}
    assert _codes(apq.post("/graphql", json=wrong).json()) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize(
    ("persisted_query", "says"),
    [
        ({"version": 2, "sha256Hash": "ab" * 32}, "Unsupported persisted query version 2"),
        ({"version": 1, "sha256Hash": "xyz"}, "64 hex digits, not 'xyz'"),
        ({"version": 1}, "64 hex digits, not None"),
        ("abc", "must be an object"),
    ],
)
def test_a_malformed_persisted_query_extension_says_what_is_wrong(apq, dataset_graph, persisted_query, says):
    body = apq.post("/graphql", json={"extensions": {"persistedQuery": persisted_query}}).json()
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert says in error["message"]


def test_a_document_that_does_not_validate_is_not_remembered(apq, dataset_graph):
    bad = "{ clusters { noSuchField } }"
    refused = apq.post("/graphql", json={"query": bad, "extensions": persisted(bad)}).json()
    assert "noSuchField" in refused["errors"][0]["message"]
    assert _codes(apq.post("/graphql", json={"extensions": persisted(bad)}).json()) == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]


def test_the_store_is_bounded_and_forgets_the_least_recently_used(settings, dataset_graph):
    with _app(settings, persisted_query_cache_size=2) as client:
        documents = [f"{{ a{i}: __typename }}" for i in range(3)]
        for text in documents:
            assert (
                client.post("/graphql", json={"query": text, "extensions": persisted(text)}).status_code
                == 200
            )
        found = [
            "errors" not in client.post("/graphql", json={"extensions": persisted(text)}).json()
            for text in documents
        ]
        assert found == [False, True, True]


def test_without_a_store_hashes_are_not_supported(settings, dataset_graph):
    """PERSISTED_QUERY_CACHE_SIZE=0: the link is told PERSISTED_QUERY_NOT_SUPPORTED and stops sending hashes."""
    with _app(settings, persisted_query_cache_size=0) as client:
        body = client.post("/graphql", json={"extensions": persisted(CITY)}).json()
        assert body["errors"][0]["message"] == "PersistedQueryNotSupported"
        assert _codes(body) == ["PERSISTED_QUERY_NOT_SUPPORTED"]
        # a document sent with its hash still runs
        assert (
            "errors"
            not in client.post("/graphql", json={"query": CITY, "extensions": persisted(CITY)}).json()
        )


def test_get_by_hash_answers_and_a_mutation_by_hash_is_still_refused_over_get(apq, dataset_graph, settings):
    """GET with `extensions` and no `query` (even accepting */*, which would otherwise be GraphiQL) answers the
    remembered document; a mutation remembered by hash is refused over GET (405) as when sent in full."""
    expected = run_cypher(dataset_graph, settings, DIRECT_CITY)[0]
    assert _codes(_get(apq, CITY).json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    apq.post("/graphql", json={"query": CITY, "extensions": persisted(CITY)})
    response = _get(apq, CITY, headers={"Accept": "*/*"})
    assert response.json() == {"data": {"city": expected}}
    mutation = 'mutation Drop { deleteCluster(key: "no-such-cluster") { errors { code } } }'
    apq.post("/graphql", json={"query": mutation, "extensions": persisted(mutation)})
    refused = apq.get("/graphql", params={"extensions": json.dumps(persisted(mutation))})
    assert refused.status_code == 405
    assert refused.json()["errors"][0]["message"] == "A mutation cannot be sent with GET; use POST."


# --- edge caching ---------------------------------------------------------------------------------------------


@pytest.fixture
def edge(settings: Settings, dataset_graph: Driver) -> Iterator[TestClient]:
    with _app(
        settings, http_cache=True, edge_cache_max_age_s=60, edge_cache_stale_while_revalidate_s=30
    ) as client:
        yield client


def test_get_by_hash_is_cacheable_public_for_anonymous_reads(edge, dataset_graph, settings):
    """A persisted-query GET gets an ETag, `public, max-age, stale-while-revalidate` and a Vary naming what the
    answer depends on; the same URL with If-None-Match is a 304 without the query running; the not-found answer
    before it is never stored."""
    expected = expected_clusters(dataset_graph, settings, 2)
    missing = _get(edge, CLUSTERS, {"first": 2})
    assert _codes(missing.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert missing.headers["cache-control"] == "no-store"
    assert "etag" not in missing.headers
    # As Apollo Client's link retries: a POST with the document, its operation's name and the same variables.
    sent = {"query": CLUSTERS, "operationName": "Clusters", "variables": {"first": 2}}
    edge.post("/graphql", json={**sent, "extensions": persisted(CLUSTERS)})
    first = _get(edge, CLUSTERS, {"first": 2})
    assert first.json() == {"data": expected}
    assert (
        first.headers["x-cache"] == "HIT"
    )  # the POST that sent the document filled the cache: same document
    assert first.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=30"
    vary = {v.strip().lower() for v in first.headers["vary"].split(",")}
    assert {"accept", "authorization", "x-neo4j-bookmarks"} <= vary
    repeat = _get(edge, CLUSTERS, {"first": 2}, headers={"If-None-Match": first.headers["etag"]})
    assert repeat.status_code == 304
    assert repeat.headers["etag"] == first.headers["etag"]
    assert repeat.headers["cache-control"] == first.headers["cache-control"]
    # The graph version read at most (none while the worker's is within HTTP_CACHE_MAX_STALENESS_MS), nothing else.
    assert STATEMENTS.of(repeat) in ([], [PING])


def test_only_known_extensions_are_cached(edge, dataset_graph):
    """Apollo Client's name and version are part of the key; an extension the cache does not know makes the
    request uncacheable (it may change the answer)."""
    library = {"clientLibrary": {"name": "@apollo/client", "version": "4.0.7"}}
    first = edge.post("/graphql", json={"query": CITY, "extensions": library})
    assert first.headers["x-cache"] in {"MISS", "HIT"}
    assert edge.post("/graphql", json={"query": CITY, "extensions": library}).headers["x-cache"] == "HIT"
    other = edge.post("/graphql", json={"query": CITY, "extensions": {"somethingElse": True}})
    assert "etag" not in other.headers
    assert other.headers["cache-control"] == "no-store"


def test_never_public_with_a_token(edge, dataset_graph, settings):
    """A request with an Authorization header is private; an invalid token never reaches the cache (401)."""
    reader = {"Authorization": f"Bearer {create_token(settings, Role.READER)}"}
    anonymous = edge.post("/graphql", json={"query": CITY})
    assert anonymous.headers["cache-control"].startswith("public")
    with_token = edge.post("/graphql", json={"query": CITY}, headers=reader)
    assert with_token.headers["cache-control"] == "private, no-cache"
    assert with_token.content == anonymous.content
    by_get = edge.get("/graphql", params={"query": CITY}, headers=reader)
    assert by_get.headers["cache-control"] == "private, no-cache"
    invalid = edge.get("/graphql", params={"query": CITY}, headers={"Authorization": "Bearer not-a-token"})
    assert invalid.status_code == 401
    assert "public" not in invalid.headers.get("cache-control", "")


def test_answers_that_may_not_be_kept_are_no_store(edge, dataset_graph, settings):
    errors = edge.post("/graphql", json={"query": "{ clusters(first: 5000) { totalCount } }"})
    assert errors.headers["cache-control"] == "no-store"
    editor = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    mutation = 'mutation { deleteCluster(key: "no-such-cluster") { errors { code } } }'
    assert (
        edge.post("/graphql", json={"query": mutation}, headers=editor).headers["cache-control"] == "no-store"
    )


def test_without_edge_caching_answers_stay_no_cache(settings, dataset_graph):
    with _app(settings, http_cache=True) as client:
        response = client.post("/graphql", json={"query": CITY})
        assert response.headers["cache-control"] == "no-cache"
        assert "authorization" in response.headers["vary"].lower()


def test_edge_caching_needs_the_http_cache(settings):
    with pytest.raises(ValueError, match="EDGE_CACHE_MAX_AGE_S needs HTTP_CACHE=true"):
        Settings(_env_file=None, edge_cache_max_age_s=60)  # type: ignore[call-arg]


# --- trusted documents -------------------------------------------------------------------------------------


FRONTEND = {
    "cards/clusters.graphql": CLUSTERS + "\n",
    "city.graphql": CITY,
}


def _frontend(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "frontend"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _build(tmp_path: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Path]:
    monkeypatch.chdir(tmp_path)  # no .env of the project is read
    output = tmp_path / "manifest.json"
    result = CliRunner().invoke(
        cli_app, ["documents", "build", str(_frontend(tmp_path, files)), "-o", str(output)]
    )
    return result, output


def test_documents_build_writes_hash_to_document(tmp_path, monkeypatch):
    result, output = _build(tmp_path, FRONTEND, monkeypatch)
    assert result.exit_code == 0, result.output
    assert json.loads(output.read_text(encoding="utf-8")) == {
        sha256(text): text for text in FRONTEND.values()
    }
    assert "2 document(s)" in result.output


def test_documents_build_refuses_a_document_that_would_not_run(tmp_path, monkeypatch):
    files = {**FRONTEND, "broken.graphql": "query Broken { clusters { noSuchField } }"}
    result, output = _build(tmp_path, files, monkeypatch)
    assert result.exit_code == 1
    assert "broken.graphql (operations: Broken)" in result.output
    assert "noSuchField" in result.output
    assert not output.exists()


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({sha256(text): text for text in FRONTEND.values()}), encoding="utf-8")
    return path


@pytest.fixture
def trusted_only(settings: Settings, dataset_graph: Driver, manifest: Path) -> Iterator[TestClient]:
    with _app(settings, trusted_documents=manifest, trusted_documents_only=True) as client:
        yield client


def test_trusted_only_refuses_an_unregistered_document_before_parsing(trusted_only, dataset_graph):
    """A document that does not even parse gets UNTRUSTED_DOCUMENT, not a syntax error: it was never parsed; nor
    is one over the token limit (the limit is the parser's) or a valid, unregistered query."""
    for text in ("{ clusters { ", "{ " + "a " * 5000 + "}", "{ __typename }"):
        for response in (
            trusted_only.post("/graphql", json={"query": text}),
            trusted_only.get("/graphql", params={"query": text}),
        ):
            assert _codes(response.json()) == ["UNTRUSTED_DOCUMENT"], response.json()
            assert STATEMENTS.of(response) == []


def test_trusted_only_refuses_before_parsing_with_the_http_cache_on_too(settings, dataset_graph, manifest):
    """The HTTP cache reads a request's document to key it: it too leaves an unregistered one unparsed."""
    with _app(settings, trusted_documents=manifest, trusted_documents_only=True, http_cache=True) as client:
        for response in (
            client.post("/graphql", json={"query": "{ clusters { "}),
            client.get("/graphql", params={"query": "{ clusters { "}),
        ):
            assert _codes(response.json()) == ["UNTRUSTED_DOCUMENT"]
            assert STATEMENTS.of(response) == []  # not even the graph version was read
        registered = client.get("/graphql", params={"extensions": json.dumps(persisted(CITY))})
        assert registered.headers["x-cache"] == "MISS"
        assert client.get("/graphql", params={"query": CITY}).headers["x-cache"] == "HIT"


def test_trusted_only_refuses_unregistered_hashes_and_does_not_learn_them(trusted_only, dataset_graph):
    text = "{ __typename }"
    for body in ({"extensions": persisted(text)}, {"query": text, "extensions": persisted(text)}):
        assert _codes(trusted_only.post("/graphql", json=body).json()) == ["UNTRUSTED_DOCUMENT"]


def test_trusted_only_accepts_registered_documents_by_hash_and_by_text(trusted_only, dataset_graph, settings):
    expected = expected_clusters(dataset_graph, settings, 4)
    text = FRONTEND["cards/clusters.graphql"]
    by_hash = trusted_only.post("/graphql", json={"variables": {"first": 4}, "extensions": persisted(text)})
    assert by_hash.json() == {"data": expected}
    by_text = trusted_only.post("/graphql", json={"query": text, "variables": {"first": 4}})
    assert by_text.json() == {"data": expected}
    city = run_cypher(dataset_graph, settings, DIRECT_CITY)[0]
    assert _get(trusted_only, CITY).json() == {"data": {"city": city}}
    # the same operation spelled otherwise is another document
    assert _codes(trusted_only.post("/graphql", json={"query": CITY + " "}).json()) == ["UNTRUSTED_DOCUMENT"]


def test_trusted_documents_without_only_run_other_documents_too(settings, dataset_graph, manifest):
    with _app(settings, trusted_documents=manifest) as client:
        assert client.post("/graphql", json={"query": "{ __typename }"}).json() == {
            "data": {"__typename": "Query"}
        }
        registered = client.post("/graphql", json={"extensions": persisted(CITY)}).json()
        assert "errors" not in registered


def test_a_manifest_with_a_document_that_would_not_run_stops_the_start(settings, tmp_path):
    bad = "query TooDeep { clusters { nodes { county { city { clusters { nodes { county { city { clusters { nodes { county { key } } } } } } } } } } } }"
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({sha256(CITY): CITY, sha256(bad): bad}), encoding="utf-8")
    with pytest.raises(ManifestError) as refused:
        create_app(settings.model_copy(update={"trusted_documents": path}))
    message = str(refused.value)
    assert str(path) in message
    assert sha256(bad) in message
    assert "TooDeep" in message
    assert "exceeds maximum operation depth" in message


def test_a_manifest_whose_hash_is_not_its_documents_is_refused(settings, tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"ab" * 32: CITY}), encoding="utf-8")
    with pytest.raises(ManifestError, match=f"the sha256 of the document is {sha256(CITY)}"):
        create_app(settings.model_copy(update={"trusted_documents": path}))


def test_an_apollo_manifest_is_read_too(settings, dataset_graph, tmp_path):
    path = tmp_path / "apollo.json"
    operations = [{"id": sha256(CITY), "name": "City", "type": "query", "body": CITY}]
    path.write_text(
        json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}),
        encoding="utf-8",
    )
    with _app(settings, trusted_documents=path, trusted_documents_only=True) as client:
        city = run_cypher(dataset_graph, settings, DIRECT_CITY)[0]
        assert client.post("/graphql", json={"extensions": persisted(CITY)}).json() == {
            "data": {"city": city}
        }


def test_trusted_only_needs_a_manifest():
    with pytest.raises(ValueError, match="TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS"):
        Settings(_env_file=None, trusted_documents_only=True)  # type: ignore[call-arg]


def test_serve_refuses_a_bad_manifest_with_one_clear_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env of the project is read
    path = tmp_path / "manifest.json"
    bad = "query Broken { clusters { noSuchField } }"
    path.write_text(json.dumps({sha256(bad): bad}), encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["serve"], env={"TRUSTED_DOCUMENTS": str(path)})
    assert result.exit_code == 1
    assert f"document {sha256(bad)} (operations: Broken)" in result.output
    assert "Traceback" not in result.output
