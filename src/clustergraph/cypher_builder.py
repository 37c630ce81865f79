"""Assembling the API's read statements from the graph model (pure functions: no I/O here).

A statement's text is made only of fixed fragments and of names from `graph_model.TYPES`; every value from a
request (filter operands, cursor positions, page sizes, ids) is a parameter. Filters arrive as plain dicts
(`{"name": {"contains": "pump"}, "or_": [...], "city": {...}, "recognitions": {"some": {...}}}`), already
stripped of unset fields by the GraphQL layer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, LiteralString, cast

import orjson

from .graph_model import TYPES, Kind, NodeType, Rel, SortKey
from .queries import SHORTEST_PATH_TEMPLATE

MAX_FILTER_DEPTH = 8
#: A filter's conditions (operators and relationship tests) at most: beyond, Neo4j spends long just planning it.
MAX_FILTER_CONDITIONS = 50


class QueryInputError(ValueError):
    """A request's filter, sort or cursor cannot be turned into a query; the message says what and where."""


@dataclass
class Params:
    """Collects parameter values and hands out their names."""

    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any) -> LiteralString:
        name = f"p{len(self.values)}"
        self.values[name] = value
        # Parameter names are generated here ("p0", "p1", ...), never taken from a request.
        return cast(LiteralString, "$" + name)


@dataclass
class _Vars:
    count: int = 0
    conditions: int = 0

    def new(self) -> LiteralString:
        self.count += 1
        return cast(LiteralString, f"v{self.count}")


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fmt(template: LiteralString, **names: LiteralString) -> LiteralString:
    """Fill `{name}` placeholders in one pass (Cypher's own braces, as in `{id: pid}` or `{.*}`, are left alone).

    Templates and names both come from graph_model or from this module, never from a request.
    """
    return cast(LiteralString, _PLACEHOLDER.sub(lambda m: names.get(m.group(1), m.group(0)), template))


_GRAPHQL_NAMES = {"and_": "AND", "or_": "OR", "not_": "NOT", "in_": "in"}


def graphql_name(python_name: str) -> str:
    """The GraphQL name of an input field, for error messages (`name_zh` -> `nameZh`, `or_` -> `OR`)."""
    if python_name in _GRAPHQL_NAMES:
        return _GRAPHQL_NAMES[python_name]
    head, *rest = python_name.split("_")
    return head + "".join(part.title() for part in rest)


# --- filters -------------------------------------------------------------------------------------------------

_STRING_OPS = {"eq", "in_", "contains", "starts_with", "ends_with", "is_null"}
_NUMBER_OPS = {"eq", "in_", "gt", "gte", "lt", "lte", "is_null"}
_ENUM_OPS = {"eq", "in_", "is_null"}


def _prop_condition(
    expr: LiteralString, kind: Kind, ci: bool, ops: dict[str, Any], params: Params, where: str
) -> list[LiteralString]:
    allowed = {Kind.STRING: _STRING_OPS, Kind.ENUM: _ENUM_OPS}.get(kind, _NUMBER_OPS)
    out: list[LiteralString] = []
    for op, value in ops.items():
        if op not in allowed:
            raise QueryInputError(f"{where}: operator '{graphql_name(op)}' does not apply here")
        if op == "is_null":
            out.append(_fmt("{e} IS NULL", e=expr) if value else _fmt("{e} IS NOT NULL", e=expr))
            continue
        if value is None:
            raise QueryInputError(
                f"{where}.{graphql_name(op)}: a value is required (use isNull to test for null)"
            )
        lhs = _fmt("toLower({e})", e=expr) if ci and kind is Kind.STRING else expr
        if op == "in_":
            if ci and kind is Kind.STRING:
                value = [v.lower() for v in value]
            out.append(_fmt("{l} IN {p}", l=lhs, p=params.add(list(value))))
            continue
        if ci and kind is Kind.STRING:
            value = value.lower()
        p = params.add(value)
        operator: LiteralString = {
            "eq": "=",
            "gt": ">",
            "gte": ">=",
            "lt": "<",
            "lte": "<=",
            "contains": "CONTAINS",
            "starts_with": "STARTS WITH",
            "ends_with": "ENDS WITH",
        }[op]
        out.append(_fmt("{l} {o} {p}", l=lhs, o=operator, p=p))
    return out


