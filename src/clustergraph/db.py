"""The Neo4j driver's lifecycle, the schema migration, and the reads and writes of one request's scope.

One `AsyncDriver` per process, opened and closed by the app's lifespan (or by a CLI command). Each unit of work
opens its own session: graphql-core resolves sibling fields concurrently and a session is not concurrency-safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, LiteralString, TypeVar, cast

import structlog
from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    AsyncResult,
    AsyncSession,
    Bookmarks,
    Driver,
    GraphDatabase,
    Query,
    unit_of_work,
)
from neo4j.exceptions import DriverError, Neo4jError
from opentelemetry.trace import Span

from . import metrics, tracing
from .cypher.statements import (
    AWAIT_INDEXES,
    DROP_INDEX,
    FULLTEXT_INDEXES,
    MISSING_SORT_KEYS,
    SET_MISSING_RECOGNITION_CAPTIONS,
    SET_SORT_KEYS,
    WIPE,
)
from .settings import Settings
from .sort_keys import with_sort_keys

T = TypeVar("T")
log = structlog.get_logger(__name__)


def create_async_driver(settings: Settings) -> AsyncDriver:
    """The service's driver (not yet connected; the first query connects)."""
    return AsyncGraphDatabase.driver(
        settings.bolt_uri,
        auth=(settings.neo4j_user, settings.neo4j_secret.get_secret_value()),
        max_connection_pool_size=settings.neo4j_max_pool_size,
        connection_timeout=settings.neo4j_connection_timeout_s,
        # Retrying a failed transaction must not outlast the request it serves; while Neo4j is away, a client is
        # better served by a quick SERVICE_UNAVAILABLE than by a request that hangs.
        max_transaction_retry_time=settings.transaction_retry_s,
        notifications_min_severity="OFF",
    )


def create_driver(settings: Settings) -> Driver:
    """A blocking driver, for the CLI and test fixtures."""
    return GraphDatabase.driver(
        settings.bolt_uri,
        auth=(settings.neo4j_user, settings.neo4j_secret.get_secret_value()),
        connection_timeout=settings.neo4j_connection_timeout_s,
        notifications_min_severity="OFF",
    )


def schema_statements() -> list[LiteralString]:
    """The statements of cypher/schema.cypher, comments removed, one per entry."""
    text = resources.files("clustergraph.cypher").joinpath("schema.cypher").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    statements = [s.strip() for s in "\n".join(lines).split(";\n")]
    # The file is part of the package, not user input: this is the one cast from str to LiteralString.
    return [cast(LiteralString, s.rstrip(";")) for s in statements if s]


def wipe(driver: Driver, database: str) -> None:
    """Delete every node and relationship (in batches, so a big graph does not need one huge transaction)."""
    with driver.session(database=database) as session:
        session.run(WIPE).consume()


_FULLTEXT = re.compile(
    r"CREATE FULLTEXT INDEX (\w+) IF NOT EXISTS\s+FOR \(n:([\w|]+)\)\s+ON EACH \[([^\]]+)\]"
    r"(?:.*`fulltext\.analyzer`: '([\w-]+)')?",
    re.DOTALL,
)


def _changed_fulltext_indexes(existing: list[dict[str, Any]]) -> list[LiteralString]:
    """`DROP INDEX` statements for the full-text indexes of cypher/schema.cypher that exist with another
    definition (labels, properties or analyzer): `CREATE ... IF NOT EXISTS` would keep the old one."""
    by_name = {row["name"]: row for row in existing}
    drops: list[LiteralString] = []
    for statement in schema_statements():
        match = _FULLTEXT.match(statement)
        if match is None or match.group(1) not in by_name:
            continue
        name, labels, props, analyzer = match.groups()
        row = by_name[name]
        declared = (
            sorted(labels.split("|")),
            [p.strip().removeprefix("n.") for p in props.split(",")],
            analyzer,
        )
        config = (row.get("options") or {}).get("indexConfig") or {}
        found = (sorted(row["labelsOrTypes"]), list(row["properties"]), config.get("fulltext.analyzer"))
        if declared != found:
            # The name comes from the package's schema file, not from a request.
            drops.append(cast(LiteralString, DROP_INDEX.replace("{name}", name)))
    return drops


