"""The raw-Cypher floor of the benchmark: each suite query as one hand-written Cypher statement, no GraphQL.

A small Starlette app: `POST /` with `{"query": "<suite query name>", "variables": {...}}` runs the statement of
bench/queries/cypher/<name>.cypher in an auto-commit read transaction through the Python driver (one `AsyncDriver`
per process) and answers `{"data": [rows]}`, encoded with orjson. `GET /healthz` answers when the process is up.

    python bench/peers/raw_cypher.py --port 8102 --workers 2 --uri bolt://127.0.0.1:7690
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, LiteralString, cast

import orjson
import uvicorn
from neo4j import READ_ACCESS, AsyncGraphDatabase
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries" / "cypher"
_LUCENE_SPECIAL = set('+-&|!(){}[]^"~*?:\\/')


def load_statements(directory: Path = QUERIES_DIR) -> dict[str, LiteralString]:
    """The suite's Cypher statements by query name (the files are part of the bench, not request input)."""
    return {path.stem: cast(LiteralString, path.read_text()) for path in sorted(directory.glob("*.cypher"))}


def lucene_escape(text: str) -> str:
    return "".join("\\" + ch if ch in _LUCENE_SPECIAL else ch for ch in text)


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data, default=str), status_code=status, media_type="application/json")


def create_app() -> Starlette:
    """The app; connection settings come from NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD and NEO4J_DATABASE."""
    statements = load_statements()
    uri = os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7690")
    auth = (os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"])
    database = os.environ.get("NEO4J_DATABASE", "neo4j")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        driver = AsyncGraphDatabase.driver(uri, auth=auth, max_connection_pool_size=50)
        app.state.driver = driver
        try:
            yield
        finally:
            await driver.close()

    async def query(request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
            name = body["query"]
            variables = dict(body.get("variables") or {})
        except (ValueError, KeyError, TypeError):
            return _json({"errors": [{"message": "expected {query, variables}"}]}, 400)
        statement = statements.get(name)
        if statement is None:
            return _json({"errors": [{"message": f"no suite query named {name!r}"}]}, 404)
        if "text" in variables:
            variables["text"] = lucene_escape(str(variables["text"]))

        # An auto-commit read transaction, one round trip, as ClusterGraph's reads (a managed one takes two).
        async with request.app.state.driver.session(
            database=database, default_access_mode=READ_ACCESS
        ) as session:
            rows = await (await session.run(statement, variables)).data()
        return _json({"data": rows})

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok"})

    return Starlette(
        routes=[Route("/", query, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--uri", help="Bolt URI (default: $NEO4J_URI or bolt://127.0.0.1:7690)")
    args = parser.parse_args()
    if args.uri:
        os.environ["NEO4J_URI"] = args.uri
    uvicorn.run(
        "raw_cypher:create_app",
        factory=True,
        app_dir=str(Path(__file__).resolve().parent),
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
