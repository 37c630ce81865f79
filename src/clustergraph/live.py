"""Live queries: every root field of `Query` is also a `Subscription` field (`graphql.subscriptions`), whose answer
is sent at once and then again each time a committed write has changed it.

How it runs, in each worker:

- One `GraphVersionWatcher` (`graph_version`) reads the graph version every LIVE_POLL_INTERVAL_MS while anyone
  subscribes, and at once after a write made through this worker's API; a write made anywhere else (Neo4j Browser,
  `clustergraph load`, another worker or replica) changes the version too and is seen at the next read.
- Subscribers of the same document, operation, variables and authorisation scope (anonymous, or the token's role)
  share one `LiveQuery`: on a version change it runs once, whatever the number of its subscribers. It runs the
  same document as a query (the word `subscription` replaced by `query`, so that every location in an error stays
  the client's), through the schema and so through the one read engine, its limits and its plan cache.
- The answer's hash (of its data and errors as the client sees them) is compared with the last one sent: an answer
  that did not change is not sent again. A subscriber slower than the changes gets the latest answer, not a queue
  of old ones.
- An answer with errors (Neo4j unavailable, an argument refused) is sent like any other, as a `next` with errors;
  the subscription goes on and the next change is tried again.

What it costs: while at least one client subscribes, one version read (a `RETURN 1` round trip) per interval per
worker; on each change, one read per distinct live query (at most `neo4j_max_pool_size // 2` at a time). What a
client waits for a change: the time to notice it (at once after an API write of the same worker; else up to the
poll interval) plus that read.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import structlog
from graphql import GraphQLError, OperationDefinitionNode, OperationType, Undefined
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types.graphql import OperationType as StrawberryOperationType

from . import metrics
from .auth import Principal
from .batch import operation_cost
from .db import RequestScope
from .documents import UNTRUSTED_DOCUMENT, DocumentError
from .errors import format_error
from .graph_version import GraphVersionWatcher
from .graphql.context import Context
from .graphql.engine import Snapshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from .ratelimit import RateLimiter
    from .repository import Repository
    from .settings import Settings

log = structlog.get_logger("clustergraph")

LIMIT_REACHED = "SUBSCRIPTION_LIMIT_REACHED"
_KEYWORD = "subscription"


@dataclass(frozen=True)
class LiveKey:
    """What subscribers share a re-execution by: the document, the operation, the variables, who may read."""

    document: bytes
    operation_name: str | None
    variables: bytes
    scope: str


def read_scope(principal: Principal | None) -> str:
    """The authorisation scope of a subscriber: no read depends on it today, but answers are never shared across
    scopes, so that one that does later cannot leak."""
    return "anonymous" if principal is None else principal.role.value


def as_query(document: str, operation: OperationDefinitionNode) -> str:
    """The document with the subscription `operation` made a query: its keyword replaced, padded to the same
    length, so every other character (and every error location) stays where it was."""
    loc = operation.loc
    if loc is None or document[loc.start : loc.start + len(_KEYWORD)] != _KEYWORD:
        raise GraphQLError("A live query needs the subscription's document text.")
    return document[: loc.start] + "query".ljust(len(_KEYWORD)) + document[loc.start + len(_KEYWORD) :]


def masked(error: GraphQLError, timeout_s: float) -> GraphQLError:
    """The error as the client may see it (`errors.format_error`), as a GraphQLError with no cause left."""
    formatted = format_error(error, timeout_s)
    if formatted == error.formatted and error.original_error is None:
        return error
    return GraphQLError(
        formatted["message"], error.nodes, path=error.path, extensions=formatted.get("extensions")
    )


def snapshot(data: dict[str, Any] | None, errors: list[GraphQLError]) -> Snapshot:
    body = orjson.dumps({"data": data, "errors": [e.formatted for e in errors]}, default=repr)
    return Snapshot(data, tuple(errors), hashlib.blake2b(body, digest_size=16).digest())


#: What a subscriber is sent when its token expires, before its subscription ends.
TOKEN_EXPIRED = snapshot(
    None,
    [
        GraphQLError(
            "The token has expired: this subscription has ended. Connect again with a new token.",
            extensions={"code": "UNAUTHENTICATED"},
        )
    ],
)


class Subscriber:
    """One subscription's stream of answers: the latest answer not yet taken, and the end."""

    __slots__ = ("_closed", "_event", "_expiry", "_pending", "live_query")

    def __init__(self, live_query: LiveQuery) -> None:
        self.live_query = live_query
        self._pending: Snapshot | None = live_query.current
        self._event = asyncio.Event()
        self._closed = False
        self._expiry: asyncio.TimerHandle | None = None

    def offer(self, answer: Snapshot) -> None:
        if self._closed:
            return
        self._pending = answer
        self._event.set()

    def end(self) -> None:
        self._closed = True
        self._event.set()

    def expire_after(self, seconds: float) -> None:
        """End the subscription when its token expires, with an UNAUTHENTICATED error as its last answer."""
        self._expiry = asyncio.get_running_loop().call_later(seconds, self._expired)

    def _expired(self) -> None:
        self.offer(TOKEN_EXPIRED)
        self.end()
        self.live_query.leave(self)

    def __aiter__(self) -> Subscriber:
        return self

    async def __anext__(self) -> Snapshot:
        while self._pending is None:
            if self._closed:
                self.live_query.leave(self)
                raise StopAsyncIteration
            await self._event.wait()
            self._event.clear()
        answer, self._pending = self._pending, None
        return answer

    async def aclose(self) -> None:
        """The client unsubscribed or went away (graphql-core closes the stream)."""
        self._closed = True
        if self._expiry is not None:
            self._expiry.cancel()
        self.live_query.leave(self)


