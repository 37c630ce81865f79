"""Live queries (subscriptions) against a real Neo4j and a real uvicorn server: the answer at once, then each
changed answer after a write through the API or straight in Cypher, nothing for a write that leaves it as it is;
over graphql-transport-ws (the `websockets` client) and GraphQL over SSE (httpx)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
import websockets
from neo4j import Driver

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.settings import Settings
from conftest import run_cypher
from serving import running_server

LIVE = """
subscription Live($where: ClusterWhere) {
  clusters(where: $where, orderBy: [{field: KEY}], first: 50) { totalCount nodes { key } }
}
"""
MATCHING = {"key": {"startsWith": "live-"}}
CREATE = """
mutation($input: CreateClusterInput!) { createCluster(input: $input) { cluster { key } errors { message } } }
"""
DELETE = "mutation($key: String!) { deleteCluster(key: $key) { errors { message } } }"
API_CLUSTER = {
    "key": "live-api-cluster",
    "name": "Live API Cluster",
    "nameZh": "实时接口集群",
    "countyKey": "pidu-district",
    "industryKey": "electronic-information",
    "sources": ["https://example.org/live"],
}
#: Bounded waits for something the server does by itself (a message, a re-read): generous, never asserted on.
WAIT_S = 30.0


def expected(driver: Driver, settings: Settings) -> dict[str, Any]:
    """The answer computed independently: the clusters whose key starts with `live-`, straight from Cypher."""
    rows = run_cypher(
        driver, settings, "MATCH (c:Cluster) WHERE c.id STARTS WITH 'live-' RETURN c.id AS key ORDER BY key"
    )
    return {"totalCount": len(rows), "keys": [r["key"] for r in rows]}


def seen(payload: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in payload, payload
    clusters = payload["data"]["clusters"]
    return {"totalCount": clusters["totalCount"], "keys": [n["key"] for n in clusters["nodes"]]}


async def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "the server did not get there in time"
        await asyncio.sleep(0.01)


@pytest.fixture
def served(settings: Settings, fresh_dataset_graph: Driver) -> Iterator[tuple[Any, str]]:
    """The app served by uvicorn on a free port, over a fresh copy of the dataset."""
    app = create_app(settings)
    with running_server(app) as address:
        yield app, address


@pytest.fixture
def editor(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}


class TransportWS:
    """A graphql-transport-ws client, as the protocol describes it (pings answered)."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(orjson.dumps(message).decode())

    async def receive(self) -> dict[str, Any]:
        while True:
            raw = await asyncio.wait_for(self.socket.recv(), WAIT_S)
            assert isinstance(raw, str), "graphql-transport-ws messages are text frames"
            message = orjson.loads(raw)
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message  # type: ignore[no-any-return]

    async def next_payload(self, operation_id: str) -> dict[str, Any]:
        message = await self.receive()
        assert message["type"] == "next", message
        assert message["id"] == operation_id, message
        return message["payload"]  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def connect(address: str, payload: dict[str, Any] | None = None) -> AsyncIterator[TransportWS]:
    """A connection, initialised (with `payload`) and acknowledged."""
    async with websockets.connect(f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        client = TransportWS(socket)
        await client.send({"type": "connection_init", "payload": payload or {}})
        assert (await client.receive())["type"] == "connection_ack"
        yield client


async def test_a_live_query_sends_each_changed_answer_in_order_and_nothing_for_an_unchanged_one(
    served, fresh_dataset_graph, settings, editor
):
    """Subscribed to the clusters whose key starts with `live-`: the answer at once; then, in order, the answer
    after a cluster created through the API, one created straight in Cypher, the first deleted through the API,
    the second in Cypher; a write elsewhere in the graph (re-read, the same answer) sends nothing."""
    app, address = served
    graph = fresh_dataset_graph
    live = app.state.live
    answers: list[dict[str, Any]] = []
    expectations: list[dict[str, Any]] = []
    async with (
        httpx.AsyncClient(base_url=f"http://{address}", timeout=WAIT_S) as http,
        connect(address) as ws,
    ):
        await ws.send(
            {"id": "live", "type": "subscribe", "payload": {"query": LIVE, "variables": {"where": MATCHING}}}
        )
        answers.append(seen(await ws.next_payload("live")))
        expectations.append(expected(graph, settings))

        async def unrelated_write() -> None:
            before = live.executions
            run_cypher(graph, settings, "MERGE (p:LiveProbe {id: 'probe'}) SET p.n = coalesce(p.n, 0) + 1")
            await wait_until(lambda: live.executions > before)  # seen, and the answer read again

        await unrelated_write()
        created = await http.post(
            "/graphql", json={"query": CREATE, "variables": {"input": API_CLUSTER}}, headers=editor
        )
        assert created.json()["data"]["createCluster"]["errors"] == []
        answers.append(seen(await ws.next_payload("live")))
        expectations.append(expected(graph, settings))

        await unrelated_write()
        run_cypher(
            graph,
            settings,
            "CREATE (:Cluster {id: 'live-cypher-cluster', name: 'Live Cypher Cluster', nameZh: '实时直写集群'})",
        )
        answers.append(seen(await ws.next_payload("live")))
        expectations.append(expected(graph, settings))

        deleted = await http.post(
            "/graphql", json={"query": DELETE, "variables": {"key": API_CLUSTER["key"]}}, headers=editor
        )
        assert deleted.json()["data"]["deleteCluster"]["errors"] == []
        answers.append(seen(await ws.next_payload("live")))
        expectations.append(expected(graph, settings))

        run_cypher(graph, settings, "MATCH (c:Cluster {id: 'live-cypher-cluster'}) DETACH DELETE c")
        answers.append(seen(await ws.next_payload("live")))
        expectations.append(expected(graph, settings))

        await unrelated_write()
        await ws.send({"id": "live", "type": "complete"})
        await wait_until(lambda: live.subscriber_count == 0)
        # Nothing was sent after the last change: the next message is the answer to a query sent now.
        await ws.send({"id": "after", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        assert await ws.receive() == {
            "id": "after",
            "type": "next",
            "payload": {"data": {"__typename": "Query"}},
        }

    assert answers == expectations
    assert [a["keys"] for a in answers] == [
        [],
        ["live-api-cluster"],
        ["live-api-cluster", "live-cypher-cluster"],
        ["live-cypher-cluster"],
        [],
    ]


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """The events of a GraphQL-over-SSE response: (event, decoded data); comments (pings) skipped."""
    event, data = None, []
    async for line in response.aiter_lines():
        if line.startswith(":"):
            continue
        if not line:
            if event is not None:
                yield event, orjson.loads("\n".join(data)) if data else None
            event, data = None, []
        elif line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())


async def test_over_sse_the_answer_comes_at_once_then_after_a_write_and_the_subscriber_goes_with_the_stream(
    served, fresh_dataset_graph, settings, editor
):
    """GraphQL over SSE (POST, Accept: text/event-stream): the answer, then the changed one after a mutation;
    closing the stream ends the subscription on the server."""
    app, address = served
    live = app.state.live
    body = {"query": LIVE, "variables": {"where": MATCHING}}
    async with (
        httpx.AsyncClient(base_url=f"http://{address}", timeout=WAIT_S) as http,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=WAIT_S) as writer,
        http.stream("POST", "/graphql", json=body, headers={"Accept": "text/event-stream"}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
        event, first = await asyncio.wait_for(anext(events), WAIT_S)
        assert event == "next"
        before = expected(fresh_dataset_graph, settings)
        created = await writer.post(
            "/graphql", json={"query": CREATE, "variables": {"input": API_CLUSTER}}, headers=editor
        )
        assert created.json()["data"]["createCluster"]["errors"] == []
        event, second = await asyncio.wait_for(anext(events), WAIT_S)
        assert event == "next"
        after = expected(fresh_dataset_graph, settings)
        await events.aclose()
    assert [seen(first), seen(second)] == [before, after]
    assert after["keys"] == ["live-api-cluster"]
    await wait_until(lambda: live.subscriber_count == 0)
    assert live.queries == {}


async def test_subscribers_of_the_same_document_variables_and_scope_share_one_read_per_change(
    served, fresh_dataset_graph, settings
):
    """Three subscriptions of one document and variables (two on one connection) and one with other variables:
    two live queries; a write straight in Cypher reads each once, and only the changed answer is sent."""
    app, address = served
    live = app.state.live
    other = {"key": {"startsWith": "live-x"}}
    async with connect(address) as a, connect(address) as b:
        for client, operation_id, where in ((a, "a1", MATCHING), (a, "a2", MATCHING), (b, "b1", MATCHING)):
            subscribe = {"query": LIVE, "variables": {"where": where}}
            await client.send({"id": operation_id, "type": "subscribe", "payload": subscribe})
            assert seen(await client.next_payload(operation_id))["keys"] == []
        await b.send(
            {"id": "b2", "type": "subscribe", "payload": {"query": LIVE, "variables": {"where": other}}}
        )
        assert seen(await b.next_payload("b2"))["keys"] == []
        assert len(live.queries) == 2
        assert live.subscriber_count == 4
        before = live.executions
        run_cypher(
            fresh_dataset_graph,
            settings,
            "CREATE (:Cluster {id: 'live-shared', name: 'Live Shared', nameZh: '实时共享集群'})",
        )
        on_a = [await a.receive(), await a.receive()]  # a1 and a2, in either order
        assert sorted(m["id"] for m in on_a) == ["a1", "a2"]
        answers = [*(seen(m["payload"]) for m in on_a), seen(await b.next_payload("b1"))]
        await wait_until(lambda: live.executions >= before + 2)
        assert live.executions == before + 2
        # b2's answer did not change: nothing for it before the answer to a query sent now.
        await b.send({"id": "q", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        assert (await b.receive())["id"] == "q"
    assert answers == [expected(fresh_dataset_graph, settings)] * 3
    assert answers[0]["keys"] == ["live-shared"]
