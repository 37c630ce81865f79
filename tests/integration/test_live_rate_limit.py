"""Rate limiting covers live queries: each `subscribe` over graphql-transport-ws and each GraphQL-over-SSE request
spends its estimated cost from its client's bucket (the same bucket as its HTTP requests); past it, the WebSocket
subscription gets an `error` message with RATE_LIMITED and `retryAfter` (the connection stays open) and the SSE
request a 429 with Retry-After before any stream starts, while another client is served. Real Neo4j, real uvicorn
on a free port, the `websockets` client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from graphql import parse
from prometheus_client import REGISTRY
from test_live_queries import WAIT_S, TransportWS, connect, sse_events

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.graphql.schema import create_schema
from clustergraph.limits import estimate_cost
from clustergraph.ratelimit import RATE_LIMITED
from clustergraph.settings import Settings
from serving import running_server

LIVE = "subscription { clusters(orderBy: [{field: KEY}], first: 20) { totalCount nodes { key name } } }"
#: A far cheaper live query: what is left in a spent bucket still pays for it.
CHEAP = "subscription { clusters(first: 1) { totalCount } }"


def cost(settings: Settings, document: str) -> int:
    """The estimate, computed here from the schema and the document (not read from the service)."""
    return estimate_cost(
        create_schema(settings)._schema,
        parse(document),
        default_page_size=settings.default_page_size,
        max_page_size=settings.max_page_size,
    )


def refused_count() -> float:
    return REGISTRY.get_sample_value("clustergraph_requests_refused_total", {"code": RATE_LIMITED}) or 0.0


def serve_limited(settings: Settings, live_cost: int, **changes: Any) -> Any:
    """The app served by uvicorn with a bucket of two and a half LIVE subscriptions, refilled at 1 a minute (so
    that within a test it moves only by what is spent)."""
    burst = 2 * live_cost + live_cost // 2
    limits = {"rate_limit": True, "rate_limit_budget": 1, "rate_limit_burst": burst, "max_query_cost": burst}
    return running_server(create_app(settings.model_copy(update={**limits, **changes})))


@contextlib.asynccontextmanager
async def connect_with(address: str, headers: dict[str, str]) -> AsyncIterator[TransportWS]:
    """A connection whose upgrade request carries `headers`, initialised with an empty payload."""
    async with websockets.connect(
        f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"], additional_headers=headers
    ) as socket:
        client = TransportWS(socket)
        await client.send({"type": "connection_init", "payload": {}})
        assert (await client.receive())["type"] == "connection_ack"
        yield client


async def live_answer(ws: TransportWS, operation_id: str) -> dict[str, Any]:
    """Subscribe to LIVE; its first message (a `next`, or the `error` of a refusal)."""
    await ws.send({"id": operation_id, "type": "subscribe", "payload": {"query": LIVE}})
    message = await ws.receive()
    assert message["id"] == operation_id, message
    return message


@pytest.fixture
def limited(settings: Settings, dataset_graph: Any) -> Iterator[tuple[str, int]]:
    """The app served with a bucket of two and a half LIVE subscriptions; yields the address and LIVE's cost."""
    live_cost = cost(settings, LIVE)
    assert cost(settings, CHEAP) < live_cost // 2, "CHEAP must fit in what two LIVE leave"
    with serve_limited(settings, live_cost) as address:
        yield address, live_cost


def assert_rate_limited(error: dict[str, Any], live_cost: int) -> None:
    extensions = error["extensions"]
    assert extensions["code"] == RATE_LIMITED, error
    assert extensions["cost"] == live_cost
    assert extensions["retryAfter"] >= 1
    assert "Rate limited" in error["message"]


