"""The ASGI application: an app factory whose lifespan owns the Neo4j driver.

Routes: `/graphql` (GraphQL over HTTP, GraphiQL in a browser), `/healthz` (the process is alive) and `/readyz`
(Neo4j answers; 503 when it does not).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import structlog
from cross_web import HTTPException
from graphql import OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLError
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
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

from .db import count_round_trips, create_async_driver, migrate_async
from .graphql.context import Context, Loaders
from .graphql.schema import create_schema
from .log import configure_logging
from .repository import Repository
from .settings import Settings

log = structlog.get_logger("clustergraph")

GRAPHQL_RESPONSE = "application/graphql-response+json"


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
        super().__init__(create_schema(), graphql_ide="graphiql" if settings.graphiql else None, **kwargs)
        self.settings = settings

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        repo: Repository = request.app.state.repo
        context = Context(
            repo=repo, settings=self.settings, loaders=Loaders(repo), request=request, response=response
        )
        count_round_trips(context.round_trips)
        request.state.graphql_context = context
        return context

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        request.state.graphql_has_data = result.data is not None
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [_format_error(e) for e in result.errors]
        if result.extensions:
            response["extensions"] = result.extensions
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            _refuse_mutation_over_get(request)
            response = await self.run(request)
        except HTTPException as exc:
            status = exc.status_code
            response = JSONResponse(
                {"errors": [{"message": exc.reason}]},
                status_code=status,
                headers={"Allow": "POST"} if status == 405 else None,
            )
        else:
            _negotiate(request, response)
        await response(scope, receive, send)


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


def _format_error(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    if isinstance(original, ServiceUnavailable | SessionExpired):
        formatted["message"] = "The graph database is unavailable; try again shortly."
        formatted["extensions"] = {"code": "SERVICE_UNAVAILABLE"}
    elif isinstance(original, Neo4jError):
        log.error("neo4j_error", error=str(original), path=formatted.get("path"))
        formatted["message"] = "The graph database could not answer this request."
        formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
    elif original is not None and not isinstance(original, GraphQLError | StrawberryGraphQLError):
        log.error("unexpected_error", path=formatted.get("path"), exc_info=original)
        formatted["message"] = "Unexpected error."
        formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
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


async def healthz(request: Request) -> Response:
    """The process is alive."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Neo4j answers a query: 200, else 503 with the reason."""
    repo: Repository = request.app.state.repo
    try:
        await repo.ping()
    except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
        return JSONResponse({"status": "unavailable", "neo4j": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ready", "neo4j": "ok"})


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the application. Without settings, they are read from the environment (uvicorn's factory mode)."""
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_json)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        driver = create_async_driver(settings)
        app.state.repo = Repository(driver, settings.neo4j_database)
        try:
            applied = await migrate_async(driver, settings.neo4j_database)
            log.info("schema_applied", statements=applied, uri=settings.bolt_uri)
        except (Neo4jError, ServiceUnavailable, OSError) as exc:
            log.warning("neo4j_unavailable_at_start", uri=settings.bolt_uri, error=str(exc))
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
                allow_headers=["content-type", "authorization", "x-request-id"],
                expose_headers=["x-request-id"],
            ),
        ],
        lifespan=lifespan,
    )