class LiveQuery:
    """The subscribers of one `LiveKey`, their last answer, and the task that reads it again on each change."""

    def __init__(
        self,
        live: LiveQueries,
        key: LiveKey,
        schema: Any,
        query: str,
        variables: dict[str, Any],
        operation_name: str | None,
        principal: Principal | None,
    ) -> None:
        self.live = live
        self.key = key
        self.schema = schema
        self.query = query
        self.variables = variables
        self.operation_name = operation_name
        self.principal = principal
        self.subscribers: set[Subscriber] = set()
        self.current: Snapshot | None = None
        #: Times the answer was read and compared (the first one included).
        self.executions = 0
        self._dirty = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="live-query")

    def changed(self) -> None:
        self._dirty.set()

    def join(self) -> Subscriber:
        subscriber = Subscriber(self)
        self.subscribers.add(subscriber)
        return subscriber

    def leave(self, subscriber: Subscriber) -> None:
        if subscriber in self.subscribers:
            self.subscribers.discard(subscriber)
            self.live.left(self)

    def stop(self) -> None:
        """End every subscriber's stream (each is sent `complete`) and stop reading."""
        subscribers = list(self.subscribers)
        self.subscribers.clear()
        for subscriber in subscribers:
            subscriber.end()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()

    async def _run(self) -> None:
        # A version is read before the first answer, so that a write landing between the two is seen as a change.
        with contextlib.suppress(Exception):
            await self.live.watcher.baseline()
        while True:
            self._dirty.clear()
            try:
                answer = await self._execute()
            except Exception:
                # The schema reports errors in its result: anything raised is a fault of the service.
                log.exception("live_query_failed")
                failure = GraphQLError("Unexpected error.", extensions={"code": "INTERNAL_SERVER_ERROR"})
                answer = snapshot(None, [failure])
            if self.current is None or answer.digest != self.current.digest:
                self.current = answer
                for subscriber in list(self.subscribers):
                    subscriber.offer(answer)
            # Counted once the answer is compared (and handed on when it changed).
            self.executions += 1
            self.live.executions += 1
            await self._dirty.wait()

    async def _execute(self) -> Snapshot:
        """The answer now: the document run as a query, in a scope of its own (deadline, request id)."""
        settings = self.live.settings
        async with self.live.reads:
            # The deadline starts once this read may go (not while it waits for the others of the change).
            loop = asyncio.get_running_loop()
            scope = RequestScope(deadline=loop.time() + settings.request_timeout_s, request_id="live")
            context = Context(
                repo=self.live.repo.bound(scope),
                settings=settings,
                principal=self.principal,
                scope=scope,
                live=self.live,
            )
            try:
                async with asyncio.timeout_at(scope.deadline):
                    result = await self.schema.execute(
                        self.query,
                        variable_values=self.variables,
                        context_value=context,
                        operation_name=self.operation_name,
                        allowed_operation_types={StrawberryOperationType.QUERY},
                    )
            except TimeoutError:
                limit = settings.request_timeout_s
                error = GraphQLError(
                    f"The live query took longer than the limit of {limit:g} s and was stopped; it is tried "
                    "again at the next change. Ask for less (smaller pages, fewer nested lists).",
                    extensions={"code": "TIMEOUT", "limit": limit},
                )
                return snapshot(None, [error])
        errors = [masked(e, settings.request_timeout_s) for e in result.errors or ()]
        return snapshot(result.data, errors)