async def test_subscriptions_past_the_budget_are_refused_while_another_client_is_served(
    limited: tuple[str, int], settings: Settings
) -> None:
    """Two LIVE subscriptions fit the bucket, the third gets an `error` RATE_LIMITED for its id; the connection
    stays open (the first subscription and a cheaper new one still work); a client with a token of its own is
    served; the refusal is counted."""
    address, live_cost = limited
    token = create_token(settings, Role.READER, subject="other-client")
    before = refused_count()
    async with connect(address) as ws:
        for operation_id in ("a", "b"):
            await ws.send({"id": operation_id, "type": "subscribe", "payload": {"query": LIVE}})
            assert "errors" not in await ws.next_payload(operation_id)
        await ws.send({"id": "c", "type": "subscribe", "payload": {"query": LIVE}})
        refused = await ws.receive()
        assert refused["type"] == "error", refused
        assert refused["id"] == "c"
        assert_rate_limited(refused["payload"][0], live_cost)
        assert refused_count() == before + 1

        await ws.send({"id": "d", "type": "subscribe", "payload": {"query": CHEAP}})
        assert "errors" not in await ws.next_payload("d")
        await ws.send({"id": "a", "type": "complete"})
        # The connection is still served: a query over it is answered (and costs a little).
        await ws.send({"id": "e", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        answer = await ws.next_payload("e")
        assert answer == {"data": {"__typename": "Query"}}

        async with connect(address, {"Authorization": f"Bearer {token}"}) as other:
            for operation_id in ("x", "y"):
                await other.send({"id": operation_id, "type": "subscribe", "payload": {"query": LIVE}})
                assert "errors" not in await other.next_payload(operation_id)


async def test_over_sse_a_spent_client_gets_429_before_the_stream_and_another_is_served(
    limited: tuple[str, int], settings: Settings
) -> None:
    """The same bucket over SSE: two LIVE streams are served, the third request (the same client, by address) is
    a 429 RATE_LIMITED with Retry-After and no stream; a client with a token of its own still gets its stream."""
    address, live_cost = limited
    token = create_token(settings, Role.READER, subject="sse-client")
    accept = {"Accept": "text/event-stream"}
    before = refused_count()
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=WAIT_S) as http:
        streams = [http.stream("POST", "/graphql", json={"query": LIVE}, headers=accept) for _ in range(2)]
        opened = [await stream.__aenter__() for stream in streams]
        try:
            for response in opened:
                assert response.status_code == 200
                event, payload = await asyncio.wait_for(anext(sse_events(response)), WAIT_S)
                assert event == "next"
                assert "errors" not in payload
            refused = await http.post("/graphql", json={"query": LIVE}, headers=accept)
            assert refused.status_code == 429, refused.text
            assert int(refused.headers["retry-after"]) >= 1
            assert not refused.headers["content-type"].startswith("text/event-stream")
            assert_rate_limited(refused.json()["errors"][0], live_cost)
            assert refused_count() == before + 1

            other = {**accept, "Authorization": f"Bearer {token}"}
            async with http.stream("POST", "/graphql", json={"query": LIVE}, headers=other) as served:
                assert served.status_code == 200
                event, payload = await asyncio.wait_for(anext(sse_events(served)), WAIT_S)
                assert event == "next"
                assert "errors" not in payload
        finally:
            for stream in streams:
                await stream.__aexit__(None, None, None)


async def test_over_websocket_x_forwarded_for_names_the_client_only_behind_a_trusted_proxy(
    settings: Settings, dataset_graph: Any
) -> None:
    """Without TRUSTED_PROXIES, a new X-Forwarded-For on the upgrade request is still the same client (the peer):
    refused once the peer's bucket is spent. With the loopback trusted, each forwarded address is a client of its
    own; a token on the upgrade request names its client whatever the address."""
    live_cost = cost(settings, LIVE)
    with serve_limited(settings, live_cost) as address:
        async with connect_with(address, {"X-Forwarded-For": "203.0.113.1"}) as ws:
            assert (await live_answer(ws, "a"))["type"] == "next"
            assert (await live_answer(ws, "b"))["type"] == "next"
        async with connect_with(address, {"X-Forwarded-For": "203.0.113.2"}) as ws:
            refused = await live_answer(ws, "c")
            assert refused["type"] == "error", refused
            assert_rate_limited(refused["payload"][0], live_cost)

    with serve_limited(settings, live_cost, trusted_proxies=["127.0.0.0/8"]) as address:
        async with connect_with(address, {"X-Forwarded-For": "203.0.113.1"}) as ws:
            assert (await live_answer(ws, "a"))["type"] == "next"
            assert (await live_answer(ws, "b"))["type"] == "next"
            assert (await live_answer(ws, "c"))["type"] == "error"
        async with connect_with(address, {"X-Forwarded-For": "203.0.113.2"}) as ws:
            assert (await live_answer(ws, "d"))["type"] == "next"
        token = create_token(settings, Role.READER, subject="upgrade-header-client")
        headers = {"X-Forwarded-For": "203.0.113.1", "Authorization": f"Bearer {token}"}
        async with connect_with(address, headers) as ws:
            assert (await live_answer(ws, "e"))["type"] == "next"
