"""Live queries' limits and protocol duties, in-process (Starlette's test client speaks WebSocket): the query limits
on subscription documents, the subscriptions allowed per connection and per worker, the token in
`connection_init`, errors delivered as `next`, keep-alive pings, and every subscription completed at shutdown."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.settings import Settings
from conftest import run_cypher

PROTOCOL = ["graphql-transport-ws"]
COUNT = "subscription { clusters { totalCount } }"


@pytest.fixture
def app_with(settings: Settings, dataset_graph: Any) -> Iterator[Any]:
    """`app_with(**settings)`: a test client of an app with those settings changed."""
    clients: list[TestClient] = []

    def make(**changes: Any) -> TestClient:
        client = TestClient(create_app(settings.model_copy(update=changes)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def initialised(ws: Any, payload: dict[str, Any] | None = None) -> None:
    ws.send_json({"type": "connection_init", "payload": payload or {}})
    assert ws.receive_json() == {"type": "connection_ack"}


def subscribe(ws: Any, operation_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
    ws.send_json(
        {"id": operation_id, "type": "subscribe", "payload": {"query": query, "variables": variables}}
    )


def cluster_count(driver: Any, settings: Settings) -> int:
    return run_cypher(driver, settings, "MATCH (c:Cluster) RETURN count(c) AS n")[0]["n"]  # type: ignore[no-any-return]


def test_a_subscription_document_meets_the_depth_and_cost_limits_of_a_query(app_with):
    """Too deep, or too costly, a subscription is refused with the queries' codes before anything runs."""
    client = app_with(max_query_depth=3)
    deep = "subscription { clusters { nodes { county { city { key } } } } }"
    costly = (
        "subscription { clusters(first: 100) { nodes { enterprises(first: 100) { nodes { "
        "clusters(first: 100) { nodes { key } } } } } } }"
    )
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        initialised(ws)
        subscribe(ws, "deep", deep)
        refused = ws.receive_json()
        assert refused["type"] == "error"
        assert refused["id"] == "deep"
        assert refused["payload"][0]["extensions"] == {"code": "QUERY_TOO_DEEP", "limit": 3}
    client = app_with(max_query_cost=1000)
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        initialised(ws)
        subscribe(ws, "costly", costly)
        refused = ws.receive_json()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert client.app.state.live.queries == {}


