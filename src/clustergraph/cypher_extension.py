"""From GraphQL to Cypher and back: outside production, a request that sends `X-ClusterGraph-Cypher: 1` gets the
Cypher statements it ran in its response, under `extensions.cypher`.

Each entry is `{"statement", "parameters", "browserUrl"}`, in the order the statements were sent (reads, and every
statement of a mutation's write transaction): the statement's text and its parameters exactly as Neo4j received
them, and a Neo4j Browser link (`NEO4J_BROWSER_URL`, by default the local server's) that opens the statement in
Browser's editor with the parameters written in as literals (`?cmd=edit&arg=…`), so that it runs as it is.

The statements are those the request's scope reports to `on_statement` (`db.RequestScope`): the collector is that
observer for the request, and passes every statement on to the app's own. In production the header is ignored.
A request that asks for its Cypher is answered without the HTTP cache (it must run to have statements, and its
answer, which holds its parameters, is never stored), so answers with and without the Cypher never mix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson
from starlette.requests import Request

from .cypher.literals import NotALiteral, inline_parameters
from .db import StatementObserver
from .settings import Settings

CYPHER_HEADER = "X-ClusterGraph-Cypher"
_YES = frozenset({"1", "true", "yes", "on"})


class CypherCollector:
    """The statements of one request, as an `on_statement` observer that also tells `forward`."""

    def __init__(self, browser_url: str, forward: StatementObserver | None) -> None:
        self.browser_url = browser_url
        self.forward = forward
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, statement: str, params: Mapping[str, Any], request_id: str | None) -> None:
        self.sent.append((statement, dict(params)))
        if self.forward is not None:
            self.forward(statement, params, request_id)

    def entries(self) -> list[dict[str, Any]]:
        return [
            {
                "statement": statement,
                "parameters": orjson.loads(orjson.dumps(params, default=str)),
                "browserUrl": browser_link(self.browser_url, statement, params),
            }
            for statement, params in self.sent
        ]


def browser_link(browser_url: str, statement: str, params: Mapping[str, Any]) -> str:
    """A Neo4j Browser link that opens `statement` in the editor, its parameters written in (or, for a value
    Cypher has no literal for, the statement as it is: its parameters are then set in Browser by hand)."""
    try:
        text = inline_parameters(statement, params)
    except NotALiteral:
        text = statement
    base = browser_url if browser_url.endswith("/") else f"{browser_url}/"
    return f"{base}?cmd=edit&arg={quote(text, safe='')}"


def wants_cypher(settings: Settings, request: Request) -> bool:
    """The request asks for its Cypher (and may have it: never in production)."""
    return not settings.production and request.headers.get(CYPHER_HEADER, "").strip().lower() in _YES


def observer(
    settings: Settings, request: Request, forward: StatementObserver | None
) -> StatementObserver | None:
    """The `on_statement` of a request's scope: a collector (kept in `request.state.cypher`) when the request asks
    for its Cypher, else the app's own observer."""
    if not wants_cypher(settings, request):
        return forward
    collector = CypherCollector(settings.neo4j_browser_url, forward)
    request.state.cypher = collector
    return collector


def collector_of(request: Request) -> CypherCollector | None:
    found: CypherCollector | None = getattr(request.state, "cypher", None)
    return found


def add_to(request: Request, response: dict[str, Any]) -> None:
    """Put the request's statements in its response's extensions, when it asked for them."""
    collector = collector_of(request)
    if collector is not None:
        response["extensions"] = {**response.get("extensions", {}), "cypher": collector.entries()}