def where_condition(
    node_type: NodeType,
    where: dict[str, Any] | None,
    var: LiteralString,
    params: Params,
    path: str = "where",
    _vars: _Vars | None = None,
    _depth: int = 0,
) -> LiteralString | None:
    """The Cypher condition for `where` on variable `var` of `node_type`, or None when there is nothing to test."""
    if not where:
        return None
    if _depth > MAX_FILTER_DEPTH:
        raise QueryInputError(f"{path}: filters nest deeper than {MAX_FILTER_DEPTH} levels")
    vars_ = _vars or _Vars()
    parts: list[LiteralString] = []
    for key, value in where.items():
        here = f"{path}.{graphql_name(key)}"
        if value is None:
            continue
        if key in ("and_", "or_"):
            subs = [
                where_condition(node_type, w, var, params, f"{here}[{i}]", vars_, _depth + 1)
                for i, w in enumerate(value)
            ]
            # An empty filter matches everything, so AND of nothing is true and OR of nothing is false.
            if key == "or_" and (not value or any(s is None for s in subs)):
                parts.append("true" if value else "false")
                continue
            subs_present = [s for s in subs if s]
            if subs_present:
                joiner: LiteralString = " AND " if key == "and_" else " OR "
                parts.append(_fmt("({s})", s=joiner.join(subs_present)))
            continue
        if key == "not_":
            sub = where_condition(node_type, value, var, params, here, vars_, _depth + 1)
            # Two-valued NOT: a comparison with a missing property is false, so its negation is true.
            parts.append(_fmt("NOT coalesce({s}, false)", s=sub) if sub else "false")
            continue
        prop = node_type.prop_by_field.get(key)
        if prop is not None:
            expr = _fmt("{v}.{p}", v=var, p=prop.prop)
            leaves = _prop_condition(expr, prop.kind, prop.case_insensitive, value, params, here)
            vars_.conditions += len(leaves)
            parts.extend(leaves)
            continue
        rel = node_type.rel_by_field.get(key)
        if rel is None:
            raise QueryInputError(f"{here}: {node_type.name} has no field '{key}' to filter on")
        tests = _rel_condition(rel, value, var, params, here, vars_, _depth)
        vars_.conditions += len(tests)
        parts.extend(tests)
    if _depth == 0 and vars_.conditions > MAX_FILTER_CONDITIONS:
        raise QueryInputError(
            f"{path}: the filter has {vars_.conditions} conditions; the limit is {MAX_FILTER_CONDITIONS}"
        )
    return _fmt("({s})", s=" AND ".join(parts)) if parts else None


def _rel_condition(
    rel: Rel, value: dict[str, Any], var: LiteralString, params: Params, path: str, vars_: _Vars, depth: int
) -> list[LiteralString]:
    target = TYPES[rel.target]
    other = vars_.new()
    pattern = _fmt(rel.pattern, a=var, b=other, r=vars_.new(), m=vars_.new())
    if not rel.many:
        sub = where_condition(target, value, other, params, path, vars_, depth + 1)
        return [_fmt("EXISTS { MATCH {p} WHERE {s} }", p=pattern, s=sub or "true")]
    out: list[LiteralString] = []
    for quantifier, sub_where in value.items():
        here = f"{path}.{graphql_name(quantifier)}"
        if sub_where is None:
            continue
        if quantifier == "count":
            counted = _fmt("COUNT { MATCH {p} RETURN DISTINCT {o} }", p=pattern, o=other)
            out.extend(_prop_condition(counted, Kind.INT, False, sub_where, params, here))
            continue
        sub = where_condition(target, sub_where, other, params, here, vars_, depth + 1)
        if quantifier == "some":
            out.append(_fmt("EXISTS { MATCH {p} WHERE {s} }", p=pattern, s=sub or "true"))
        elif quantifier == "none":
            out.append(_fmt("NOT EXISTS { MATCH {p} WHERE {s} }", p=pattern, s=sub or "true"))
        elif quantifier == "all":
            if sub:
                out.append(_fmt("NOT EXISTS { MATCH {p} WHERE NOT coalesce({s}, false) }", p=pattern, s=sub))
        else:
            raise QueryInputError(f"{here}: expected some, none, all or count")
    return out