def test_an_answer_with_errors_is_sent_as_next_with_its_errors_and_the_subscription_goes_on(
    app_with, dataset_graph, settings
):
    """A refused argument makes the answer's field null with its error, in a `next` message (not a failure of
    the subscription); the other root fields of a document are answered as usual."""
    client = app_with()
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        initialised(ws)
        subscribe(ws, "big", "subscription { clusters(first: 5000) { totalCount } }")
        message = ws.receive_json()
        assert message["type"] == "next"
        assert message["payload"]["data"] == {"clusters": None}
        (error,) = message["payload"]["errors"]
        assert error["path"] == ["clusters"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "5000" in error["message"]
        subscribe(ws, "count", COUNT)
        counted = ws.receive_json()
        assert counted["id"] == "count"
        assert counted["payload"] == {
            "data": {"clusters": {"totalCount": cluster_count(dataset_graph, settings)}}
        }


def test_subscriptions_are_bounded_per_connection_and_per_worker(app_with):
    """Past LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION on one connection, or LIVE_MAX_SUBSCRIPTIONS in the worker, a
    subscription is refused with an error message; the others go on."""
    client = app_with(live_max_subscriptions_per_connection=1)
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        initialised(ws)
        subscribe(ws, "one", COUNT)
        assert ws.receive_json()["type"] == "next"
        subscribe(ws, "two", COUNT)
        refused = ws.receive_json()
        assert refused["type"] == "error"
        assert refused["id"] == "two"
        assert "limit" in refused["payload"][0]["message"].lower()
    client = app_with(live_max_subscriptions=1)
    with (
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as first,
        client.websocket_connect("/graphql", subprotocols=PROTOCOL) as second,
    ):
        initialised(first)
        initialised(second)
        subscribe(first, "one", COUNT)
        assert first.receive_json()["type"] == "next"
        subscribe(second, "two", COUNT)
        refused = second.receive_json()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"] == {"code": "SUBSCRIPTION_LIMIT_REACHED", "limit": 1}
        assert client.app.state.live.subscriber_count == 1


def test_when_reads_need_a_token_it_comes_in_connection_init(app_with, settings):
    """With REQUIRE_TOKEN_FOR_READS, a connection without a token (or with a bad one) is closed with 4403
    Forbidden at `connection_init`; a reader's token in its payload opens it."""
    client = app_with(require_token_for_reads=True)
    for payload in ({}, {"Authorization": "Bearer not-a-token"}):
        with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
            ws.send_json({"type": "connection_init", "payload": payload})
            closed = ws.receive()
            assert closed["type"] == "websocket.close"
            assert closed["code"] == 4403
    token = create_token(settings, Role.READER)
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        initialised(ws, {"Authorization": f"Bearer {token}"})
        subscribe(ws, "count", COUNT)
        assert ws.receive_json()["type"] == "next"
        assert {k.scope for k in client.app.state.live.queries} == {"reader"}


def test_a_quiet_connection_gets_keep_alive_pings(app_with):
    """Once acknowledged, the server pings every LIVE_KEEP_ALIVE_S; a `pong` is all a client sends back."""
    client = app_with(live_keep_alive_s=0.05)
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        initialised(ws)
        assert ws.receive_json() == {"type": "ping"}
        ws.send_json({"type": "pong"})
        assert ws.receive_json() == {"type": "ping"}


def test_at_shutdown_every_subscription_is_completed(app_with):
    """Closing the live queries (what the lifespan does at shutdown) sends `complete` for each subscription."""
    client = app_with()
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        initialised(ws)
        subscribe(ws, "a", COUNT)
        subscribe(ws, "b", "subscription { cities { totalCount } }")
        assert {ws.receive_json()["id"], ws.receive_json()["id"]} == {"a", "b"}
        client.portal.call(client.app.state.live.close)
        assert {ws.receive_json()["id"], ws.receive_json()["id"]} == {"a", "b"}
        assert client.app.state.live.subscriber_count == 0


def test_the_live_subscriptions_gauge_follows_subscribe_and_complete(app_with):
    """/metrics counts the open live queries: one more while subscribed, as many as before once completed."""
    client = app_with(metrics=True)

    def gauge() -> float:
        text = client.get("/metrics").text
        (line,) = [ln for ln in text.splitlines() if ln.startswith("clustergraph_live_subscriptions ")]
        return float(line.split()[1])

    before = gauge()
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        initialised(ws)
        subscribe(ws, "count", COUNT)
        assert ws.receive_json()["type"] == "next"
        assert gauge() == before + 1
        ws.send_json({"id": "count", "type": "complete"})
        deadline = time.monotonic() + 30
        while gauge() != before and time.monotonic() < deadline:
            time.sleep(0.01)
        assert gauge() == before


def test_a_subscription_ends_when_its_token_expires(app_with, settings):
    """With a token that expires, the subscription's last answer is an UNAUTHENTICATED error, then `complete`;
    a new subscription on that connection is refused."""
    client = app_with(require_token_for_reads=True)
    token = create_token(settings, Role.READER, ttl_s=2)
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        initialised(ws, {"Authorization": f"Bearer {token}"})
        subscribe(ws, "count", COUNT)
        assert ws.receive_json()["type"] == "next"
        last = ws.receive_json()  # nothing is written meanwhile: the next message is the expiry
        assert last["type"] == "next"
        assert last["payload"]["data"] is None
        assert last["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert ws.receive_json() == {"id": "count", "type": "complete"}
        subscribe(ws, "again", COUNT)
        refused = ws.receive_json()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert client.app.state.live.subscriber_count == 0


def test_with_trusted_documents_only_an_unregistered_subscription_is_refused_unparsed(app_with, tmp_path):
    """TRUSTED_DOCUMENTS_ONLY holds for live queries: over WebSocket and over SSE an unregistered document is
    refused with UNTRUSTED_DOCUMENT before it is parsed; a registered one, sent by hash, runs."""
    registered = "subscription Count { clusters { totalCount } }"
    digest = hashlib.sha256(registered.encode()).hexdigest()
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({digest: registered}), encoding="utf-8")
    client = app_with(trusted_documents=manifest, trusted_documents_only=True)
    by_hash = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as ws:
        initialised(ws)
        ws.send_json({"id": "bad", "type": "subscribe", "payload": {"query": "subscription { clusters { "}})
        refused = ws.receive_json()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "UNTRUSTED_DOCUMENT"
        ws.send_json({"id": "good", "type": "subscribe", "payload": {"extensions": by_hash}})
        answered = ws.receive_json()
        assert answered["id"] == "good"
        assert answered["type"] == "next"
        assert "totalCount" in answered["payload"]["data"]["clusters"]
    response = client.post(
        "/graphql",
        json={"query": "subscription { cities { totalCount } }"},
        headers={"Accept": "text/event-stream"},
    )
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNTRUSTED_DOCUMENT"]
