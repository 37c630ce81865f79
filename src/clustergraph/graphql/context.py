"""Per-request state: the repository, this request's DataLoaders, and its count of Cypher round trips.

DataLoaders live for one request, so their cache never serves one client's read to another request. Each list
loader is keyed by the list's full request (filter, order, page, parts): all parents that ask for the same list
at one level of the query share one batch, hence one round trip.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import orjson
from strawberry.dataloader import DataLoader

from ..auth import Principal
from ..cypher_builder import Order, Page, Parts
from ..db import RequestScope
from ..repository import ConnectionData, Repository, Row
from ..settings import Settings


@dataclass(frozen=True)
class ListRequest:
    """Everything that shapes one nested list, hashable so that equal requests share a loader."""

    where: bytes
    order: Order
    page: Page
    parts: Parts
    rel_args: tuple[tuple[str, Any], ...] = ()

    @staticmethod
    def freeze(where: Row | None) -> bytes:
        return orjson.dumps(where, option=orjson.OPT_SORT_KEYS)


class Loaders:
    """This request's DataLoaders, created on first use."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}

    def _get(self, key: Hashable, load: Callable[[list[Any]], Awaitable[list[Any]]]) -> DataLoader[Any, Any]:
        loader = self._loaders.get(key)
        if loader is None:
            loader = DataLoader(load_fn=load)
            self._loaders[key] = loader
        return loader

    def node(self, type_name: str) -> DataLoader[str, Row | None]:
        return self._get(("node", type_name), lambda ids: self.repo.nodes_by_id(type_name, ids))

    def one(self, type_name: str, field_name: str) -> DataLoader[str, tuple[Row | None, Row | None]]:
        return self._get(
            ("one", type_name, field_name), lambda ids: self.repo.related_one(type_name, field_name, ids)
        )

    def many(self, type_name: str, field_name: str, request: ListRequest) -> DataLoader[str, ConnectionData]:
        where = orjson.loads(request.where)

        def load(ids: list[str]) -> Awaitable[list[ConnectionData]]:
            return self.repo.nested_connections(
                type_name,
                field_name,
                ids,
                where,
                request.order,
                request.page,
                request.parts,
                dict(request.rel_args),
            )

        return self._get(("many", type_name, field_name, request), load)

    def related_clusters(self, first: int) -> DataLoader[str, list[Row]]:
        return self._get(("related", first), lambda ids: self.repo.related_clusters(ids, first))

    def city_industries(self) -> DataLoader[str, list[Row]]:
        return self._get(("city_industries",), self.repo.city_industries)

    def batch_named_counts(self) -> DataLoader[str, int]:
        return self._get(("batch_named",), self.repo.batch_named_counts)


@dataclass
class Context:
    """What every resolver finds in `info.context`."""

    repo: Repository
    settings: Settings
    loaders: Loaders
    principal: Principal | None = None
    #: The request's scope (bookmarks, statement count, deadline); `repo` is bound to it.
    scope: RequestScope = field(default_factory=RequestScope)
    request: Any = None
    response: Any = None