# --- sorting and cursors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Order:
    """A resolved `orderBy`: sort keys with their directions; `n.id` ascending always ends it."""

    keys: tuple[tuple[SortKey, bool], ...]  # (key, descending)
    type_name: str = ""

    @property
    def signature(self) -> str:
        text = self.type_name + ":" + ",".join(f"{k.name}:{'D' if d else 'A'}" for k, d in self.keys)
        return hashlib.blake2s(text.encode(), digest_size=4).hexdigest()


def resolve_order(node_type: NodeType, order_by: list[tuple[str, bool]] | None) -> Order:
    """The sort keys of `order_by` ((enum name, descending) pairs), defaulting to the type's natural order."""
    requested = order_by or [(name, False) for name in node_type.default_sort]
    keys: list[tuple[SortKey, bool]] = []
    for i, (name, descending) in enumerate(requested):
        key = node_type.sort_by_name.get(name)
        if key is None:
            raise QueryInputError(f"orderBy[{i}].field: {node_type.name} cannot be sorted by {name}")
        if any(k.name == name for k, _ in keys):
            raise QueryInputError(f"orderBy[{i}].field: {name} is given twice")
        keys.append((key, descending))
    if not any(k.name == "KEY" for k, _ in keys):
        keys.append((SortKey("KEY", "{n}.id", Kind.STRING), False))
    return Order(tuple(keys), node_type.name)