_SORT_KEY_BATCH = 5_000


def _sort_key_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """`SET_SORT_KEYS` rows for the nodes `MISSING_SORT_KEYS` found; None when there is nothing to write (none
    found, or only names that are not text, which would be found again and again)."""
    out = [{"id": r["id"], "keys": {k: v for k, v in with_sort_keys(r).items() if k not in r}} for r in rows]
    return [row for row in out if row["keys"]] or None


def migrate(driver: Driver, database: str) -> int:
    """Apply every constraint and index idempotently (a full-text index whose definition changed is dropped and
    created anew), wait for the indexes to come online, and give every named node the sort keys of its names
    (`sort_keys`) it lacks, and every recognition its caption."""
    statements = schema_statements()
    with driver.session(database=database) as session:
        for drop in _changed_fulltext_indexes(session.run(FULLTEXT_INDEXES).data()):
            session.run(drop).consume()
        for statement in statements:
            session.run(statement).consume()
        session.run(AWAIT_INDEXES).consume()
        while (
            rows := _sort_key_rows(session.run(MISSING_SORT_KEYS, limit=_SORT_KEY_BATCH).data())
        ) is not None:
            session.run(SET_SORT_KEYS, rows=rows).consume()
        session.run(SET_MISSING_RECOGNITION_CAPTIONS).consume()
    return len(statements)


async def migrate_async(driver: AsyncDriver, database: str) -> int:
    """`migrate` for the service's start-up."""
    statements = schema_statements()
    async with driver.session(database=database) as session:
        for drop in _changed_fulltext_indexes(await (await session.run(FULLTEXT_INDEXES)).data()):
            await (await session.run(drop)).consume()
        for statement in statements:
            await (await session.run(statement)).consume()
        await (await session.run(AWAIT_INDEXES)).consume()
        while (
            rows := _sort_key_rows(await (await session.run(MISSING_SORT_KEYS, limit=_SORT_KEY_BATCH)).data())
        ) is not None:
            await (await session.run(SET_SORT_KEYS, rows=rows)).consume()
        await (await session.run(SET_MISSING_RECOGNITION_CAPTIONS)).consume()
    return len(statements)


# --- the request scope ---------------------------------------------------------------------------------------


@dataclass
class CausalChain:
    """The bookmarks of one request: those the client sent (its reads must see those writes), and those its own
    writes produced (returned to the client, so that its next request, on any replica, sees them)."""

    given: list[str] = field(default_factory=list)
    produced: list[str] = field(default_factory=list)
    #: When a set: the graph versions (see `graph_version`) that the request's reads ran at, recorded as they end.
    read_at: set[str] | None = None


#: Told of every Cypher statement a request sends, just before it is sent: (the statement, its parameters, the
#: request's id). The parameters are the request's values: an observer that exports them must mind what it shows.
StatementObserver = Callable[[str, Mapping[str, Any], str | None], None]


@dataclass
class RequestScope:
    """What the database work of one request shares: its bookmarks, its count of statements, its deadline.

    The view creates one per request and passes it, through the request's `Repository`, to every read and write
    made for that request; a read or write without a scope (the CLI, a test) waits for no bookmarks and is
    counted nowhere.
    """

    causal_chain: CausalChain = field(default_factory=CausalChain)
    #: When the request is stopped, on the event loop's clock (`loop.time()`); None: it has no deadline.
    deadline: float | None = None
    #: The request's id (the X-Request-ID of its response), handed to `on_statement`.
    request_id: str | None = None
    on_statement: StatementObserver | None = None
    #: The statements sent so far: a read is one round trip, and so is each statement of a write transaction.
    round_trips: int = 0

    def record(self, statement: str, params: Mapping[str, Any]) -> None:
        """Count a statement about to be sent, and tell the observer."""
        self.round_trips += 1
        if self.on_statement is not None:
            self.on_statement(statement, params, self.request_id)


