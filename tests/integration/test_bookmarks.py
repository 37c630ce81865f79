"""Read-your-writes across processes: a write returns bookmarks, and a request that sends them back sees it."""

from __future__ import annotations

from starlette.testclient import TestClient

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.view import BOOKMARK_HEADER
from conftest import gql, run_cypher

CREATE = """mutation { createEnterprise(input: {key: "bookmark-test", name: "Bookmark Test", nameZh: "书签"})
  { enterprise { key } errors { code } } }"""
READ = '{ enterprise(id: "bookmark-test") { key name } }'


def test_write_returns_bookmarks_that_another_process_waits_for(client, fresh_dataset_graph, settings):
    """The mutation's response carries bookmarks; a second app (another replica) given them reads the write."""
    editor = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    response = client.post("/graphql", json={"query": CREATE}, headers=editor)
    assert response.json()["data"]["createEnterprise"]["errors"] == []
    bookmarks = response.headers.get(BOOKMARK_HEADER)
    assert bookmarks
    with TestClient(create_app(settings)) as replica:
        body = gql(replica, READ, headers={BOOKMARK_HEADER: bookmarks})
    assert body["data"]["enterprise"] == {"key": "bookmark-test", "name": "Bookmark Test"}
    stored = run_cypher(
        fresh_dataset_graph, settings, "MATCH (e:Enterprise {id: 'bookmark-test'}) RETURN e.name AS n"
    )
    assert stored == [{"n": "Bookmark Test"}]


def test_reads_return_no_bookmarks(client, dataset_graph):
    """Only writes produce bookmarks."""
    response = client.post("/graphql", json={"query": "{ clusters { totalCount } }"})
    assert response.status_code == 200
    assert BOOKMARK_HEADER not in response.headers


def test_malformed_bookmarks_are_refused_with_the_header_named(client, dataset_graph):
    """Too many bookmarks (or unprintable ones) are a 400 that names the header; nothing is read."""
    response = client.post(
        "/graphql",
        json={"query": "{ clusters { totalCount } }"},
        headers={BOOKMARK_HEADER: ",".join(f"b{i}" for i in range(40))},
    )
    assert response.status_code == 400
    assert BOOKMARK_HEADER in response.json()["errors"][0]["message"]