def encode_cursor(order: Order, values: list[Any]) -> str:
    """An opaque cursor holding the row's sort values (keyset pagination)."""
    raw = orjson.dumps([order.signature, values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(order: Order, cursor: str, arg: str) -> list[Any]:
    """The sort values inside `cursor`; a clear error if it is malformed or made for another ordering."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        signature, values = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise QueryInputError(f"{arg}: {cursor[:40]!r} is not a cursor returned by this API") from exc
    if signature != order.signature:
        raise QueryInputError(
            f"{arg}: the cursor was made for another list or orderBy; use a cursor from this list and order"
        )
    if not isinstance(values, list) or len(values) != len(order.keys):
        raise QueryInputError(f"{arg}: {cursor[:40]!r} is not a cursor returned by this API")
    for value in values:
        if value is not None and not isinstance(value, str | int | float):
            raise QueryInputError(f"{arg}: {cursor[:40]!r} is not a cursor returned by this API")
    return values


def _keyset_condition(order: Order, values: tuple[Any, ...], params: Params, backward: bool) -> LiteralString:
    """Rows strictly after (or, backward, before) the cursor row in the order's sequence.

    Cypher sorts nulls last ascending and first descending; the comparisons follow that, so a cursor on a row with a
    null sort value still continues exactly where the page ended.
    """
    alternatives: list[LiteralString] = []
    for i, ((_, descending), value) in enumerate(zip(order.keys, values, strict=True)):
        equal_prefix: list[LiteralString] = []
        for j in range(i):
            prior = values[j]
            col = _fmt("s{j}", j=cast(LiteralString, str(j)))
            equal_prefix.append(
                _fmt("{c} IS NULL", c=col) if prior is None else _fmt("{c} = {p}", c=col, p=params.add(prior))
            )
        col = _fmt("s{i}", i=cast(LiteralString, str(i)))
        desc = descending != backward
        if value is None:
            beyond: LiteralString | None = None if not desc else _fmt("{c} IS NOT NULL", c=col)
        else:
            p = params.add(value)
            beyond = (
                _fmt("({c} > {p} OR {c} IS NULL)", c=col, p=p) if not desc else _fmt("{c} < {p}", c=col, p=p)
            )
        if beyond is None:
            continue
        alternatives.append(_fmt("({s})", s=" AND ".join([*equal_prefix, beyond])))
    return _fmt("({s})", s=" OR ".join(alternatives)) if alternatives else "false"


def _sort_projection(order: Order, var: LiteralString) -> tuple[LiteralString, LiteralString]:
    """(`WITH` items computing s0..sN, the list of those sort values to return)."""
    items: list[LiteralString] = []
    values: list[LiteralString] = []
    for i, (key, _descending) in enumerate(order.keys):
        col = _fmt("s{i}", i=cast(LiteralString, str(i)))
        items.append(_fmt("{e} AS {c}", e=_fmt(key.expression, n=var), c=col))
        values.append(col)
    return ", ".join(items), _fmt("[{v}]", v=", ".join(values))


def _order_by(order: Order, backward: bool) -> LiteralString:
    parts: list[LiteralString] = []
    for i, (_key, descending) in enumerate(order.keys):
        direction: LiteralString = "DESC" if descending != backward else "ASC"
        parts.append(_fmt("s{i} {d}", i=cast(LiteralString, str(i)), d=direction))
    return ", ".join(parts)


# --- connection statements -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A validated page request: how many rows, which way, from which cursor values."""

    limit: int
    backward: bool = False
    cursor_values: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Parts:
    """Which parts of a connection the request selected."""

    rows: bool = True
    total: bool = False
    aggregate: bool = False


def _aggregate_projection(node_type: NodeType, var: LiteralString) -> LiteralString:
    fields: list[LiteralString] = [_fmt("count: count(DISTINCT {v})", v=var)]
    for name in node_type.numeric_aggregates:
        prop = node_type.prop_by_field[name].prop
        x = _fmt("{v}.{p}", v=var, p=prop)
        fields.append(
            _fmt(
                "{f}: {count: count({x}), sum: sum({x}), min: min({x}), max: max({x}), avg: avg({x})}",
                f=cast(LiteralString, name),
                x=x,
            )
        )
    return _fmt("{ {s} }", s=", ".join(fields))


def _edge_projection(rel: Rel | None) -> LiteralString:
    if rel is None or not rel.edge_props:
        return "null"
    return _fmt("r { {p} }", p=", ".join(_fmt(".{x}", x=cast(LiteralString, x)) for x in rel.edge_props))


def connection_statement(
    node_type: NodeType,
    rel: Rel | None,
    where: dict[str, Any] | None,
    order: Order,
    page: Page,
    parts: Parts,
    rel_args: dict[str, Any] | None = None,
) -> tuple[LiteralString, dict[str, Any]]:
    """One statement answering a connection: its page of rows, total count and aggregates, as selected.

    With `rel`, the statement answers the connection for every parent id in `$ids` at once (one row per parent):
    that is how a nested list costs one round trip per level, whatever the number of parents.
    """
    params = Params()
    conditions = [c for c in [where_condition(node_type, where, "n", params)] if c]
    for name, value in (rel_args or {}).items():
        template = dict(rel.arg_conditions).get(name) if rel is not None else None
        if template is None:
            raise QueryInputError(f"{name}: not an argument of this list")
        if value is None:
            continue
        if isinstance(value, bool):
            condition = _fmt(template, a="a", b="n", m="m")
            conditions.append(condition if value else _fmt("NOT ({c})", c=condition))
        else:
            conditions.append(_fmt(template, a="a", b="n", m="m", value=params.add(value)))
    filt: LiteralString | None = _fmt("({c})", c=" AND ".join(conditions)) if conditions else None
    has_edge = rel is not None and bool(rel.edge_props)
    if rel is None:
        match = _fmt("MATCH (n:{l})", l=node_type.label)
    else:
        match = _fmt("MATCH {p}", p=_fmt(rel.pattern, a="a", b="n", r="r", m="m"))
    where_clause = _fmt(" WHERE {f}", f=filt) if filt else ""
    distinct: LiteralString = "WITH n, r" if has_edge else "WITH DISTINCT n"
    subqueries: list[LiteralString] = []
    returns: list[LiteralString] = []
    scope: LiteralString = "(a)" if rel is not None else "()"
    if parts.rows:
        items, sort_values = _sort_projection(order, "n")
        keyset = ""
        if page.cursor_values is not None:
            keyset = _fmt(" WHERE {k}", k=_keyset_condition(order, page.cursor_values, params, page.backward))
        limit = params.add(page.limit)
        edge_items: LiteralString = ", r" if has_edge else ""
        subqueries.append(
            _fmt(
                "CALL {sc} { {m}{w} {d} WITH n{ei}, {items}{ks} WITH * ORDER BY {ob} LIMIT {lim} "
                "RETURN collect({node: n {.*}, edge: {ep}, sort: {sv}}) AS rows }",
                sc=scope,
                m=match,
                w=where_clause,
                d=distinct,
                ei=edge_items,
                items=items,
                ks=keyset,
                ob=_order_by(order, page.backward),
                lim=limit,
                ep=_edge_projection(rel),
                sv=sort_values,
            )
        )
        returns.append("rows")
    if parts.total or parts.aggregate:
        # totalCount alone needs only the count; the sums, minima and maxima only when `aggregate` is selected.
        agg = _aggregate_projection(node_type, "n") if parts.aggregate else "{count: count(DISTINCT n)}"
        subqueries.append(
            _fmt(
                "CALL {sc} { {m}{w} WITH DISTINCT n RETURN {agg} AS aggregate }",
                sc=scope,
                m=match,
                w=where_clause,
                agg=agg,
            )
        )
        returns.append("aggregate")
    if rel is None:
        head: LiteralString = ""
        returns_text = ", ".join(returns)
    else:
        head = _fmt("UNWIND $ids AS pid MATCH (a:{l} {id: pid}) ", l=TYPES[_parent_of(rel)].label)
        returns_text = _fmt("pid, {r}", r=", ".join(returns))
    text = _fmt("{h}{s} RETURN {r}", h=head, s=" ".join(subqueries), r=returns_text)
    return text, params.values


_PARENTS: dict[int, str] = {id(r): t.name for t in TYPES.values() for r in t.rels}


def _parent_of(rel: Rel) -> str:
    return _PARENTS[id(rel)]


def related_one_statement(rel: Rel) -> LiteralString:
    """The single related node (and edge) of every parent id in `$ids`."""
    parent = TYPES[_parent_of(rel)]
    return _fmt(
        "UNWIND $ids AS pid MATCH (a:{l} {id: pid}) "
        "CALL (a) { OPTIONAL MATCH {p} RETURN n{rv} LIMIT 1 } "
        "RETURN pid, n {.*} AS node, {ep} AS edge",
        l=parent.label,
        p=_fmt(rel.pattern, a="a", b="n", r="r", m="m"),
        ep=_edge_projection(rel),
        rv=", r" if rel.edge_props else "",
    )


def nodes_by_id_statement(node_type: NodeType) -> LiteralString:
    """Nodes of one label by their ids (`$ids`)."""
    return _fmt("UNWIND $ids AS pid MATCH (n:{l} {id: pid}) RETURN pid, n {.*} AS node", l=node_type.label)


def shortest_path_statement(from_type: NodeType, to_type: NodeType) -> LiteralString:
    """The shortest path between two nodes given by label and id (`$from`, `$to`)."""
    return _fmt(SHORTEST_PATH_TEMPLATE, from_label=from_type.label, to_label=to_type.label)