def _record(scope: RequestScope | None, statement: str, params: Mapping[str, Any]) -> None:
    if scope is not None:
        scope.record(statement, params)


def _request_id(scope: RequestScope | None) -> str | None:
    return scope.request_id if scope is not None else None


def _observed(statement: str, scope: RequestScope | None) -> contextlib.AbstractContextManager[Span | None]:
    """One statement's span (tracing on) and its time in the statement histogram (metrics on); with both off,
    nothing is made but a null context."""
    if not metrics.enabled():
        return tracing.statement_span(statement, _request_id(scope))
    return _timed(statement, scope)


@contextlib.contextmanager
def _timed(statement: str, scope: RequestScope | None) -> Iterator[Span | None]:
    start = time.perf_counter()
    try:
        with tracing.statement_span(statement, _request_id(scope)) as span:
            yield span
    finally:
        metrics.statement(time.perf_counter() - start)


async def read(
    driver: AsyncDriver,
    database: str,
    query: LiteralString,
    params: dict[str, Any],
    timeout_s: float | None = None,
    retry_s: float = 0.0,
    scope: RequestScope | None = None,
) -> list[dict[str, Any]]:
    """Run one read query on its own session: one round trip (see `_execute_read`)."""
    _record(scope, query, params)

    async def take(result: AsyncResult) -> list[dict[str, Any]]:
        return await result.data()

    with _observed(query, scope) as span:
        value, _ = await _execute_read(driver, database, query, params, timeout_s, take, retry_s, scope)
        if span is not None:
            span.set_attribute("db.response.returned_rows", len(value))
    return value


async def read_row(
    driver: AsyncDriver,
    database: str,
    query: LiteralString,
    params: dict[str, Any],
    timeout_s: float | None = None,
    retry_s: float = 0.0,
    scope: RequestScope | None = None,
) -> list[Any]:
    """The values of the single row of a read query (one round trip), as the driver decodes them.

    Unlike `read`, the values are not walked again to turn nodes into maps: the statement returns maps already.
    """
    _record(scope, query, params)

    async def take(result: AsyncResult) -> list[Any]:
        record = await result.single(strict=True)
        return list(record.values())

    with _observed(query, scope):
        value, _ = await _execute_read(driver, database, query, params, timeout_s, take, retry_s, scope)
    return value


@contextlib.asynccontextmanager
async def _session(
    driver: AsyncDriver, database: str, access_mode: str, scope: RequestScope | None
) -> AsyncIterator[AsyncSession]:
    """A session of its own for one unit of work, after the request's bookmarks (and the process's), counted in
    `metrics.SESSIONS_IN_USE` while it is open."""
    given = scope.causal_chain.given if scope is not None else None
    session = driver.session(
        database=database,
        default_access_mode=access_mode,
        bookmarks=Bookmarks.from_raw_values(given) if given else None,
        bookmark_manager=driver.execute_query_bookmark_manager,
    )
    with metrics.session_in_use():
        async with session:
            yield session


#: The first pause before a read is tried again; each next one doubles, up to the last.
RETRY_FIRST_DELAY_S = 0.05
RETRY_MAX_DELAY_S = 1.0


#: The shortest transaction timeout sent (Neo4j counts in milliseconds, and reads 0 as "no limit").
MIN_TRANSACTION_TIMEOUT_S = 0.001


def transaction_timeout(timeout_s: float | None, scope: RequestScope | None) -> float | None:
    """The timeout of a transaction about to begin: `timeout_s`, and never more than what remains of the request's
    time (a request's transactions share its deadline; none gets the whole of it anew). None: no limit."""
    if scope is None or scope.deadline is None:
        return timeout_s
    remaining = scope.deadline - asyncio.get_running_loop().time()
    # At least a millisecond (Neo4j's unit; 0 would mean no limit): past the deadline, Neo4j stops it at once.
    bounded = max(remaining, MIN_TRANSACTION_TIMEOUT_S)
    return bounded if timeout_s is None else min(timeout_s, bounded)


