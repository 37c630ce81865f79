"""The `/graphql` endpoint: Strawberry's ASGI view with what GraphQL over HTTP asks of it, and what one request
needs before its document runs.

Before execution: the client's bookmarks (`X-Neo4j-Bookmarks`: only tokens this service sealed, see `bookmarks`)
are read, its token is checked, and the request gets its scope (`db.RequestScope`: those bookmarks, its deadline of
`request_timeout_s`), which the request's repository carries to every read and write. With the HTTP cache on, a
query may then be answered without running (see `httpcache`). A mutation sent with GET is refused (405) once
Strawberry's parse, bounded by the token limit, has found it. After it: the media type the client asked for, with
the status codes of application/graphql-response+json, and the bookmarks of the request's writes in the response,
sealed.

A document named by hash (`extensions.persistedQuery`) or checked against the trusted documents is resolved before
Strawberry parses it (`documents`); a JSON array of operations is a batch (`batch`), run in order, each operation
with its own context.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any, Literal

import orjson
import structlog
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from neo4j.exceptions import DriverError, Neo4jError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData, GraphQLRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from . import cypher_extension, metrics, tracing
from .auth import AuthError, Principal, authenticate
from .batch import (
    BATCH_NOT_ENABLED,
    BATCH_TOO_LARGE,
    BatchRefused,
    check_batch,
    check_batch_cost,
    operation_cost,
)
from .bookmarks import BookmarkError, seal, unseal
from .db import CausalChain, RequestScope, StatementObserver
from .documents import UNTRUSTED_DOCUMENT, DocumentError, DocumentStore
from .errors import format_error, timed_out
from .graphql.context import Context
from .graphql.schema import create_schema
from .httpcache import VARY, HttpCache, matches
from .limits import QUERY_TOO_COMPLEX, QUERY_TOO_DEEP, TOO_MANY_ALIASES
from .live import KeepAliveTransportWSHandler, LiveQueries, TextWebSocketAdapter
from .playground import check_assets, graphiql_page
from .ratelimit import FLAT_COST, RateLimiter, Ticket
from .repository import Repository
from .settings import Settings

log = structlog.get_logger("clustergraph")

#: The error codes of the query limits, counted by `metrics.refused`.
LIMIT_CODES = frozenset({QUERY_TOO_COMPLEX, QUERY_TOO_DEEP, TOO_MANY_ALIASES})
#: The codes of a batch refused whole (`batch`) that are counted: its bounds, and the cost limit over its sum.
COUNTED_BATCH_CODES = frozenset({BATCH_TOO_LARGE, BATCH_NOT_ENABLED, QUERY_TOO_COMPLEX})

GRAPHQL_RESPONSE = "application/graphql-response+json"
#: Returned after a write (a token sealing Neo4j's bookmarks, see `bookmarks`), sent back by the client: its next
#: request (on any replica) then sees that write. Anything this service did not issue is refused.
BOOKMARK_HEADER = "X-Neo4j-Bookmarks"
#: Deepest nesting of arrays and objects a JSON body (or GET's `variables`) may have; the deepest filter the API
#: takes (8 levels, 3 objects each at most) needs far fewer.
MAX_JSON_DEPTH = 64

_JSON_KINDS = {str: "a string", int: "a number", float: "a number", bool: "a boolean", type(None): "null"}


def json_problem(value: object, limit: int = MAX_JSON_DEPTH) -> str | None:
    """What is wrong with a decoded request body (or GET's `variables`), or None: it must be an object (a list is
    a batch, see `batch`) nested at most `limit` deep."""
    if not isinstance(value, dict | list):
        return (
            f'The JSON of the request must be an object such as {{"query": "{{ __typename }}"}}, not '
            f"{_JSON_KINDS.get(type(value), 'that')}."
        )
    stack: list[tuple[object, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, where = stack.pop()
        children = (
            item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        )
        for key, child in children:
            if not isinstance(child, dict | list):
                continue
            path = f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"
            if depth + 1 > limit:
                shown = path.lstrip(".")
                shown = shown if len(shown) <= 60 else f"{shown[:60]}…"
                return f"The JSON at {shown} nests deeper than {limit} levels."
            stack.append((child, depth + 1, path))
    return None


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with the GraphQL-over-HTTP details: media types, status codes, JSON errors, orjson.

    `on_statement`, when given, is told of every Cypher statement a request sends (see `create_app`). With `live`,
    the subscriptions (live queries, see `live`) are served over graphql-transport-ws and GraphQL over SSE.
    """

    graphql_transport_ws_handler_class = KeepAliveTransportWSHandler
    websocket_adapter_class = TextWebSocketAdapter

    def __init__(
        self,
        settings: Settings,
        on_statement: StatementObserver | None = None,
        live: LiveQueries | None = None,
        **kwargs: Any,
    ) -> None:
        graphql_ide: Literal["graphiql"] | None = (
            "graphiql" if settings.graphiql and not settings.production else None
        )
        if graphql_ide is not None:
            check_assets()
        schema = create_schema(settings)
        super().__init__(
            schema,
            graphql_ide=graphql_ide,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL) if live else (),
            max_subscriptions_per_connection=settings.live_max_subscriptions_per_connection,
            allowed_origins=settings.cors_origins,
            **kwargs,
        )
        #: graphql-core's schema, for the checks made before Strawberry runs a document (trusted documents, batches).
        self.graphql_schema = schema._schema
        self.settings = settings
        # The manifest of trusted documents is read and every document in it validated here, at start.
        self.documents = DocumentStore.from_settings(settings, self.graphql_schema)
        self.http_cache = HttpCache(settings, self.documents) if settings.http_cache else None
        self.on_statement = on_statement
        self.live = live
        self.rate_limiter = RateLimiter(settings) if settings.rate_limit else None

    async def render_graphql_ide(self, request: Request) -> Response:
        """ClusterGraph's own GraphiQL (`playground`): every asset from this service, under a strict CSP."""
        return graphiql_page(request.url.path)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise HTTPException(400, f"The JSON of the request does not parse: {exc}.") from exc
        problem = json_problem(value)
        if problem is not None:
            raise HTTPException(400, problem)
        return value

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        if isinstance(request, WebSocket):
            # A connection's operations share this context; its principal is set from `connection_init`.
            return Context(
                repo=request.app.state.repo,
                settings=self.settings,
                request=request,
                response=response,
                live=self.live,
            )
        repo = _repository(request)
        return Context(
            repo=repo,
            settings=self.settings,
            principal=request.state.principal,
            scope=request.state.request_scope,
            request=request,
            response=response,
            live=self.live,
        )

    async def on_ws_connect(self, context: Context) -> Any:
        """A WebSocket connection's `connection_init`: its token, in the payload as `{"Authorization": "Bearer
        ..."}` (browsers cannot set headers on a WebSocket) or on the upgrade request, is checked as a request's
        is; a bad one, or none when reads need one, closes the connection with 4403 Forbidden."""
        params = context.connection_params or {}
        given = params.get("Authorization", params.get("authorization"))
        if given is None and context.request is not None:
            given = context.request.headers.get("authorization")
        if given is not None and not isinstance(given, str):
            raise ConnectionRejectionError()
        try:
            principal = authenticate(self.settings, given)
            if principal is None and self.settings.require_token_for_reads:
                raise AuthError("this service needs a token for every request")
        except AuthError as exc:
            log.info("websocket_refused", reason=exc.message)
            raise ConnectionRejectionError() from exc
        context.principal = principal
        return await super().on_ws_connect(context)

    async def parse_http_body(self, request: Any) -> Any:
        """The request's parameters; a POST body of another media type than JSON is refused with 415, naming the
        accepted one (Strawberry says only "Unsupported content type")."""
        try:
            return await super().parse_http_body(request)
        except HTTPException as exc:
            if exc.reason != "Unsupported content type":
                raise
            given = request.content_type or "none"
            raise HTTPException(
                415,
                f"Unsupported content type {given!r}: POST a JSON body with Content-Type: application/json "
                '({"query": "...", "variables": {...}, "operationName": "..."}), or use GET with query parameters.',
            ) from exc

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET naming its document by hash has no `query`, and a client accepting */* (curl) must still get the
        # answer, not GraphiQL.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(request)

    def _authenticate(self, request: Request) -> Principal | None:
        return _authenticate_request(self.settings, request)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's, with a mutation sent with GET refused as 405 Method Not Allowed (Strawberry says 400).

        The operation's type is known only once the document is parsed, and Strawberry's parse is the request's one
        parse, bounded by the token limit: the method is checked there, not by a parse of its own."""
        request.state.operation_name = request_data.operation_name
        try:
            resolved = self.documents.resolve(request_data.query, request_data.extensions)
        except DocumentError as refused:
            return ExecutionResult(data=None, errors=[_refused_document(refused, request)])
        if resolved.query is not request_data.query:
            request_data = dataclasses.replace(request_data, query=resolved.query)
        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as exc:
            cause = exc.__cause__
            if request_adapter.method == "GET" and isinstance(cause, InvalidOperationTypeError):
                kind = cause.operation_type.value
                raise HTTPException(405, f"A {kind} cannot be sent with GET; use POST.") from cause
            raise
        if resolved.remember_as is not None and not _is_request_error(result):
            self.documents.remember(resolved)
        return result

    # --- batches (see `batch`) ---------------------------------------------------------------------------------

    def _validate_batch_request(
        self, request_data: list[GraphQLRequestData], protocol: GraphQLRequestProtocol
    ) -> None:
        # Strawberry's check of a JSON array, before it reads the operations out of it: the settings' bound and
        # each operation's shape, with errors that say which operation is wrong.
        if transport := self._get_stream_transport(protocol):
            raise HTTPException(400, transport.batching_error)
        check_batch(request_data, self.settings.batch_max_operations)

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Any,
    ) -> Any:
        if not isinstance(request_data, list):
            if self._get_stream_transport(request_data.protocol):
                # Streamed (a live query over SSE): Strawberry runs it without `execute_single`, so the document
                # is resolved (by hash, or checked against the trusted documents) here.
                try:
                    resolved = self.documents.resolve(request_data.query, request_data.extensions)
                except DocumentError as refused:
                    return ExecutionResult(data=None, errors=[_refused_document(refused, request)])
                if resolved.query is not request_data.query:
                    request_data = dataclasses.replace(request_data, query=resolved.query)
                over = self._prepay(request, request_data)
                if over is not None:  # a 429 before the stream starts (`RateLimiter.finish`)
                    return ExecutionResult(data=None, errors=[over])
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        return await self._execute_batch(request, request_adapter, request_data, context, sub_response)

    def _prepay(self, request: Request, request_data: GraphQLRequestData) -> GraphQLError | None:
        """Spend a stream's (a live query over SSE) estimated cost before it starts, so that a refusal is a 429 and
        not an event of a stream already answered 200; its re-executions after each change spend nothing."""
        ticket: Ticket | None = getattr(request.state, "rate_limit", None)
        if ticket is None:
            return None
        cost = operation_cost(
            self.graphql_schema,
            self.settings,
            request_data.query,
            request_data.variables,
            request_data.operation_name,
        )
        ticket.prepaid = True
        try:
            ticket.spend(cost or FLAT_COST)
        except GraphQLError as over:
            return GraphQLError(
                over.message, extensions={**(over.extensions or {}), "requestId": _request_id(request)}
            )
        return None

    async def _execute_batch(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        operations: list[GraphQLRequestData],
        context: Context,
        sub_response: Any,
    ) -> list[ExecutionResult]:
        """The operations of a batch, one after the other, each with its own context (the request's scope is
        shared: bookmarks, deadline, request id); refused whole when their estimated costs add up to more than
        the cost limit. An operation's errors stay in its own result."""
        request.state.batch = True
        costs = []
        for operation in operations:
            try:
                query = self.documents.resolve(operation.query, operation.extensions).query
            except DocumentError:
                query = None  # refused unparsed; its result says why
            costs.append(
                operation_cost(
                    self.graphql_schema, self.settings, query, operation.variables, operation.operation_name
                )
            )
        check_batch_cost(costs, self.settings.max_query_cost)
        results = []
        for index, operation in enumerate(operations):
            own = context if index == 0 else await self.get_context(request, sub_response)
            try:
                result = await self.execute_single(
                    request, request_adapter, sub_response, own, None, operation
                )
            except HTTPException as exc:
                error = GraphQLError(
                    exc.reason, extensions={"code": "BAD_REQUEST", "requestId": _request_id(request)}
                )
                result = ExecutionResult(data=None, errors=[error])
            results.append(result)
        request.state.operation_name = "batch"
        return results

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        # A request error (the document does not parse or validate) has no data entry at all; a field error that
        # nulls the whole result still has `data: null` (GraphQL over HTTP).
        request_error = _is_request_error(result)
        request.state.graphql_has_data = not request_error
        # In a batch (one result after the other): errors in any of its results.
        before = (
            getattr(request.state, "graphql_has_errors", False)
            if getattr(request.state, "batch", False)
            else False
        )
        request.state.graphql_has_errors = before or bool(result.errors)
        response: dict[str, Any] = {} if request_error else {"data": result.data}
        if result.errors:
            response["errors"] = [format_error(e, self.settings.request_timeout_s) for e in result.errors]
            if request_error and metrics.enabled():
                for error in response["errors"]:
                    code = (error.get("extensions") or {}).get("code")
                    if code in LIMIT_CODES:
                        metrics.refused(code)
        if result.extensions:
            response["extensions"] = result.extensions
        cypher_extension.add_to(request, response)
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        start = time.perf_counter()
        if not tracing.enabled():
            await self._handle(request, scope, receive, send)
        else:
            request_id = getattr(request.state, "request_id", None)
            attributes = {"http.request.method": request.method, "url.path": request.url.path}
            with tracing.request_span(f"{request.method} /graphql", request.headers, request_id, attributes):
                await self._handle(request, scope, receive, send)
        if metrics.enabled():
            metrics.request_done(
                getattr(request.state, "operation_name", None),
                _outcome(request),
                time.perf_counter() - start,
            )

    async def _handle(self, request: Request, scope: Scope, receive: Receive, send: Send) -> None:
        if self.graphql_ide and self.should_render_graphql_ide(request):
            # The page holds no data: it is served before the token check, so that GraphiQL opens even where
            # every query needs a token (REQUIRE_TOKEN_FOR_READS); the token goes in its headers editor.
            response = await self.render_graphql_ide(request)
            request.state.status_code = response.status_code
            await response(scope, receive, send)
            return
        timeout_s = self.settings.request_timeout_s
        request_id = getattr(request.state, "request_id", None)
        try:
            given = unseal(self.settings, request.headers.get(BOOKMARK_HEADER, ""))
        except BookmarkError as exc:
            message = (
                f"The {BOOKMARK_HEADER} header was refused: {exc}. Send back only the header of an earlier "
                f"response of this service, or none (request id {request_id})."
            )
            extensions = {"code": "BAD_USER_INPUT", "requestId": request_id}
            bad: dict[str, Any] = {"errors": [{"message": message, "extensions": extensions}]}
            request.state.status_code = 400
            await JSONResponse(bad, status_code=400)(scope, receive, send)
            return
        request_scope = RequestScope(
            causal_chain=CausalChain(given=given),
            deadline=asyncio.get_running_loop().time() + timeout_s,
            request_id=request_id,
            on_statement=cypher_extension.observer(self.settings, request, self.on_statement),
        )
        request.state.request_scope = request_scope
        deadline = asyncio.timeout_at(request_scope.deadline)
        try:
            request.state.principal = self._authenticate(request)
        except AuthError as exc:
            status = 403 if exc.code == "FORBIDDEN" else 401
            headers = {"WWW-Authenticate": 'Bearer realm="clustergraph"'} if status == 401 else None
            refused: dict[str, Any] = {
                "data": None,
                "errors": [{"message": exc.message, "extensions": {"code": exc.code}}],
            }
            request.state.status_code = status
            await JSONResponse(refused, status_code=status, headers=headers)(scope, receive, send)
            return
        limiter = self.rate_limiter
        spent_client = limiter.admit(request, request.state.principal) if limiter is not None else None
        if spent_client is not None:  # 429 at once: the client's bucket is empty
            request.state.status_code = spent_client.status_code
            await spent_client(scope, receive, send)
            return
        try:
            async with deadline:
                response = await self._answer(request)
        except TimeoutError:
            if not deadline.expired():
                raise
            response = await timed_out(request.app.state.repo.driver, timeout_s)
        except BatchRefused as refused:
            code = refused.extensions.get("code")
            if code in COUNTED_BATCH_CODES:
                metrics.refused(code)
            response = JSONResponse(refused.body(request_scope.request_id), status_code=400)
        except HTTPException as exc:
            status = exc.status_code
            code = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(
                status, "BAD_REQUEST"
            )
            extensions = {"code": code, "requestId": request_scope.request_id}
            response = JSONResponse(
                {"errors": [{"message": exc.reason, "extensions": extensions}]},
                status_code=status,
                headers={"Allow": "POST"} if status == 405 else None,
            )
        else:
            _negotiate(request, response)
            produced = request_scope.causal_chain.produced
            if produced:
                response.headers[BOOKMARK_HEADER] = seal(self.settings, produced)
        if limiter is not None:
            limiter.finish(request, response)
        request.state.status_code = response.status_code
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        """Run the request; with the HTTP cache on, a query first checks the graph version and may be answered
        from the cache (or with 304 Not Modified) without running."""
        # A request that asks for its Cypher runs (to have statements), and its answer is kept by no cache.
        showing_cypher = cypher_extension.collector_of(request) is not None
        cache = self.http_cache if not showing_cypher else None
        key = await cache.request_key(request) if cache is not None else None
        if cache is None or key is None:
            response = await self.run(request)
            if showing_cypher:
                response.headers["Cache-Control"] = "no-store"
            elif cache is not None and cache.uncacheable is not None:
                response.headers.setdefault("Cache-Control", cache.uncacheable)
            return response
        chain: CausalChain = request.state.request_scope.causal_chain
        try:
            # The worker's version when young enough; a read in the request's scope (after its bookmarks) if not.
            version = await cache.version(_repository(request), self.live.watcher if self.live else None)
        except (DriverError, Neo4jError, OSError) as exc:
            # Answered as without the cache: the query meets the same trouble and reports it as usual.
            log.warning("graph_version_unavailable", error=type(exc).__name__)
            return await self.run(request)
        media_type = GRAPHQL_RESPONSE if _wants_graphql_response(request) else "application/json"
        etag = cache.etag(key, version, media_type)
        headers = {"ETag": etag, "Cache-Control": cache.cache_control(request), "Vary": VARY}
        if matches(request.headers.get("if-none-match"), etag):
            metrics.http_cache("not_modified")
            return Response(status_code=304, headers=headers)
        body = cache.answer(key, version)
        metrics.http_cache("hit" if body is not None else "miss")
        if body is not None:
            return Response(body, media_type="application/json", headers={**headers, "X-Cache": "HIT"})
        chain.read_at = set()
        response = await self.run(request)
        if (
            response.status_code == 200
            and getattr(request.state, "graphql_has_errors", True) is False
            and chain.read_at <= {version}
        ):
            cache.store(key, version, bytes(response.body))
            response.headers.update({**headers, "X-Cache": "MISS"})
        elif cache.uncacheable is not None:
            response.headers.setdefault("Cache-Control", cache.uncacheable)
        return response


def _outcome(request: Request) -> str:
    """A request's outcome for the request counter: ok, error (GraphQL errors in a 200), not_modified, or
    http_<status>."""
    status = getattr(request.state, "status_code", None)
    if status == 200:
        return "error" if getattr(request.state, "graphql_has_errors", False) else "ok"
    if status == 304:
        return "not_modified"
    return f"http_{status}" if status is not None else "http_error"


def _is_request_error(result: ExecutionResult) -> bool:
    """The result is a request error (no data at all: the document was refused, does not parse or validate), not
    field errors."""
    return result.data is None and bool(result.errors) and not any(e.path for e in result.errors or [])


def _refused_document(refused: DocumentError, request: Request) -> GraphQLError:
    """The request error of a document that may not run; an untrusted one is counted as a refusal (`metrics`)."""
    if refused.code == UNTRUSTED_DOCUMENT:
        metrics.refused(UNTRUSTED_DOCUMENT)
    return refused.graphql_error(_request_id(request))


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _repository(request: Request) -> Repository:
    """The app's repository bound to this request's scope (created by `GraphQLApp.__call__`)."""
    repo: Repository = request.app.state.repo
    return repo.bound(request.state.request_scope)


def _wants_graphql_response(request: Request) -> bool:
    """True when the client lists application/graphql-response+json before (or without) application/json."""
    accept = request.headers.get("accept", "")
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE not in types:
        return False
    return "application/json" not in types or types.index(GRAPHQL_RESPONSE) < types.index("application/json")


def _authenticate_request(settings: Settings, request: Request) -> Principal | None:
    """The request's principal; reads without a token are refused when the settings require one."""
    principal = authenticate(settings, request.headers.get("authorization"))
    if principal is None and settings.require_token_for_reads:
        raise AuthError("this service needs a token for every request: send 'Authorization: Bearer <token>'")
    return principal


def _negotiate(request: Request, response: Response) -> None:
    """Serve application/graphql-response+json with the spec's status codes when the client asks for it."""
    if response.media_type != "application/json" and not response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        return
    if _wants_graphql_response(request):
        response.headers["content-type"] = GRAPHQL_RESPONSE
        batch = getattr(request.state, "batch", False)  # an array of results is 200, whatever they hold
        if (
            not batch
            and getattr(request.state, "graphql_has_data", True) is False
            and response.status_code == 200
        ):
            response.status_code = 400
