"""The probes an orchestrator polls: `/healthz` (the process is alive) and `/readyz` (Neo4j answers).

They are apart from the GraphQL endpoint so that a probe never parses a document, needs a token or counts against
a query limit, and so that a readiness probe answers within `READY_TIMEOUT_S` whatever the driver's retry policy.
"""

from __future__ import annotations

import asyncio

from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .repository import Repository

#: A readiness probe answers within this, whatever the driver's retry policy.
READY_TIMEOUT_S = 3.0


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