async def _execute_read(
    driver: AsyncDriver,
    database: str,
    statement: LiteralString,
    params: dict[str, Any],
    timeout_s: float | None,
    take: Callable[[AsyncResult], Awaitable[T]],
    retry_s: float,
    scope: RequestScope | None = None,
) -> tuple[T, str]:
    """One read as an auto-commit transaction on a session of its own, after the request's bookmarks: what `take`
    makes of its result, and the graph version it ran at (see `graph_version`), recorded in the request's causal
    chain when that asks for it.

    Auto-commit, because a managed transaction costs two round trips (BEGIN and RUN, then COMMIT) where this costs
    one, and a read has nothing to commit. What the driver does for managed transactions is done here: a failure
    the driver or Neo4j calls retryable (a restart, a leader change) is tried again, with growing pauses, until
    `retry_s` seconds have passed since the first failure (the request's deadline may stop it sooner). Each
    attempt's transaction timeout is what remains of the request's time (`transaction_timeout`).
    """
    delay = RETRY_FIRST_DELAY_S
    give_up_at: float | None = None
    while True:
        try:
            query = Query(statement, timeout=transaction_timeout(timeout_s, scope))
            async with _session(driver, database, READ_ACCESS, scope) as session:
                value = await take(await session.run(query, params))
                version = _version_of(await session.last_bookmarks())
                if scope is not None and scope.causal_chain.read_at is not None:
                    scope.causal_chain.read_at.add(version)
                return value, version
        except (DriverError, Neo4jError) as exc:
            now = time.monotonic()
            give_up_at = now + retry_s if give_up_at is None else give_up_at
            if not exc.is_retryable() or now >= give_up_at:
                raise
            log.warning("read_retried", error=type(exc).__name__, delay_s=delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, RETRY_MAX_DELAY_S)


def _version_of(bookmarks: Bookmarks) -> str:
    return " ".join(sorted(bookmarks.raw_values))


async def graph_version(
    driver: AsyncDriver,
    database: str,
    query: LiteralString,
    timeout_s: float | None = None,
    retry_s: float = 0.0,
    scope: RequestScope | None = None,
) -> str:
    """The version of the graph a read sees now: the bookmark Neo4j gives back for a read transaction (of `query`,
    which should read nothing).

    Neo4j gives a read transaction the bookmark of the last transaction committed (applied, on a replica) before
    it, so the value changes with every committed write, whoever makes it (this service, the loader, an analyst in
    Neo4j Browser), and stays put while nothing is written. Bookmarks are opaque: the value is only ever compared
    for equality. It waits for the request's bookmarks like any other read. One round trip.
    """
    _record(scope, query, {})

    async def take(result: AsyncResult) -> None:
        await result.consume()

    with _observed(query, scope):
        _, version = await _execute_read(driver, database, query, {}, timeout_s, take, retry_s, scope)
    return version


async def write(
    driver: AsyncDriver,
    database: str,
    work: Callable[[AsyncManagedTransaction], Awaitable[T]],
    timeout_s: float | None = None,
    scope: RequestScope | None = None,
) -> T:
    """Run `work` as one managed write transaction (retried by the driver on transient errors), all or nothing,
    after the request's bookmarks; the bookmark it produces goes into the request's causal chain. Its timeout is
    `timeout_s`, or less: what remains of the request's time.

    `work` runs its statements with `run_in_transaction`, which records each in the request's scope.
    """
    timeout = transaction_timeout(timeout_s, scope)
    unit = unit_of_work(timeout=timeout)(work) if timeout else work
    async with _session(driver, database, WRITE_ACCESS, scope) as session:
        result = await session.execute_write(unit)
        if scope is not None:
            scope.causal_chain.produced.extend(sorted((await session.last_bookmarks()).raw_values))
        return result


async def run_in_transaction(
    tx: AsyncManagedTransaction, query: LiteralString, params: dict[str, Any], scope: RequestScope | None
) -> AsyncResult:
    """Run one statement of a write transaction (see `write`), recorded in the request's scope like every read."""
    _record(scope, query, params)
    with _observed(query, scope):
        return await tx.run(query, params)
