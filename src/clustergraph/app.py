"""The ASGI application: an app factory whose lifespan owns the Neo4j driver.

Routes: `/graphql` (GraphQL over HTTP, GraphiQL in a browser unless in production, and the live queries over
graphql-transport-ws and GraphQL over SSE; `view`, `live`), `/graphiql/assets/` (GraphiQL's own bundle, with it;
`playground`), `/healthz` (the process is alive), `/readyz` (Neo4j answers; 503 when it does not; `health`) and
`/browser-guide/` (the Neo4j Browser guide and style; `browser_guide`).

A request body over `max_body_bytes` is refused with 413 before it is read (`middleware`); a GraphQL request gets
`request_timeout_s` seconds (past it: 504 with code TIMEOUT, or 503 SERVICE_UNAVAILABLE when Neo4j cannot be
reached; `errors`), and each Neo4j transaction the same bound. The query limits (tokens, depth, aliases, cost,
introspection in production) are in `limits`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator

import structlog
from neo4j.exceptions import Neo4jError, ServiceUnavailable
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount, Route, WebSocketRoute

from . import browser_guide, metrics, playground, tracing
from .db import StatementObserver, create_async_driver, migrate_async
from .health import healthz, readyz
from .live import LiveQueries
from .log import configure_logging
from .middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from .repository import Repository
from .settings import Settings
from .view import BOOKMARK_HEADER, GraphQLApp

log = structlog.get_logger("clustergraph")


def create_app(
    settings: Settings | None = None, *, on_statement: StatementObserver | None = None
) -> Starlette:
    """Build the application. Without settings, they are read from the environment (uvicorn's factory mode).

    `on_statement(statement, parameters, request_id)` is called for every Cypher statement a GraphQL request
    sends, just before it is sent, with its parameters and the request's id (its X-Request-ID): for tests that count a request's round trips or
    look at its Cypher, for tracing or for metrics. It runs on the event loop, so it must be quick and must not
    block; an exception it raises fails the statement.
    """
    settings = settings or Settings()
    if settings.jwt_algorithm != "HS256" and not settings.jwt_public_key:
        raise ValueError(
            f"JWT_ALGORITHM={settings.jwt_algorithm} needs JWT_PUBLIC_KEY (PEM) to verify tokens"
        )
    configure_logging(settings.log_level, settings.log_json)
    tracing.configure()
    metrics.configure(settings.metrics_on)
    live = LiveQueries(settings)
    view = GraphQLApp(settings, on_statement=on_statement, live=live)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        driver = create_async_driver(settings)
        app.state.repo = Repository(
            driver,
            settings.neo4j_database,
            timeout_s=settings.request_timeout_s,
            retry_s=settings.transaction_retry_s,
            on_write=live.written,
        )
        live.start(app.state.repo)
        app.state.live = live
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
            await live.close()  # every subscription ends with `complete` before the driver goes
            await driver.close()

    return Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *browser_guide.ROUTES,
            *([Route("/metrics", metrics.endpoint)] if settings.metrics_on else []),
            # GraphiQL's bundle, wherever the page is served (`view`): not in production.
            *(
                [Mount(playground.ASSETS_PATH, playground.Assets())]
                if settings.graphiql and not settings.production
                else []
            ),
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
                    # Neo4j Browser sends these when it fetches the guide (`browser_guide.ROUTES`).
                    "cache-control",
                    "pragma",
                ],
                expose_headers=["x-request-id", "etag", "x-cache", BOOKMARK_HEADER.lower()],
            ),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
