"""Reading the graph for the API: every method is one Cypher round trip, batched over parent ids where it can be.

Each call runs as a read transaction on a session of its own (see `db.read`), so the concurrent resolvers of one
GraphQL request never share a session. The repository of a request (`Repository.bound`) carries that request's
scope (`db.RequestScope`) to every read and write: its bookmarks, its observer of statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncDriver, AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from . import cypher_builder as cb
from . import queries as q
from .db import RequestScope, graph_version, read, read_row, run_in_transaction, write
from .graph_model import SEARCHABLE, TYPES

Row = dict[str, Any]


@dataclass(frozen=True)
class WriteResult:
    """What a write did: the references it did not find (and so nothing was written), or the rows it returned."""

    missing: dict[str, list[str]]
    rows: list[Row]
    duplicate: bool = False


REFERENCE_KINDS = ("counties", "industries", "cities", "clusters", "enterprises", "batches")


@dataclass(frozen=True)
class ConnectionData:
    """A page of rows (`{node, edge, sort}` maps) and, when asked for, the aggregate over the whole filtered list."""

    rows: list[Row]
    aggregate: Row | None


def _zero_aggregate(type_name: str) -> Row:
    numeric = {"count": 0, "sum": None, "min": None, "max": None, "avg": None}
    return {"count": 0, **{name: dict(numeric) for name in TYPES[type_name].numeric_aggregates}}


class Repository:
    """The API's access to Neo4j, on behalf of one request when it has a `scope` (see `bound`)."""

    def __init__(
        self,
        driver: AsyncDriver,
        database: str,
        timeout_s: float | None = None,
        retry_s: float = 0.0,
        scope: RequestScope | None = None,
    ) -> None:
        self.driver = driver
        self.database = database
        self.timeout_s = timeout_s
        #: How long a read that failed for a passing reason (a restart, a leader change) is tried again.
        self.retry_s = retry_s
        #: The request every read and write is made for: its bookmarks, its observer. None: no request.
        self.scope = scope

    def bound(self, scope: RequestScope) -> Repository:
        """This repository for one request: the same driver and bounds, every call made in `scope`."""
        return Repository(self.driver, self.database, self.timeout_s, self.retry_s, scope)

    async def _read(self, query: LiteralString, params: dict[str, Any]) -> list[Row]:
        return await read(self.driver, self.database, query, params, self.timeout_s, self.retry_s, self.scope)

    async def ping(self) -> bool:
        rows = await self._read(q.PING, {})
        return bool(rows and rows[0]["ok"] == 1)

    async def graph_version(self) -> str:
        """What the graph's version is now (changes with every committed write; see `db.graph_version`)."""
        return await graph_version(
            self.driver, self.database, q.PING, self.timeout_s, self.retry_s, self.scope
        )

    # --- lists -----------------------------------------------------------------------------------------------

    async def root_connection(
        self, type_name: str, where: Row | None, order: cb.Order, page: cb.Page, parts: cb.Parts
    ) -> ConnectionData:
        statement, params = cb.connection_statement(TYPES[type_name], None, where, order, page, parts)
        rows = await self._read(statement, params)
        row = rows[0] if rows else {}
        return ConnectionData(rows=row.get("rows") or [], aggregate=row.get("aggregate"))

    async def nested_connections(
        self,
        parent_type: str,
        field: str,
        parent_ids: list[str],
        where: Row | None,
        order: cb.Order,
        page: cb.Page,
        parts: cb.Parts,
        rel_args: Row | None = None,
    ) -> list[ConnectionData]:
        """The same list of every parent in one round trip, in the order of `parent_ids`."""
        rel = TYPES[parent_type].rel_by_field[field]
        statement, params = cb.connection_statement(
            TYPES[rel.target], rel, where, order, page, parts, rel_args
        )
        rows = await self._read(statement, {**params, "ids": parent_ids})
        by_parent = {
            r["pid"]: ConnectionData(rows=r.get("rows") or [], aggregate=r.get("aggregate")) for r in rows
        }
        # A parent deleted between two levels of the query has an empty list, not a missing one.
        zero = _zero_aggregate(rel.target) if parts.total or parts.aggregate else None
        return [by_parent.get(pid, ConnectionData(rows=[], aggregate=zero)) for pid in parent_ids]

    # --- single nodes ----------------------------------------------------------------------------------------

    async def nodes_by_id(self, type_name: str, ids: list[str]) -> list[Row | None]:
        rows = await self._read(cb.nodes_by_id_statement(TYPES[type_name]), {"ids": ids})
        by_id = {r["pid"]: r["node"] for r in rows}
        return [by_id.get(i) for i in ids]

    async def related_one(
        self, parent_type: str, field: str, ids: list[str]
    ) -> list[tuple[Row | None, Row | None]]:
        rel = TYPES[parent_type].rel_by_field[field]
        rows = await self._read(cb.related_one_statement(rel), {"ids": ids})
        by_id = {r["pid"]: (r["node"], r["edge"]) for r in rows}
        return [by_id.get(i, (None, None)) for i in ids]

    async def run_selection(self, statement: LiteralString, params: dict[str, Any]) -> list[Any]:
        """A statement from `cypher_builder.selection_statement`: one value per root field, in order."""
        return await read_row(
            self.driver, self.database, statement, params, self.timeout_s, self.retry_s, self.scope
        )

    # --- graph questions -------------------------------------------------------------------------------------

    async def related_clusters(self, ids: list[str], first: int) -> list[list[Row]]:
        rows = await self._read(q.RELATED_CLUSTERS, {"ids": ids, "first": first})
        by_id = {r["pid"]: r["related"] for r in rows}
        return [by_id.get(i, []) for i in ids]

    async def city_industries(self, ids: list[str]) -> list[list[Row]]:
        rows = await self._read(q.CITY_INDUSTRIES, {"ids": ids})
        by_id = {r["pid"]: r["industries"] for r in rows}
        return [by_id.get(i, []) for i in ids]

    async def batch_named_counts(self, ids: list[str]) -> list[int]:
        rows = await self._read(q.BATCH_NAMED_COUNTS, {"ids": ids})
        by_id = {r["pid"]: r["named"] for r in rows}
        return [by_id.get(i, 0) for i in ids]

    async def search(self, text: str, first: int) -> list[Row]:
        return await self._read(
            q.SEARCH, {"query": cb.lucene_escape(text), "first": first, "labels": list(SEARCHABLE)}
        )

    async def shortest_path(self, from_type: str, from_id: str, to_type: str, to_id: str) -> Row | None:
        statement = cb.shortest_path_statement(TYPES[from_type], TYPES[to_type])
        rows = await self._read(statement, {"from": from_id, "to": to_id, "labels": list(TYPES)})
        return rows[0] if rows else None

    # --- writes ----------------------------------------------------------------------------------------------

    async def write_checked(
        self, statement: LiteralString, params: dict[str, Any], references: dict[str, list[str]] | None = None
    ) -> WriteResult:
        """In one write transaction: check that the referenced nodes exist, then write (or write nothing).

        A uniqueness constraint violation (a concurrent create of the same key) comes back as `duplicate`.
        """
        refs = {kind: list((references or {}).get(kind, [])) for kind in REFERENCE_KINDS}

        async def work(tx: AsyncManagedTransaction) -> WriteResult:
            if any(refs.values()):
                found = await (await run_in_transaction(tx, q.EXISTING_KEYS, refs, self.scope)).single(
                    strict=True
                )
                missing = {k: v for k, v in found.data().items() if v}
                if missing:
                    return WriteResult(missing=missing, rows=[])
            rows = await (await run_in_transaction(tx, statement, params, self.scope)).data()
            return WriteResult(missing={}, rows=rows)

        try:
            return await write(self.driver, self.database, work, self.timeout_s, self.scope)
        except ConstraintError:
            return WriteResult(missing={}, rows=[], duplicate=True)

    # --- statistics ------------------------------------------------------------------------------------------

    async def stats(self, name: str) -> list[Row]:
        return await self._read(STATS[name], {})


STATS: dict[str, LiteralString] = {
    "labels": q.STATS_LABEL_COUNTS,
    "relationships": q.STATS_RELATIONSHIP_COUNTS,
    "by_industry": q.STATS_CLUSTERS_BY_INDUSTRY,
    "by_city": q.STATS_CLUSTERS_BY_CITY,
    "by_level": q.STATS_CLUSTERS_BY_LEVEL,
    "timeline": q.STATS_TIMELINE,
    "output_value": q.STATS_OUTPUT_VALUE,
    "coverage": q.STATS_COVERAGE,
    "undated": q.STATS_UNDATED,
}
