"""The ASGI application: an app factory whose lifespan owns the Neo4j driver.

Routes: `/graphql` (GraphQL over HTTP, GraphiQL in a browser unless in production), `/healthz` (the process is
alive) and `/readyz` (Neo4j answers; 503 when it does not).

A request body over `max_body_bytes` is refused with 413 before it is read; a GraphQL request gets
`request_timeout_s` seconds (past it: 504 with code TIMEOUT, or 503 SERVICE_UNAVAILABLE when Neo4j cannot be
reached), and each Neo4j transaction the same bound. The query limits (tokens, depth, aliases, cost,
introspection in production) are in `limits`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

import orjson
import structlog
from cross_web import HTTPException
from graphql import OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLError
from neo4j import AsyncDriver
from neo4j.exceptions import (
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.types import ExecutionResult

from .auth import AuthError, Principal, authenticate
from .db import CausalChain, count_round_trips, create_async_driver, follow_bookmarks, migrate_async
from .graphql.context import Context
from .graphql.schema import create_schema
from .httpcache import HttpCache, matches
from .log import configure_logging
from .repository import Repository
from .settings import Settings

log = structlog.get_logger("clustergraph")

GRAPHQL_RESPONSE = "application/graphql-response+json"
#: Returned after a write, sent back by the client: its next request (on any replica) then sees that write.
BOOKMARK_HEADER = "X-Neo4j-Bookmarks"
MAX_BOOKMARKS = 16
#: A readiness probe answers within this, whatever the driver's retry policy.
READY_TIMEOUT_S = 3.0


def _wants_graphql_response(request: Request) -> bool:
    """True when the client lists application/graphql-response+json before (or without) application/json."""
    accept = request.headers.get("accept", "")
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE not in types:
        return False
    return "application/json" not in types or types.index(GRAPHQL_RESPONSE) < types.index("application/json")


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with the GraphQL-over-HTTP details: media types, status codes, JSON errors, orjson."""

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        graphql_ide: Literal["graphiql"] | None = (
            "graphiql" if settings.graphiql and not settings.production else None
        )
        super().__init__(create_schema(settings), graphql_ide=graphql_ide, **kwargs)
        self.settings = settings
        self.http_cache = HttpCache(settings) if settings.http_cache else None

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        repo: Repository = request.app.state.repo
        context = Context(
            repo=repo,
            settings=self.settings,
            principal=request.state.principal,
            causal_chain=request.state.causal_chain,
            request=request,
            response=response,
        )
        count_round_trips(context.round_trips)
        follow_bookmarks(context.causal_chain)
        return context

    def _authenticate(self, request: Request) -> Principal | None:
        return _authenticate_request(self.settings, request)

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        # A request error (the document does not parse or validate) has no data entry at all; a field error that
        # nulls the whole result still has `data: null` (GraphQL over HTTP).
        request_error = (
            result.data is None and bool(result.errors) and not any(e.path for e in result.errors or [])
        )
        request.state.graphql_has_data = not request_error
        request.state.graphql_has_errors = bool(result.errors)
        response: dict[str, Any] = {} if request_error else {"data": result.data}
        if result.errors:
            response["errors"] = [_format_error(e, self.settings.request_timeout_s) for e in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        deadline = asyncio.timeout(self.settings.request_timeout_s)
        try:
            request.state.causal_chain = CausalChain(given=_bookmarks_of(request))
        except ValueError as exc:
            bad: dict[str, Any] = {"errors": [{"message": str(exc), "extensions": {"code": "BAD_REQUEST"}}]}
            await JSONResponse(bad, status_code=400)(scope, receive, send)
            return
        try:
            request.state.principal = self._authenticate(request)
        except AuthError as exc:
            status = 403 if exc.code == "FORBIDDEN" else 401
            headers = {"WWW-Authenticate": 'Bearer realm="clustergraph"'} if status == 401 else None
            refused: dict[str, Any] = {
                "data": None,
                "errors": [{"message": exc.message, "extensions": {"code": exc.code}}],
            }
            await JSONResponse(refused, status_code=status, headers=headers)(scope, receive, send)
            return
        try:
            _refuse_mutation_over_get(request)
            async with deadline:
                response = await self._answer(request)
        except TimeoutError:
            if not deadline.expired():
                raise
            response = await _timed_out(request.app.state.repo.driver, self.settings.request_timeout_s)
        except HTTPException as exc:
            status = exc.status_code
            response = JSONResponse(
                {"errors": [{"message": exc.reason}]},
                status_code=status,
                headers={"Allow": "POST"} if status == 405 else None,
            )
        else:
            _negotiate(request, response)
            produced = request.state.causal_chain.produced
            if produced:
                response.headers[BOOKMARK_HEADER] = ", ".join(produced)
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        """Run the request; with the HTTP cache on, a query first checks the graph version and may be answered
        from the cache (or with 304 Not Modified) without running."""
        cache = self.http_cache
        key = await cache.request_key(request) if cache is not None else None
        if cache is None or key is None:
            return await self.run(request)
        chain: CausalChain = request.state.causal_chain
        follow_bookmarks(chain)  # the version read waits for the client's bookmarks, like every read
        try:
            version = await request.app.state.repo.graph_version()
        except (DriverError, Neo4jError, OSError) as exc:
            # Answered as without the cache: the query meets the same trouble and reports it as usual.
            log.warning("graph_version_unavailable", error=type(exc).__name__)
            return await self.run(request)
        media_type = GRAPHQL_RESPONSE if _wants_graphql_response(request) else "application/json"
        etag = cache.etag(key, version, media_type)
        headers = {"ETag": etag, "Cache-Control": cache.cache_control, "Vary": "Accept"}
        if matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        body = cache.answer(key, version)
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
        return response


def _bookmarks_of(request: Request) -> list[str]:
    """The bookmarks a client sends back (from an earlier write's response), so its reads see that write."""
    header = request.headers.get(BOOKMARK_HEADER, "")
    values = [v.strip() for v in header.split(",") if v.strip()]
    if len(values) > MAX_BOOKMARKS or any(len(v) > 200 or not v.isprintable() for v in values):
        raise ValueError(
            f"the {BOOKMARK_HEADER} header must be at most {MAX_BOOKMARKS} bookmarks, as returned by this service"
        )
    return values


def _authenticate_request(settings: Settings, request: Request) -> Principal | None:
    """The request's principal; reads without a token are refused when the settings require one."""
    principal = authenticate(settings, request.headers.get("authorization"))
    if principal is None and settings.require_token_for_reads:
        raise AuthError("this service needs a token for every request: send 'Authorization: Bearer <token>'")
    return principal


def _refuse_mutation_over_get(request: Request) -> None:
    if request.method != "GET" or "query" not in request.query_params:
        return
    try:
        document = parse(request.query_params["query"])
    except GraphQLError:
        return  # the view reports the syntax error itself
    name = request.query_params.get("operationName")
    for definition in document.definitions:
        if (
            isinstance(definition, OperationDefinitionNode)
            and (name is None or (definition.name is not None and definition.name.value == name))
            and definition.operation is not OperationType.QUERY
        ):
            raise HTTPException(405, f"A {definition.operation.value} cannot be sent with GET; use POST.")


def _negotiate(request: Request, response: Response) -> None:
    """Serve application/graphql-response+json with the spec's status codes when the client asks for it."""
    if response.media_type != "application/json" and not response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        return
    if _wants_graphql_response(request):
        response.headers["content-type"] = GRAPHQL_RESPONSE
        if getattr(request.state, "graphql_has_data", True) is False and response.status_code == 200:
            response.status_code = 400


#: How long the check that Neo4j is reachable may take, after a request ran out of time.
REACHABLE_CHECK_S = 1.0


async def _reachable(driver: AsyncDriver) -> bool:
    """Neo4j accepts a connection (pooled connections make this quick when it is up)."""
    try:
        async with asyncio.timeout(REACHABLE_CHECK_S):
            await driver.verify_connectivity()
    except (DriverError, Neo4jError, OSError, TimeoutError):
        return False
    return True


async def _timed_out(driver: AsyncDriver, timeout_s: float) -> Response:
    """The answer to a request stopped at its deadline. When Neo4j cannot be reached (the driver retries a
    connection longer than a request may take), that is the reason given, not the size of the request."""
    if not await _reachable(driver):
        log.warning("request_timeout_neo4j_unavailable", limit_s=timeout_s)
        return JSONResponse(
            {
                "errors": [
                    {
                        "message": "The graph database is unavailable; try again shortly.",
                        "extensions": {"code": "SERVICE_UNAVAILABLE"},
                    }
                ]
            },
            status_code=503,
        )
    log.warning("request_timeout", limit_s=timeout_s)
    return JSONResponse(
        {
            "errors": [
                {
                    "message": f"The request took longer than the limit of {timeout_s:g} s and was stopped; "
                    "ask for less (smaller pages, fewer nested lists).",
                    "extensions": {"code": "TIMEOUT", "limit": timeout_s},
                }
            ]
        },
        status_code=504,
    )


def _is_transaction_timeout(error: BaseException | None) -> bool:
    """Neo4j stopped a transaction that ran past its timeout (Neo.ClientError.Transaction.TransactionTimedOut...)."""
    return isinstance(error, ClientError) and (error.code or "").startswith(
        "Neo.ClientError.Transaction.TransactionTimedOut"
    )


def _format_error(error: GraphQLError, timeout_s: float | None = None) -> dict[str, Any]:
    """The error as the client sees it: request errors as they are; anything from inside masked, with the request
    id that the log line carrying the details also has."""
    formatted: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if _is_transaction_timeout(original):
        limit = f" of {timeout_s:g} s" if timeout_s is not None else ""
        formatted["message"] = (
            f"The graph database took longer than the limit{limit} to answer and was stopped; "
            "ask for less (smaller pages, fewer nested lists)."
        )
        formatted["extensions"] = {"code": "TIMEOUT", "limit": timeout_s}
    elif isinstance(original, ServiceUnavailable | SessionExpired | TransientError):
        # Unreachable, restarting, or busy past the driver's retries: the client may simply try again.
        log.warning("neo4j_unavailable", error=type(original).__name__, path=formatted.get("path"))
        formatted["message"] = "The graph database is unavailable; try again shortly."
        formatted["extensions"] = {"code": "SERVICE_UNAVAILABLE", "requestId": request_id}
    elif isinstance(original, Neo4jError):
        log.error("neo4j_error", error=str(original), path=formatted.get("path"))
        formatted["message"] = "The graph database could not answer this request."
        formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    elif original is not None and not isinstance(original, GraphQLError | StrawberryGraphQLError):
        log.error("unexpected_error", path=formatted.get("path"), exc_info=original)
        formatted["message"] = "Unexpected error."
        formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    return formatted


class RequestIdMiddleware:
    """Gives every request an id (or keeps the client's X-Request-ID), binds it to the logs, returns it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if given and len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 2),
            )


class BodyTooLargeError(Exception):
    """The request body grew past the limit while it was read."""


class BodySizeLimitMiddleware:
    """Refuses a request body over `max_bytes` with 413 without reading the rest.

    A declared Content-Length over the limit is refused before any of the body is read; a body without one
    (chunked) is counted as the application reads it, and refused as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send, declared)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._refuse(scope, receive, send, None)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: int | None) -> None:
        stated = f"is {size} bytes" if size is not None else "is larger than that"
        log.warning("request_body_too_large", size=size, limit=self.max_bytes)
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": f"The request body {stated}: the limit is {self.max_bytes} bytes.",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE", "limit": self.max_bytes},
                    }
                ]
            },
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def healthz(request: Request) -> Response:
    """The process is alive."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Neo4j answers a query: 200, else 503 with the reason."""
    repo: Repository = request.app.state.repo
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            await repo.driver.verify_connectivity()
    except (Neo4jError, ServiceUnavailable, SessionExpired, OSError, TimeoutError) as exc:
        return JSONResponse({"status": "unavailable", "neo4j": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ready", "neo4j": "ok"})


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the application. Without settings, they are read from the environment (uvicorn's factory mode)."""
    settings = settings or Settings()
    if settings.jwt_algorithm != "HS256" and not settings.jwt_public_key:
        raise ValueError(
            f"JWT_ALGORITHM={settings.jwt_algorithm} needs JWT_PUBLIC_KEY (PEM) to verify tokens"
        )
    configure_logging(settings.log_level, settings.log_json)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        driver = create_async_driver(settings)
        app.state.repo = Repository(
            driver,
            settings.neo4j_database,
            timeout_s=settings.request_timeout_s,
            retry_s=settings.transaction_retry_s,
        )
        try:
            applied = await migrate_async(driver, settings.neo4j_database)
            log.info("schema_applied", statements=applied, uri=settings.bolt_uri)
        except (Neo4jError, ServiceUnavailable, OSError) as exc:
            log.warning("neo4j_unavailable_at_start", uri=settings.bolt_uri, error=str(exc))
        # What start-up built (schema, caches, modules) lives as long as the process: move it out of the cyclic
        # collector's generations, so that collections triggered by requests do not walk it again and again.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await driver.close()

    return Starlette(
        routes=[
            Route("/graphql", GraphQLApp(settings), methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=[
                    "content-type",
                    "authorization",
                    "x-request-id",
                    "if-none-match",
                    BOOKMARK_HEADER.lower(),
                ],
                expose_headers=["x-request-id", "etag", "x-cache", BOOKMARK_HEADER.lower()],
            ),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