class LiveQueries:
    """The live queries of one worker: the registry by `LiveKey`, the version watcher, the limits."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.queries: dict[LiveKey, LiveQuery] = {}
        #: Reads of live answers made (and compared) so far, all live queries together.
        self.executions = 0
        #: Reads of live answers running at a time: at most half the driver's pool (made on the app's loop, at start).
        self.reads = asyncio.Semaphore(1)
        self._repo: Repository | None = None
        self._watcher: GraphVersionWatcher | None = None
        self._stop_listening: Callable[[], None] | None = None
        self._closing = False

    def start(self, repo: Repository) -> None:
        """Serve live queries with `repo` (the app's lifespan calls it once the driver is open)."""
        self._repo = repo
        self._closing = False
        self.reads = asyncio.Semaphore(max(1, self.settings.neo4j_max_pool_size // 2))
        self._watcher = GraphVersionWatcher(repo.graph_version, self.settings.live_poll_interval_ms / 1000)

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            raise RuntimeError("live queries are served once the app has started")
        return self._repo

    @property
    def watcher(self) -> GraphVersionWatcher:
        if self._watcher is None:
            raise RuntimeError("live queries are served once the app has started")
        return self._watcher

    @property
    def subscriber_count(self) -> int:
        return sum(len(q.subscribers) for q in self.queries.values())

    def written(self) -> None:
        """A write of this worker has committed (the repository calls it): read the version now."""
        if self._watcher is not None:
            self._watcher.changed()

    async def open(self, info: Any) -> Subscriber:
        """The stream of answers of the subscription field being resolved (`info`: Strawberry's)."""
        if self._closing or self._repo is None:
            raise GraphQLError("The service is shutting down; subscribe again shortly.")
        limit = self.settings.live_max_subscriptions
        if self.subscriber_count >= limit:
            raise GraphQLError(
                f"This worker serves at most {limit} subscriptions (LIVE_MAX_SUBSCRIPTIONS); try again later.",
                extensions={"code": LIMIT_REACHED, "limit": limit},
            )
        raw = info._raw_info  # graphql-core's resolve info under Strawberry's
        operation: OperationDefinitionNode = raw.operation
        if operation.operation is not OperationType.SUBSCRIPTION or operation.loc is None:
            raise GraphQLError("A live query runs as a subscription operation.")
        document = operation.loc.source.body
        name = operation.name.value if operation.name is not None else None
        variables = {
            key: source.value
            for key, source in raw.variable_values.sources.items()
            if source.value is not Undefined
        }
        principal: Principal | None = getattr(info.context, "principal", None)
        expires_in = (
            None if principal is None or principal.expires_at is None else principal.expires_at - time.time()
        )
        if expires_in is not None and expires_in <= 0:
            raise GraphQLError(
                "The token has expired: connect again with a new token.",
                extensions={"code": "UNAUTHENTICATED"},
            )
        key = LiveKey(
            document=hashlib.blake2b(document.encode(), digest_size=16).digest(),
            operation_name=name,
            variables=orjson.dumps(variables, option=orjson.OPT_SORT_KEYS, default=repr),
            scope=read_scope(principal),
        )
        live_query = self.queries.get(key)
        if live_query is None:
            live_query = LiveQuery(
                self, key, info.schema, as_query(document, operation), variables, name, principal
            )
            self.queries[key] = live_query
            if self._stop_listening is None:
                self._stop_listening = self.watcher.listen(self._changed)
            live_query.start()
        subscriber = live_query.join()
        metrics.live_subscriptions(1)
        if expires_in is not None:
            subscriber.expire_after(expires_in)
        return subscriber

    def _changed(self, version: str) -> None:
        for live_query in self.queries.values():
            live_query.changed()

    def left(self, live_query: LiveQuery) -> None:
        metrics.live_subscriptions(-1)
        if live_query.subscribers or self.queries.get(live_query.key) is not live_query:
            return
        del self.queries[live_query.key]
        live_query.stop()
        if not self.queries and self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None

    async def close(self) -> None:
        """End every subscription (each client is sent `complete`) and stop the watcher."""
        self._closing = True
        queries, self.queries = list(self.queries.values()), {}
        for live_query in queries:
            metrics.live_subscriptions(-len(live_query.subscribers))
            live_query.stop()
        self._stop_listening = None
        if self._watcher is not None:
            await self._watcher.close()


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's WebSocket adapter, sending JSON as text frames (graphql-transport-ws messages are text; the
    view's orjson encoder makes bytes, which Strawberry would send as binary frames)."""

    async def send_json(self, message: Any) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class KeepAliveTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """Strawberry's graphql-transport-ws handler, with a `ping` every LIVE_KEEP_ALIVE_S once the connection is
    acknowledged (clients answer `pong`), so that proxies do not close a quiet connection and a dead one is
    found."""

    _pinger: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._pinger is None:
            self._pinger = asyncio.get_running_loop().create_task(self._ping(), name="graphql-ws-ping")

    async def _ping(self) -> None:
        interval = self.view.settings.live_keep_alive_s  # type: ignore[attr-defined]  # the app's view
        while True:
            await asyncio.sleep(interval)
            try:
                await self.send_message({"type": "ping"})
            except Exception:  # the connection is gone: the handler's own loop ends it
                return

    async def handle_subscribe(self, message: Any) -> None:
        """Strawberry's, with the document resolved first as an HTTP request's is (`documents`: by hash, or checked
        against the trusted documents), then its estimated cost spent from the connection's client's bucket
        (`ratelimit`); one that may not run gets an `error` message for its id, unparsed, and the connection stays
        open."""
        documents = getattr(self.view, "documents", None)
        payload = message.get("payload")
        if documents is not None and self.connection_acknowledged and isinstance(payload, dict):
            try:
                resolved = documents.resolve(payload.get("query"), payload.get("extensions"))
            except DocumentError as refused:
                if refused.code == UNTRUSTED_DOCUMENT:
                    metrics.refused(UNTRUSTED_DOCUMENT)
                await self._refuse(message, refused.graphql_error())
                return
            if resolved.query is not None and resolved.query is not payload.get("query"):
                message = {**message, "payload": {**payload, "query": resolved.query}}
            over = self._spend(message["payload"])
            if over is not None:
                await self._refuse(message, over)
                return
        await super().handle_subscribe(message)

    def _spend(self, payload: dict[str, Any]) -> GraphQLError | None:
        """Spend the operation's estimated cost from the bucket of the connection's client (its token's subject,
        else its address); the RATE_LIMITED error when the bucket holds less. Its re-executions spend nothing."""
        limiter: RateLimiter | None = getattr(self.view, "rate_limiter", None)
        context = self.context
        if limiter is None or not isinstance(context, Context) or context.request is None:
            return None
        variables = payload.get("variables")
        name = payload.get("operationName")
        cost = operation_cost(
            self.view.graphql_schema,  # type: ignore[attr-defined]  # the app's view
            context.settings,
            payload.get("query"),
            variables if isinstance(variables, dict) else None,
            name if isinstance(name, str) else None,
        )
        return limiter.subscribe(limiter.client_of(context.request, context.principal), cost)

    async def _refuse(self, message: Any, error: GraphQLError) -> None:
        await self.send_message({"id": message["id"], "type": "error", "payload": [error.formatted]})

    async def shutdown(self) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pinger
            self._pinger = None
        await super().shutdown()
