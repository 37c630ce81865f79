"""What a client is told when something goes wrong inside a request: GraphQL errors, and a request out of time.

Request errors (the document does not parse or validate, an argument is refused) reach the client as they are.
Anything from inside is mapped to a code the client can act on: TIMEOUT (Neo4j stopped a transaction at its
timeout, or the request ran past its deadline), SERVICE_UNAVAILABLE (Neo4j cannot be reached, is restarting or is
busy past the driver's retries: try again) or INTERNAL_SERVER_ERROR, with its message masked and the request id
that the log line carrying the details also has.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
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
from starlette.responses import JSONResponse, Response
from strawberry.exceptions import StrawberryGraphQLError

log = structlog.get_logger("clustergraph")

#: How long the check that Neo4j is reachable may take, after a request ran out of time.
REACHABLE_CHECK_S = 1.0


def format_error(error: GraphQLError, timeout_s: float | None = None) -> dict[str, Any]:
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


def _is_transaction_timeout(error: BaseException | None) -> bool:
    """Neo4j stopped a transaction that ran past its timeout (Neo.ClientError.Transaction.TransactionTimedOut...)."""
    return isinstance(error, ClientError) and (error.code or "").startswith(
        "Neo.ClientError.Transaction.TransactionTimedOut"
    )


async def timed_out(driver: AsyncDriver, timeout_s: float) -> Response:
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


async def _reachable(driver: AsyncDriver) -> bool:
    """Neo4j accepts a connection (pooled connections make this quick when it is up)."""
    try:
        async with asyncio.timeout(REACHABLE_CHECK_S):
            await driver.verify_connectivity()
    except (DriverError, Neo4jError, OSError, TimeoutError):
        return False
    return True
