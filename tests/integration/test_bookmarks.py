"""Read-your-writes across processes: a write returns bookmarks, and a request that sends them back sees it; a
bookmark the service did not issue is refused before any database work."""

from __future__ import annotations

import asyncio
import base64

import pytest
from neo4j.exceptions import Neo4jError
from pydantic import SecretStr
from starlette.testclient import TestClient

from clustergraph import bookmarks
from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.db import RequestScope, create_async_driver, read
from clustergraph.view import BOOKMARK_HEADER
from conftest import STATEMENTS, gql, run_cypher

#: A bookmark an attacker made up: the system database at a far-future transaction. Neo4j would hold each
#: transaction given it waiting for that state (30 s by default), longer than the request's deadline.
FORGED_SYSTEM_BOOKMARK = "FB:kcwQAAAAAAAAAAAAAAAAAAAAAcp3NZQAkA=="

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


def _refused(client, header: str):
    response = client.post(
        "/graphql", json={"query": "{ clusters { totalCount } }"}, headers={BOOKMARK_HEADER: header}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert BOOKMARK_HEADER in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    request_id = response.headers["x-request-id"]
    assert error["extensions"]["requestId"] == request_id
    assert request_id in error["message"]
    assert STATEMENTS.of(response) == []  # refused before any database work
    return error


def test_malformed_bookmarks_are_refused_with_the_header_named(client, dataset_graph):
    """Too many bookmarks (or unprintable ones) are a 400 that names the header; nothing is read."""
    _refused(client, ",".join(f"b{i}" for i in range(40)))


def test_a_forged_raw_bookmark_is_refused_at_once(client, dataset_graph):
    """The attack: a raw Neo4j bookmark for the system database far in the future. It is not a token this service
    issued, so it is a 400 (BAD_USER_INPUT, with the request id) and never reaches Neo4j."""
    _refused(client, FORGED_SYSTEM_BOOKMARK)


def _a_real_token(client, settings) -> str:
    editor = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    response = client.post("/graphql", json={"query": CREATE}, headers=editor)
    assert response.json()["data"]["createEnterprise"]["errors"] == []
    return response.headers[BOOKMARK_HEADER]


def test_a_token_whose_bookmarks_were_changed_is_refused(client, fresh_dataset_graph, settings):
    """An issued token with the forged bookmark put in place of its own (its MAC kept) does not verify."""
    prefix, _payload, mac = _a_real_token(client, settings).split(".")
    forged = base64.urlsafe_b64encode(f'["{FORGED_SYSTEM_BOOKMARK}"]'.encode()).rstrip(b"=").decode()
    _refused(client, f"{prefix}.{forged}.{mac}")


def test_a_token_for_another_database_or_key_is_refused(client, dataset_graph, settings):
    """Tokens sealed for the system database, or with another key, are refused: only this service's bookmarks of
    its own database are accepted."""
    for_system = bookmarks.seal(
        settings.model_copy(update={"neo4j_database": "system"}), [FORGED_SYSTEM_BOOKMARK]
    )
    _refused(client, for_system)
    other_key = settings.model_copy(update={"bookmark_secret": SecretStr("another-service-" * 4)})
    _refused(client, bookmarks.seal(other_key, [FORGED_SYSTEM_BOOKMARK]))


def test_replicas_sharing_a_secret_accept_each_others_tokens(settings):
    """With a configured secret (BOOKMARK_SECRET, or a JWT_SECRET of one's own) every process seals alike, so a
    token from one replica verifies in another; the raw bookmarks come back as they were."""
    shared = {"jwt_secret": SecretStr("a-deployment-secret-of-32-bytes-or-more")}
    one = settings.model_copy(update=shared)
    other = settings.model_copy(update=shared)
    token = bookmarks.seal(one, ["FB:a", "FB:b"])
    assert bookmarks.unseal(other, token) == ["FB:a", "FB:b"]
    with pytest.raises(bookmarks.BookmarkError):
        bookmarks.unseal(settings, token)  # the development key is this process's own


async def test_each_transaction_is_bounded_by_what_remains_of_the_request(settings, dataset_graph):
    """A request whose deadline is half a second away runs a transaction that would take minutes, with a
    transaction timeout of a minute given: Neo4j stops it with TransactionTimedOut, because its timeout is what
    remains of the request, not the full timeout. (The outer guard only turns a missing bound into a failure
    instead of a hang.)"""
    long_count = "UNWIND range(1, 100000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS n"
    driver = create_async_driver(settings)
    try:
        scope = RequestScope(deadline=asyncio.get_running_loop().time() + 0.5)
        with pytest.raises(Neo4jError) as raised:
            async with asyncio.timeout(30):
                await read(driver, settings.neo4j_database, long_count, {}, timeout_s=60.0, scope=scope)
        assert "TransactionTimedOut" in (raised.value.code or "")
    finally:
        await driver.close()
