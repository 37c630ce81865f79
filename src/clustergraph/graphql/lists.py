"""Resolving a list field into a connection: validate the page, build the request, load, shape the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from ..cypher_builder import Order, Page, Parts, QueryInputError, decode_cursor, encode_cursor, resolve_order
from ..graph_model import TYPES
from ..repository import ConnectionData
from .context import Context, ListRequest
from .inputs import SortDirection, filter_dict


def bad_input(message: str) -> GraphQLError:
    """A GraphQL error for a request the client must change."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


@dataclass(frozen=True)
class PageArgs:
    """The Relay pagination arguments of one list field."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


def make_page(context: Context, order: Order, args: PageArgs) -> Page:
    """Validate the pagination arguments against the settings' page sizes."""
    settings = context.settings
    if args.first is not None and args.last is not None:
        raise QueryInputError(
            "first and last cannot be used together: page forward (first/after) or back (last/before)"
        )
    if args.first is not None and args.before is not None:
        raise QueryInputError("before goes with last, not first")
    if args.last is not None and args.after is not None:
        raise QueryInputError("after goes with first, not last")
    backward = args.last is not None or (args.before is not None and args.first is None)
    size = args.last if backward else args.first
    name = "last" if backward else "first"
    if size is None:
        size = settings.default_page_size
    if size < 0:
        raise QueryInputError(f"{name}: {size} is negative; ask for 0 to {settings.max_page_size} items")
    if size > settings.max_page_size:
        raise QueryInputError(f"{name}: {size} is more than the maximum page size {settings.max_page_size}")
    cursor, cursor_name = (args.before, "before") if backward else (args.after, "after")
    values = tuple(decode_cursor(order, cursor, cursor_name)) if cursor is not None else None
    return Page(limit=size + 1, backward=backward, cursor_values=values)


def _flatten(selections: list[Selection]) -> list[SelectedField]:
    out: list[SelectedField] = []
    for s in selections:
        if isinstance(s, SelectedField):
            out.append(s)
        elif isinstance(s, FragmentSpread | InlineFragment):
            out.extend(_flatten(s.selections))
    return out


def selected_parts(info: Info[Context, Any]) -> Parts:
    """Which parts of the connection the query selects (fragments included)."""
    names: set[str] = set()
    for selected in info.selected_fields:
        names.update(f.name for f in _flatten(selected.selections))
    return Parts(
        rows=bool(names & {"edges", "nodes", "pageInfo"}),
        total=bool(names & {"totalCount"}),
        aggregate=bool(names & {"aggregate"}),
    )


def order_pairs(order_by: list[Any] | None) -> list[tuple[str, bool]] | None:
    if not order_by:
        return None
    return [(o.field.value, o.direction is SortDirection.DESC) for o in order_by]


@dataclass
class ListQuery:
    """A list field's request, validated."""

    type_name: str
    where: dict[str, Any] | None
    order: Order
    page: Page
    parts: Parts
    args: PageArgs


def prepare(
    info: Info[Context, Any], type_name: str, where: Any, order_by: list[Any] | None, args: PageArgs
) -> ListQuery:
    try:
        order = resolve_order(TYPES[type_name], order_pairs(order_by))
        page = make_page(info.context, order, args)
    except QueryInputError as exc:
        raise bad_input(str(exc)) from exc
    return ListQuery(type_name, filter_dict(where) or None, order, page, selected_parts(info), args)


async def load_root(info: Info[Context, Any], query: ListQuery) -> ConnectionData:
    try:
        return await info.context.repo.root_connection(
            query.type_name, query.where, query.order, query.page, query.parts
        )
    except QueryInputError as exc:
        raise bad_input(str(exc)) from exc


async def load_nested(
    info: Info[Context, Any],
    parent_type: str,
    field_name: str,
    parent_key: str,
    query: ListQuery,
    rel_args: dict[str, Any] | None = None,
) -> ConnectionData:
    request = ListRequest(
        where=ListRequest.freeze(query.where),
        order=query.order,
        page=query.page,
        parts=query.parts,
        rel_args=tuple(sorted((rel_args or {}).items())),
    )
    try:
        return await info.context.loaders.many(parent_type, field_name, request).load(parent_key)
    except QueryInputError as exc:
        raise bad_input(str(exc)) from exc


@dataclass
class Shaped:
    """A loaded page, ready for the connection types: rows in display order, cursors, page info."""

    rows: list[dict[str, Any]]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total: int | None
    aggregate: dict[str, Any] | None


def shape(query: ListQuery, data: ConnectionData) -> Shaped:
    """Trim the extra row that tells whether more exist, restore display order, and make the cursors."""
    limit = query.page.limit - 1
    rows = data.rows
    has_more = len(rows) > limit
    rows = rows[:limit]
    if query.page.backward:
        rows = list(reversed(rows))
        has_next, has_previous = query.args.before is not None, has_more
    else:
        has_next, has_previous = has_more, query.args.after is not None
    cursors = [encode_cursor(query.order, r["sort"]) for r in rows]
    aggregate = data.aggregate
    total = aggregate["count"] if aggregate is not None else None
    return Shaped(rows, cursors, has_next, has_previous, total, aggregate if query.parts.aggregate else None)


NodeFactory = Callable[[dict[str, Any]], Any]


WHERE_ARG = strawberry.argument(description="Only the items that match.")
ORDER_ARG = strawberry.argument(description="Sort keys, the first one first; the key breaks remaining ties.")
First = Annotated[
    int | None, strawberry.argument(description="Page forward: how many items from the start or `after`.")
]
After = Annotated[
    str | None, strawberry.argument(description="Page forward: the cursor the page starts after.")
]
Last = Annotated[
    int | None, strawberry.argument(description="Page backward: how many items before `before` or the end.")
]
Before = Annotated[
    str | None, strawberry.argument(description="Page backward: the cursor the page ends before.")
]
