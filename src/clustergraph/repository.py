"""The API's access to Neo4j: the engine's one read statement per request, the graph version, and the writes.

Each read runs as an auto-commit transaction on a session of its own (see `db.read_row`); each write is one managed
write transaction that first checks the nodes it refers to (`write_checked`). The repository of a request
(`Repository.bound`) carries that request's scope (`db.RequestScope`) to every read and write: its bookmarks, its
observer of statements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncDriver, AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from .cypher import statements as q
from .db import RequestScope, graph_version, read, read_row, run_in_transaction, write
from .sort_keys import with_sort_keys

Row = dict[str, Any]


def _props_with_sort_keys(params: Row) -> Row:
    """An update's parameters with the sort keys of the names its `props` set (see `sort_keys`)."""
    return {**params, "props": with_sort_keys(params["props"])}


@dataclass(frozen=True)
class WriteResult:
    """What a write did: the references it did not find (and so nothing was written), or the rows it returned."""

    missing: dict[str, list[str]]
    rows: list[Row]
    duplicate: bool = False


REFERENCE_KINDS = ("counties", "industries", "cities", "clusters", "enterprises", "batches")


class Repository:
    """The API's access to Neo4j, on behalf of one request when it has a `scope` (see `bound`)."""

    def __init__(
        self,
        driver: AsyncDriver,
        database: str,
        timeout_s: float | None = None,
        retry_s: float = 0.0,
        scope: RequestScope | None = None,
        on_write: Callable[[], None] | None = None,
    ) -> None:
        self.driver = driver
        self.database = database
        self.timeout_s = timeout_s
        #: How long a read that failed for a passing reason (a restart, a leader change) is tried again.
        self.retry_s = retry_s
        #: The request every read and write is made for: its bookmarks, its observer. None: no request.
        self.scope = scope
        #: Called after each write has committed (the live queries read the graph version again at once).
        self.on_write = on_write

    def bound(self, scope: RequestScope) -> Repository:
        """This repository for one request: the same driver and bounds, every call made in `scope`."""
        return Repository(self.driver, self.database, self.timeout_s, self.retry_s, scope, self.on_write)

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

    async def run_selection(self, statement: LiteralString, params: dict[str, Any]) -> list[Any]:
        """A statement from `cypher.builder.selection_statement`: one value per root field, in order."""
        return await read_row(
            self.driver, self.database, statement, params, self.timeout_s, self.retry_s, self.scope
        )

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
            result = await write(self.driver, self.database, work, self.timeout_s, self.scope)
        except ConstraintError:
            return WriteResult(missing={}, rows=[], duplicate=True)
        if self.on_write is not None and not result.missing:
            self.on_write()
        return result

    # --- the writes of the mutations, by name: (statement, the nodes it refers to) ---------------------------

    async def create_cluster(self, params: Row) -> WriteResult:
        refs = {"counties": [params["countyKey"]], "industries": [params["industryKey"]]}
        return await self.write_checked(q.CREATE_CLUSTER, with_sort_keys(params), refs)

    async def update_cluster(self, params: Row) -> WriteResult:
        refs = {
            "clusters": [params["key"]],
            "counties": [k for k in [params["countyKey"]] if k],
            "industries": [k for k in [params["industryKey"]] if k],
        }
        return await self.write_checked(q.UPDATE_CLUSTER, _props_with_sort_keys(params), refs)

    async def delete_cluster(self, key: str) -> WriteResult:
        return await self.write_checked(q.DELETE_CLUSTER, {"key": key}, {"clusters": [key]})

    async def create_enterprise(self, params: Row) -> WriteResult:
        return await self.write_checked(q.CREATE_ENTERPRISE, with_sort_keys(params))

    async def update_enterprise(self, params: Row) -> WriteResult:
        return await self.write_checked(
            q.UPDATE_ENTERPRISE, _props_with_sort_keys(params), {"enterprises": [params["key"]]}
        )

    async def delete_enterprise(self, key: str) -> WriteResult:
        return await self.write_checked(q.DELETE_ENTERPRISE, {"key": key}, {"enterprises": [key]})

    async def add_membership(self, params: Row) -> WriteResult:
        refs = {"enterprises": [params["enterpriseKey"]], "clusters": [params["clusterKey"]]}
        return await self.write_checked(q.ADD_MEMBERSHIP, params, refs)

    async def remove_membership(self, params: Row) -> WriteResult:
        return await self.write_checked(q.REMOVE_MEMBERSHIP, params)

    async def record_recognition(self, params: Row) -> WriteResult:
        batch = params["batchKey"]
        refs = {"clusters": [params["clusterKey"]], "batches": [batch] if batch else []}
        return await self.write_checked(q.RECORD_RECOGNITION, params, refs)

    async def remove_recognition(self, params: Row) -> WriteResult:
        return await self.write_checked(q.REMOVE_RECOGNITION, params)

    async def create_city(self, params: Row) -> WriteResult:
        return await self.write_checked(q.CREATE_CITY, with_sort_keys(params))

    async def create_county(self, params: Row) -> WriteResult:
        return await self.write_checked(
            q.CREATE_COUNTY, with_sort_keys(params), {"cities": [params["cityKey"]]}
        )

    async def create_industry(self, params: Row) -> WriteResult:
        return await self.write_checked(q.CREATE_INDUSTRY, with_sort_keys(params))
