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
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, LiteralString, cast

import orjson

from ..graph_model import SEARCHABLE, TYPES, Kind, Location, NodeType, Rel, SortKey, camel
from ..sort_keys import fold
from . import patterns
from . import statements as q

MAX_FILTER_DEPTH = 8
#: The largest distance a filter or `near` takes, in km: half the Earth's circumference as Neo4j's point.distance
#: reckons it (20,037.5 km between antipodes), so that every point is within it.
MAX_DISTANCE_KM = 20_040.0
#: A filter's conditions (operators and relationship tests) at most: beyond, Neo4j spends long just planning it.
MAX_FILTER_CONDITIONS = 50


class QueryInputError(ValueError):
    """A request's filter, sort or cursor cannot be turned into a query; the message says what and where."""


class SlotMismatch(Exception):
    """A variable's new value cannot be bound into a plan made for another (a cursor with nulls elsewhere, an ID of
    another type): the request is planned anew."""


#: Computes a parameter's value from a request's variables (as graphql-core coerced them).
Binder = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True, eq=False)
class Slot:
    """A parameter value that one request variable gives, as a plan template holds it: `value` is this request's,
    `bind` computes it from other variables (raising, as the planner does, for a value it refuses).

    The planner makes one only where the variable's value goes into a parameter and nowhere else (a node's key, a
    search text, a cursor's sort values), so that a statement planned for one value serves every value: a plan made
    for `cluster(id: $id)` is the plan of every `$id`. Code that needs the value itself to decide what to write (a
    label, an operator, a list's length) gets a plain value, never a slot.
    """

    value: Any
    bind: Binder

    def map(self, convert: Callable[[Any], Any]) -> Slot:
        """The slot of `convert(value)`."""
        bind = self.bind
        return Slot(convert(self.value), lambda variables: convert(bind(variables)))


def converted(value: Any, convert: Callable[[Any], Any]) -> Any:
    """`convert(value)`, or for a slot the slot of it."""
    return value.map(convert) if isinstance(value, Slot) else convert(value)


@dataclass
class Params:
    """Collects parameter values and hands out their names; a `Slot`'s value is recorded with its binder."""

    values: dict[str, Any] = field(default_factory=dict)
    #: The parameters that slots gave: name -> binder.
    slots: dict[str, Binder] = field(default_factory=dict)

    def add(self, value: Any) -> LiteralString:
        name = f"p{len(self.values)}"
        if isinstance(value, Slot):
            self.slots[name] = value.bind
            value = value.value
        self.values[name] = value
        # Parameter names are generated here ("p0", "p1", ...), never taken from a request.
        return cast(LiteralString, "$" + name)


@dataclass
class _Vars:
    count: int = 0
    conditions: int = 0
    #: Filters name their variables v1, v2, ...; the compiled statement's own variables are x1, x2, ...
    prefix: str = "v"

    def new(self) -> LiteralString:
        self.count += 1
        return cast(LiteralString, f"{self.prefix}{self.count}")


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=2048)
def _template_parts(template: str) -> list[str]:
    """The template cut at its placeholders: literal text at even positions, placeholder names at odd ones."""
    return _PLACEHOLDER.split(template)


def _fmt(template: LiteralString, **names: LiteralString) -> LiteralString:
    """Fill `{name}` placeholders in one pass (Cypher's own braces, as in `{id: pid}` or `{.*}`, are left alone).

    Templates and names both come from graph_model or from this module, never from a request.
    """
    parts = list(_template_parts(template))
    for i in range(1, len(parts), 2):
        value = names.get(parts[i])
        parts[i] = "{" + parts[i] + "}" if value is None else value
    return cast(LiteralString, "".join(parts))


_GRAPHQL_NAMES = {"and_": "AND", "or_": "OR", "not_": "NOT", "in_": "in"}


def graphql_name(python_name: str) -> str:
    """The GraphQL name of an input field, for error messages (`name_zh` -> `nameZh`, `or_` -> `OR`)."""
    if python_name in _GRAPHQL_NAMES:
        return _GRAPHQL_NAMES[python_name]
    head, *rest = python_name.split("_")
    return head + "".join(part.title() for part in rest)


_LUCENE_SPECIAL = set('+-&|!(){}[]^"~*?:\\/')
#: Lucene's query parser reads these words, in capitals, as operators; lower-cased they are plain words (which the
#: `name_search` analyzer lower-cases anyway, and drops as stop words).
_LUCENE_OPERATOR_WORDS = re.compile(r"\b(?:AND|OR|NOT)\b")


def search_query(text: str) -> str:
    """A search text as the full-text index is queried: folded as its `nameFolded` is (so that `garze` and
    `Garzê` both find Garzê), then escaped."""
    return lucene_escape(fold(text))


def lucene_escape(text: str) -> str:
    """User text as literal Lucene terms, searched as written: every operator character is escaped and the operator
    words AND, OR and NOT are lower-cased (the text is still a parameter)."""
    escaped = "".join("\\" + ch if ch in _LUCENE_SPECIAL else ch for ch in text)
    return _LUCENE_OPERATOR_WORDS.sub(lambda m: m.group(0).lower(), escaped)


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
        if key == "location" and node_type.location is not None:
            tests = _location_condition(node_type.location, value, var, params, here)
            vars_.conditions += len(tests)
            parts.extend(tests)
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


# --- locations ---------------------------------------------------------------------------------------------


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise QueryInputError(f"{where}: {value!r} is not a finite number")
    return float(value)


def check_point(
    latitude: Any, longitude: Any, where_latitude: str, where_longitude: str
) -> tuple[float, float]:
    """(latitude, longitude) of a point a request gives, checked: -90..90 and -180..180 decimal degrees."""
    lat, lon = _number(latitude, where_latitude), _number(longitude, where_longitude)
    if not -90 <= lat <= 90:
        raise QueryInputError(f"{where_latitude}: {lat:g} is not a latitude: give -90 to 90 (degrees north)")
    if not -180 <= lon <= 180:
        raise QueryInputError(
            f"{where_longitude}: {lon:g} is not a longitude: give -180 to 180 (degrees east)"
        )
    return lat, lon


def check_km(value: Any, where: str, *, above_zero: bool = False) -> float:
    """A distance in km a request gives, checked: finite, not negative (above 0 with `above_zero`), at most
    `MAX_DISTANCE_KM`."""
    km = _number(value, where)
    if km < 0 or (above_zero and km == 0):
        wanted = "more than 0" if above_zero else "0 or more"
        raise QueryInputError(f"{where}: {km:g} km is not a distance: give {wanted}")
    if km > MAX_DISTANCE_KM:
        raise QueryInputError(f"{where}: {km:g} km is more than the maximum {MAX_DISTANCE_KM:g} km")
    return km


def _origin(point: tuple[float, float], params: Params) -> LiteralString:
    """The point as Cypher: a WGS-84 point made of two parameters (a constant for the planner: it can seek the
    point index with it)."""
    return _fmt("point({latitude: {a}, longitude: {b}})", a=params.add(point[0]), b=params.add(point[1]))


_DISTANCE_OPS: dict[str, LiteralString] = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def _distance_conditions(
    expr: LiteralString, value: dict[str, Any], params: Params, where: str
) -> list[LiteralString]:
    """`point.distance(expr, from) <op> metres` for each bound of a `DistanceFilter` (bounds in km)."""
    given = value.get("from_")
    if not isinstance(given, dict):
        raise QueryInputError(f"{where}.from: give the point to measure from ({{latitude, longitude}})")
    origin = check_point(given.get("latitude"), given.get("longitude"), f"{where}.from.latitude",
                         f"{where}.from.longitude")  # fmt: skip
    bounds = {op: km for op, km in value.items() if op != "from_"}
    unknown = set(bounds) - set(_DISTANCE_OPS)
    if unknown:
        raise QueryInputError(f"{where}: operator '{graphql_name(unknown.pop())}' does not apply here")
    if not bounds:
        raise QueryInputError(f"{where}: give at least one of lt, lte, gt, gte (km)")
    distance = _fmt("point.distance({e}, {o})", e=expr, o=_origin(origin, params))
    out: list[LiteralString] = []
    for op, km in bounds.items():
        metres = check_km(km, f"{where}.{op}") * 1000
        out.append(_fmt("{d} {o} {p}", d=distance, o=_DISTANCE_OPS[op], p=params.add(metres)))
    return out


def _location_condition(
    location: Location, value: dict[str, Any], var: LiteralString, params: Params, where: str
) -> list[LiteralString]:
    """The tests of a `LocationFilter` on `var`'s location (its own point, or the point its path reaches)."""
    point = _fmt(location.value, n=var)
    out: list[LiteralString] = []
    for op, ops in value.items():
        here = f"{where}.{graphql_name(op)}"
        if op == "is_null":
            out.append(_fmt("{e} IS NULL", e=point) if ops else _fmt("{e} IS NOT NULL", e=point))
        elif op == "distance":
            out.extend(_distance_conditions(point, ops, params, here))
        else:
            raise QueryInputError(f"{here}: expected distance or isNull")
    return out


def _location_anchor(
    node_type: NodeType, where: dict[str, Any] | None
) -> tuple[Location, dict[str, Any], dict[str, Any] | None] | None:
    """A top-level `location: {distance: {from, lt or lte}}` of `where`, which a point index can answer: (the
    location, the distance filter, the rest of `where`)."""
    location = node_type.location
    value = (where or {}).get("location")
    if location is None or not isinstance(value, dict) or set(value) != {"distance"}:
        return None
    distance = value["distance"]
    if not isinstance(distance, dict) or not {"lt", "lte"} & set(distance):
        return None
    rest = {k: v for k, v in (where or {}).items() if k != "location"}
    return location, distance, rest or None


# --- sorting and cursors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Order:
    """A resolved `orderBy`: sort keys with their directions; `n.id` ascending always ends it."""

    keys: tuple[tuple[SortKey, bool], ...]  # (key, descending)
    type_name: str = ""
    #: The point (latitude, longitude) a DISTANCE key measures from.
    origin: tuple[float, float] | None = None

    @property
    def signature(self) -> str:
        text = self.type_name + ":" + ",".join(f"{k.name}:{'D' if d else 'A'}" for k, d in self.keys)
        if self.origin is not None:
            text += f"@{self.origin[0]!r},{self.origin[1]!r}"
        return hashlib.blake2s(text.encode(), digest_size=4).hexdigest()


def resolve_order(
    node_type: NodeType,
    order_by: list[tuple[str, bool]] | None,
    origins: dict[int, tuple[float, float]] | None = None,
) -> Order:
    """The sort keys of `order_by` ((enum name, descending) pairs), defaulting to the type's natural order.

    `origins` holds the points the items give in `from` (latitude, longitude), by position: DISTANCE takes one,
    no other key does."""
    requested = order_by or [(name, False) for name in node_type.default_sort]
    origins = origins or {}
    keys: list[tuple[SortKey, bool]] = []
    origin: tuple[float, float] | None = None
    for i, (name, descending) in enumerate(requested):
        key = node_type.sort_by_name.get(name)
        if key is None:
            raise QueryInputError(f"orderBy[{i}].field: {node_type.name} cannot be sorted by {name}")
        if any(k.name == name for k, _ in keys):
            raise QueryInputError(f"orderBy[{i}].field: {name} is given twice")
        if key.distance and i not in origins:
            raise QueryInputError(f"orderBy[{i}].from: {name} needs the point to measure from")
        if not key.distance and i in origins:
            raise QueryInputError(f"orderBy[{i}].from: only DISTANCE takes a point, not {name}")
        if key.distance:
            origin = origins[i]
        keys.append((key, descending))
    if not any(k.name == "KEY" for k, _ in keys):
        keys.append((SortKey("KEY", "{n}.id", Kind.STRING, required=True), False))
    return Order(tuple(keys), node_type.name, origin)


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

    Nulls sort last in both directions (see `_order_by`): after a row with a value come the rows with a value
    beyond it and the rows without one; after a row without a value, on that key, nothing. Backward, before a row
    without a value come all rows with one. So a cursor on a row with a null sort value still continues exactly
    where the page ended, either way.
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
        beyond: LiteralString | None
        if value is None:
            beyond = _fmt("{c} IS NOT NULL", c=col) if backward else None
        else:
            p = params.add(value)
            if backward:
                beyond = _fmt("{c} {o} {p}", c=col, o=">" if descending else "<", p=p)
            else:
                beyond = _fmt("({c} {o} {p} OR {c} IS NULL)", c=col, o="<" if descending else ">", p=p)
        if beyond is None:
            continue
        alternatives.append(_fmt("({s})", s=" AND ".join([*equal_prefix, beyond])))
    return _fmt("({s})", s=" OR ".join(alternatives)) if alternatives else "false"


def _sort_projection(order: Order, var: LiteralString, params: Params) -> tuple[LiteralString, LiteralString]:
    """(`WITH` items computing s0..sN, the list of those sort values to return).

    A DISTANCE key is the distance in metres from the order's point (null where the node has no location)."""
    items: list[LiteralString] = []
    values: list[LiteralString] = []
    for i, (key, _descending) in enumerate(order.keys):
        col = _fmt("s{i}", i=cast(LiteralString, str(i)))
        expression = _fmt(key.expression, n=var)
        if key.distance:
            assert order.origin is not None, "resolve_order gives a DISTANCE key its point"
            expression = _fmt("point.distance({e}, {o})", e=expression, o=_origin(order.origin, params))
        items.append(_fmt("{e} AS {c}", e=expression, c=col))
        values.append(col)
    return ", ".join(items), _fmt("[{v}]", v=", ".join(values))


def _order_by(order: Order, backward: bool) -> LiteralString:
    """The ORDER BY of a page: each key in its direction with nulls last either way (reversed for a backward page).

    Cypher sorts nulls last ascending but first descending; a descending key that may be null is therefore sorted
    first by whether it is null. A key every node has (`required`) needs no such term, so an index still serves
    the order of a root page.
    """
    parts: list[LiteralString] = []
    for i, (key, descending) in enumerate(order.keys):
        col = _fmt("s{i}", i=cast(LiteralString, str(i)))
        if descending and not key.required:
            parts.append(_fmt("{c} IS NULL {d}", c=col, d="DESC" if backward else "ASC"))
        direction: LiteralString = "DESC" if descending != backward else "ASC"
        parts.append(_fmt("{c} {d}", c=col, d=direction))
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


def _edge_projection(rel: Rel | None, var: LiteralString = "r") -> LiteralString:
    """The edge properties of relationship variable `var` as a map, or null when the relationship has none."""
    if rel is None or not rel.edge_props:
        return "null"
    return _fmt(
        "{r} { {p} }", r=var, p=", ".join(_fmt(".{x}", x=cast(LiteralString, x)) for x in rel.edge_props)
    )


# --- selections: what a query reads, planned by the engine (graphql/engine.py) --------------------------------


@dataclass
class NodeSelection:
    """What a query reads of a node: its properties, values computed from it, and related data under generated keys
    (`k0`, `k1`, ...). A selection may serve nodes of several types (search hits, path nodes): each type's fields
    are then read from the same map."""

    props: set[str] = field(default_factory=lambda: {"id"})
    #: (map key, expression over `{n}`), for values computed in Cypher (a point's coordinates, a count).
    computed: dict[str, LiteralString] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)

    def child_key(self) -> str:
        return f"k{len(self.children)}"


@dataclass
class _Compiled:
    """What compiling a selection left for the answer: its column (roots), or the error that kept it out."""

    column: int = field(default=-1, kw_only=True)
    error: QueryInputError | None = field(default=None, kw_only=True)


@dataclass
class OneSelection(_Compiled):
    """A to-one relationship: the related node's map (null when there is none), or only an edge property."""

    key: str
    rel: Rel
    node: NodeSelection | None
    edge_prop: str | None = None


@dataclass
class ListSelection(_Compiled):
    """A connection: `{rows: [{node, edge, sort}], aggregate}` for a page of the list (root when `rel` is None)."""

    key: str
    rel: Rel | None
    node_type: NodeType
    where: dict[str, Any] | None
    order: Order
    page: Page
    parts: Parts
    node: NodeSelection
    rel_args: dict[str, Any] | None = None


@dataclass
class RowsSelection(_Compiled):
    """A fixed-shape list of rows about a parent, each with a node (`{node, ...}`), from a template of `queries`
    (`{a}` the parent, `{o}` the row's node, `{calls}`, `{proj}`, `{out}`, and one placeholder per parameter)."""

    key: str
    template: LiteralString
    node: NodeSelection
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class RootNodeSelection(_Compiled):
    """A root field fetching one node by key: its map, or null."""

    key: str
    node_type: NodeType
    node_id: str | Slot
    node: NodeSelection


@dataclass
class NodesSelection(_Compiled):
    """Nodes by type and key, of any types: `{<type>: [{id, node}]}` for the keys that exist."""

    key: str
    keys: dict[str, list[str]]
    node: NodeSelection


@dataclass
class StatsSelection(_Compiled):
    """The `stats` object: each selected part (key, part name, its node's selection) under its key, a generated
    one (`s0`, `s1`, ...) that the engine maps back to the response keys."""

    key: str
    parts: list[tuple[str, str, NodeSelection | None]]


@dataclass
class SearchSelection(_Compiled):
    """Full-text hits `[{label, score, node}]`; `node` holds what any of the hit types selects."""

    key: str
    query: str | Slot
    first: int
    node: NodeSelection


@dataclass
class PathSelection(_Compiled):
    """The shortest path between two nodes: `{from, to, nodes: [{label, node}], rels: [{type, start, end}]}` where
    `from`/`to` say whether each end exists, `nodes` is null when no path joins them, and `start`/`end` index
    `nodes`."""

    key: str
    from_type: NodeType
    from_id: str
    to_type: NodeType
    to_id: str
    node: NodeSelection


Child = OneSelection | ListSelection | RowsSelection
Root = RootNodeSelection | NodesSelection | ListSelection | StatsSelection | SearchSelection | PathSelection

_ROWS: LiteralString = "{rows} {calls} WITH * ORDER BY {order} RETURN collect({item}) AS {out}"

#: The statistics: (rows as maps, with `{n}` and `{proj}` for the node when there is one).
STATS_PARTS: dict[str, LiteralString] = {
    "labelCounts": _fmt(
        "CALL () { {q} } RETURN collect({label: label, count: count}) AS {out}",
        q=q.STATS_LABEL_COUNTS,
    ),
    "relationshipCounts": _fmt(
        "CALL () { {q} } RETURN collect({label: type, count: count}) AS {out}",
        q=q.STATS_RELATIONSHIP_COUNTS,
    ),
    "relationshipTypeCounts": _fmt(
        "CALL () { {q} } RETURN collect({type: type, count: count}) AS {out}",
        q=q.STATS_RELATIONSHIP_COUNTS,
    ),
    "clustersByIndustry": _fmt(
        _ROWS,
        rows=q.STATS_BY_INDUSTRY_ROWS,
        order=q.STATS_BY_INDUSTRY_ORDER,
        item="{node: {proj}, count: count}",
    ),
    "clustersByCity": _fmt(
        _ROWS, rows=q.STATS_BY_CITY_ROWS, order=q.STATS_BY_CITY_ORDER, item="{node: {proj}, count: count}"
    ),
    "clustersByLevel": _fmt(
        "CALL () { {q} } RETURN collect({level: level, count: count}) AS {out}", q=q.STATS_CLUSTERS_BY_LEVEL
    ),
    "undatedRecognitions": _fmt(
        "CALL () { {q} } RETURN collect({level: level, count: count}) AS {out}", q=q.STATS_UNDATED
    ),
    "timeline": _fmt(
        "CALL () { {q} } RETURN collect({year: year, level: level, count: count, newCount: newCount}) AS {out}",
        q=q.STATS_TIMELINE,
    ),
    "outputValueCny": _fmt(
        "CALL () { {q} } RETURN {count: count, sum: sum, min: min, max: max, avg: avg} AS {out}",
        q=q.STATS_OUTPUT_VALUE,
    ),
    "coverage": _fmt(
        _ROWS, rows=q.STATS_COVERAGE_ROWS, order=q.STATS_COVERAGE_ORDER, item="{node: {proj}, named: named}"
    ),
}

#: Fields whose value Cypher computes from the node (`{n}`), by (GraphQL type, GraphQL field): a batch's counts,
#: and the model's `Computed` fields; the coordinates of a point are the model's too (`Prop.coordinate`).
COMPUTED_FIELDS: dict[tuple[str, str], LiteralString] = {
    ("Batch", "namedCount"): q.BATCH_NAMED_COUNT,
    ("Batch", "missingCount"): q.BATCH_MISSING_COUNT,
    ("BatchFigure", "inGraph"): q.BATCH_FIGURE_IN_GRAPH,
    # The computed fields the model declares (counts, a first year, a city's coordinates).
    **{
        (t.name, camel(field)): expression
        for t in TYPES.values()
        for field, expression in t.computed_expressions.items()
    },
}

#: Lists of rows about a node, by (GraphQL type, GraphQL field): their templates in `queries`.
ROW_TEMPLATES: dict[tuple[str, str], LiteralString] = {
    ("Cluster", "relatedClusters"): q.RELATED_CLUSTERS_TEMPLATE,
    ("City", "industries"): q.CITY_INDUSTRIES_TEMPLATE,
}


class _Compiler:
    """Compiles selections into the parts of one statement, collecting its parameters."""

    def __init__(self) -> None:
        self.params = Params()
        self.vars = _Vars(prefix="x")

    def node_map(self, var: LiteralString, sel: NodeSelection) -> tuple[list[LiteralString], LiteralString]:
        """(CALL subqueries to run for each row of `var`, the map projection of `var`).

        A child whose filter cannot be compiled is left out, with its error kept on it for the answer."""
        items: list[LiteralString] = [_fmt(".{p}", p=cast(LiteralString, p)) for p in sorted(sel.props)]
        items += [
            _fmt("{k}: {e}", k=cast(LiteralString, k), e=_fmt(e, n=var)) for k, e in sel.computed.items()
        ]
        calls: list[LiteralString] = []
        for child in sel.children:
            try:
                call, value = self.child(var, child)
            except QueryInputError as exc:
                child.error = exc
                continue
            calls.append(call)
            items.append(_fmt("{k}: {v}", k=cast(LiteralString, child.key), v=value))
        return calls, _fmt("{v} { {i} }", v=var, i=", ".join(items))

    def child(self, parent: LiteralString, child: Child) -> tuple[LiteralString, LiteralString]:
        if isinstance(child, OneSelection):
            return self.one(parent, child)
        if isinstance(child, ListSelection):
            return self.connection(parent, child)
        return self.rows(parent, child)

    def one(self, a: LiteralString, sel: OneSelection) -> tuple[LiteralString, LiteralString]:
        b, r, m, out = self.vars.new(), self.vars.new(), self.vars.new(), self.vars.new()
        pattern = _fmt(sel.rel.pattern, a=a, b=b, r=r, m=m)
        if sel.node is None:
            prop = cast(LiteralString, sel.edge_prop)
            call = _fmt(
                "CALL ({a}) { OPTIONAL MATCH {p} WITH {r} LIMIT 1 RETURN {r}.{x} AS {o} }",
                a=a,
                p=pattern,
                r=r,
                x=prop,
                o=out,
            )
            return call, out
        calls, projection = self.node_map(b, sel.node)
        call = _fmt(
            "CALL ({a}) { MATCH {p} WITH {b} LIMIT 1 {c} RETURN collect({proj})[0] AS {o} }",
            a=a,
            p=pattern,
            b=b,
            c=" ".join(calls),
            proj=projection,
            o=out,
        )
        return call, out

    def connection(self, a: LiteralString | None, sel: ListSelection) -> tuple[LiteralString, LiteralString]:
        """(the subqueries, the map `{rows, aggregate}`) of a list: the children of parent `a`, or, at the root
        (`a` None), the nodes of a label.

        Where the matches come from: a label scan bounded by the first sort key's index when that key is a property
        every node has (the page then walks the index in order from the cursor and stops after the page); a
        related node found by its key when `where` names one (`_anchor`); or the parent's pattern. The filter, the
        relationship's own arguments (`rel_args`) and the keyset of the cursor become conditions. Rows are
        `{node, edge, sort}`: the node's projection (with its own subqueries), the relationship's properties and
        the sort values the cursor is made of; one more row than the page tells whether there are more. `totalCount`
        and `aggregate` are computed over all matches; for a list that is not read from an index in order, one pass
        finds the matches for both the page and the count.
        """
        n, r, m = self.vars.new(), self.vars.new(), self.vars.new()
        where_ = sel.where
        anchor = _anchor(sel.node_type, where_) if sel.rel is None else None
        if anchor is not None:
            anchor_rel, anchor_key, where_ = anchor
        located = _location_anchor(sel.node_type, where_) if sel.rel is None and anchor is None else None
        if located is not None:
            location, distance, where_ = located
        conditions = [c for c in [where_condition(sel.node_type, where_, n, self.params)] if c]
        for name, value in (sel.rel_args or {}).items():
            template = dict(sel.rel.arg_conditions).get(name) if sel.rel is not None else None
            if template is None:
                raise QueryInputError(f"{name}: not an argument of this list")
            if value is None:
                continue
            if isinstance(value, bool):
                condition = _fmt(template, a=cast(LiteralString, a), b=n, m=m)
                conditions.append(condition if value else _fmt("NOT ({c})", c=condition))
            else:
                conditions.append(
                    _fmt(template, a=cast(LiteralString, a), b=n, m=m, value=self.params.add(value))
                )
        plain_root = sel.rel is None and anchor is None and located is None
        # The page (not the count) may also bound the first sort key, so that an index serves it in order.
        bound = _index_bound(sel.order, sel.page, n, self.params) if plain_root and sel.parts.rows else None
        where: LiteralString = _fmt(" WHERE {c}", c=" AND ".join(conditions)) if conditions else ""
        if anchor is not None:
            # Start from the related node found by its key (an index seek), not from every node of the label.
            b = self.vars.new()
            labelled = _fmt("{n}:{l}", n=n, l=sel.node_type.label)
            pattern = _fmt(anchor_rel.pattern, a=labelled, b=b, r=self.vars.new(), m=self.vars.new())
            match = _fmt("MATCH {p}", p=pattern)
            conditions.insert(0, _fmt("{b}.id = {k}", b=b, k=self.params.add(anchor_key)))
            where = _fmt(" WHERE {c}", c=" AND ".join(conditions))
            scope: LiteralString = "()"
        elif located is not None:
            # Start from the point index: the nodes (or, through the location's path, the related nodes) within
            # the distance, found by an index seek; the hint makes the planner use it however small the graph.
            holder = cast(LiteralString, location.label)
            if location.path:
                b = self.vars.new()
                pattern = _fmt(
                    patterns.relationship(location.path, names_middle=False),
                    a=_fmt("{n}:{l}", n=n, l=sel.node_type.label),
                    b=b,
                    r=self.vars.new(),
                )
            else:
                b, pattern = n, _fmt("({n}:{l})", n=n, l=sel.node_type.label)
            match = _fmt("MATCH {p} USING INDEX {b}:{h}({x})", p=pattern, b=b, h=holder, x=location.prop)
            point = _fmt("{b}.{x}", b=b, x=location.prop)
            conditions[:0] = _distance_conditions(point, distance, self.params, "where.location.distance")
            where = _fmt(" WHERE {c}", c=" AND ".join(conditions))
            scope = "()"
        elif sel.rel is None:
            match = _fmt("MATCH ({n}:{l})", n=n, l=sel.node_type.label)
            scope = "()"
        else:
            match = _fmt("MATCH {p}", p=_fmt(sel.rel.pattern, a=cast(LiteralString, a), b=n, r=r, m=m))
            scope = _fmt("({a})", a=cast(LiteralString, a))
        rows_where = where
        if bound is not None:
            rows_where = _fmt(" WHERE {c}", c=" AND ".join([*conditions, bound]))
        has_edge = sel.rel is not None and bool(sel.rel.edge_props)
        calls: list[LiteralString] = []
        parts: list[LiteralString] = []
        # A parent's list, or a root list from an anchor, is not read from an index in order: the page reads every
        # match, as the count does. So one pass finds the matches (the filters run once), the count is their number
        # and the page sorts them.
        matches: LiteralString | None = None
        if not plain_root and not has_edge and sel.parts.rows and sel.parts.total and not sel.parts.aggregate:
            matches = self.vars.new()
            calls.append(
                _fmt(
                    "CALL {sc} { {m}{w} WITH DISTINCT {n} RETURN collect({n}) AS {all} }",
                    sc=scope,
                    m=match,
                    w=where,
                    n=n,
                    all=matches,
                )
            )
            match, rows_where, scope = (
                _fmt("UNWIND {all} AS {n}", all=matches, n=n),
                "",
                _fmt("({all})", all=matches),
            )
        if sel.parts.rows:
            rows = self.vars.new()
            items, sort_values = _sort_projection(sel.order, n, self.params)
            keyset: LiteralString = ""
            if sel.page.cursor_values is not None:
                keyset = _fmt(
                    " WHERE {k}",
                    k=_keyset_condition(sel.order, sel.page.cursor_values, self.params, sel.page.backward),
                )
            order_by = _order_by(sel.order, sel.page.backward)
            children, projection = self.node_map(n, sel.node)
            # Sorting again after the nested subqueries keeps the page's order whatever the plan does with them.
            resort: LiteralString = _fmt(" WITH * ORDER BY {ob}", ob=order_by) if children else ""
            edge = _edge_projection(sel.rel, r)
            if has_edge:
                distinct: LiteralString = _fmt("WITH {n}, {r}", n=n, r=r)
            else:
                # A label scan (or a list of distinct matches) yields each node once; a pattern may reach one node by
                # several paths.
                once = plain_root or matches is not None
                distinct = _fmt("WITH {n}", n=n) if once else _fmt("WITH DISTINCT {n}", n=n)
            calls.append(
                _fmt(
                    "CALL {sc} { {m}{w} {d} WITH {n}{ei}, {items}{ks} WITH * ORDER BY {ob} LIMIT {lim} {ch}{rs} "
                    "RETURN collect({node: {proj}, edge: {edge}, sort: {sv}}) AS {rows} }",
                    sc=scope,
                    m=match,
                    w=rows_where,
                    d=distinct,
                    n=n,
                    ei=_fmt(", {r}", r=r) if has_edge else "",
                    items=items,
                    ks=keyset,
                    ob=order_by,
                    lim=self.params.add(sel.page.limit),
                    ch=" ".join(children),
                    rs=resort,
                    proj=projection,
                    edge=edge,
                    sv=sort_values,
                    rows=rows,
                )
            )
            parts.append(_fmt("rows: {v}", v=rows))
        if matches is not None:
            parts.append(_fmt("aggregate: {count: size({all})}", all=matches))
        elif sel.parts.total or sel.parts.aggregate:
            agg = self.vars.new()
            projection_agg = (
                _aggregate_projection(sel.node_type, n)
                if sel.parts.aggregate
                else _fmt("{count: count({n})}", n=n)
            )
            calls.append(
                _fmt(
                    "CALL {sc} { {m}{w} WITH DISTINCT {n} RETURN {agg} AS {o} }",
                    sc=scope,
                    m=match,
                    w=where,
                    n=n,
                    agg=projection_agg,
                    o=agg,
                )
            )
            parts.append(_fmt("aggregate: {v}", v=agg))
        return " ".join(calls), _fmt("{ {p} }", p=", ".join(parts))

    def rows(self, a: LiteralString, sel: RowsSelection) -> tuple[LiteralString, LiteralString]:
        o, out = self.vars.new(), self.vars.new()
        calls, projection = self.node_map(o, sel.node)
        values = {name: self.params.add(value) for name, value in sel.params.items()}
        call = _fmt(sel.template, a=a, o=o, calls=" ".join(calls), proj=projection, out=out, **values)
        return call, out

    def stats(self, sel: StatsSelection) -> tuple[LiteralString, LiteralString]:
        calls: list[LiteralString] = []
        items: list[LiteralString] = []
        for key, name, node in sel.parts:
            n, part = self.vars.new(), self.vars.new()
            node_calls, projection = self.node_map(n, node) if node is not None else ([], "null")
            body = _fmt(STATS_PARTS[name], n=n, out=part, proj=projection, calls=" ".join(node_calls))
            calls.append(_fmt("CALL () { {b} }", b=body))
            items.append(_fmt("{k}: {o}", k=cast(LiteralString, key), o=part))
        out = self.vars.new()
        call = _fmt("CALL () { {c} RETURN { {i} } AS {o} }", c=" ".join(calls), i=", ".join(items), o=out)
        return call, out

    def search(self, sel: SearchSelection) -> tuple[LiteralString, LiteralString]:
        n, out = self.vars.new(), self.vars.new()
        calls, projection = self.node_map(n, sel.node)
        rows = _fmt(
            q.SEARCH_ROWS,
            n=n,
            query=self.params.add(converted(sel.query, search_query)),
            first=self.params.add(sel.first),
            labels=self.params.add(list(SEARCHABLE)),
        )
        body = _fmt(
            _ROWS,
            rows=rows,
            calls=" ".join(calls),
            order=_fmt(q.SEARCH_ORDER, n=n),
            item=_fmt("{label: label, score: score, node: {proj}}", proj=projection),
            out=out,
        )
        return _fmt("CALL () { {b} }", b=body), out

    def path(self, sel: PathSelection) -> tuple[LiteralString, LiteralString]:
        n, out = self.vars.new(), self.vars.new()
        calls, projection = self.node_map(n, sel.node)
        same = (sel.from_type.name, sel.from_id) == (sel.to_type.name, sel.to_id)
        call = _fmt(
            q.PATH_TO_ITSELF_TEMPLATE if same else q.SHORTEST_PATH_TEMPLATE,
            from_label=sel.from_type.label,
            to_label=sel.to_type.label,
            **{"from": self.params.add(sel.from_id)},
            to=self.params.add(sel.to_id),
            labels=self.params.add(list(TYPES)),
            n=n,
            calls=" ".join(calls),
            proj=projection,
            out=out,
        )
        return call, out

    def root_node(self, sel: RootNodeSelection) -> tuple[LiteralString, LiteralString]:
        n, out = self.vars.new(), self.vars.new()
        calls, projection = self.node_map(n, sel.node)
        call = _fmt(
            "CALL () { MATCH ({n}:{l} {id: {id}}) WITH {n} LIMIT 1 {c} RETURN collect({proj})[0] AS {o} }",
            n=n,
            l=sel.node_type.label,
            id=self.params.add(sel.node_id),
            c=" ".join(calls),
            proj=projection,
            o=out,
        )
        return call, out

    def nodes(self, sel: NodesSelection) -> tuple[LiteralString, LiteralString]:
        calls: list[LiteralString] = []
        items: list[LiteralString] = []
        for type_name, keys in sel.keys.items():
            n, i, part = self.vars.new(), self.vars.new(), self.vars.new()
            node_calls, projection = self.node_map(n, sel.node)
            calls.append(
                _fmt(
                    "CALL () { UNWIND {ids} AS {i} MATCH ({n}:{l} {id: {i}}) {c} "
                    "RETURN collect({id: {i}, node: {proj}}) AS {o} }",
                    ids=self.params.add(keys),
                    i=i,
                    n=n,
                    l=TYPES[type_name].label,
                    c=" ".join(node_calls),
                    proj=projection,
                    o=part,
                )
            )
            items.append(_fmt("{k}: {o}", k=TYPES[type_name].label, o=part))
        out = self.vars.new()
        call = _fmt("CALL () { {c} RETURN { {i} } AS {o} }", c=" ".join(calls), i=", ".join(items), o=out)
        return call, out

    def root(self, root: Root) -> tuple[LiteralString, LiteralString]:
        if isinstance(root, RootNodeSelection):
            return self.root_node(root)
        if isinstance(root, NodesSelection):
            return self.nodes(root)
        if isinstance(root, ListSelection):
            return self.connection(None, root)
        if isinstance(root, StatsSelection):
            return self.stats(root)
        if isinstance(root, SearchSelection):
            return self.search(root)
        return self.path(root)


_PROPERTY = re.compile(r"^\{n\}\.\w+$")


def _index_bound(order: Order, page: Page, var: LiteralString, params: Params) -> LiteralString | None:
    """A condition on the first sort key's property that the page's order and cursor imply, and that a range index
    can answer: with it, Neo4j walks the index in order from the cursor and stops after the page (no sort)."""
    key, descending = order.keys[0]
    if not key.required or not _PROPERTY.match(key.expression):
        return None
    expr = _fmt(key.expression, n=var)
    if page.cursor_values is None:
        return _fmt("{e} IS NOT NULL", e=expr)
    if page.cursor_values[0] is None:
        return None
    operator: LiteralString = "<=" if descending != page.backward else ">="
    return _fmt("{e} {o} {p}", e=expr, o=operator, p=params.add(page.cursor_values[0]))


def _anchor(
    node_type: NodeType, where: dict[str, Any] | None
) -> tuple[Rel, Any, dict[str, Any] | None] | None:
    """A top-level test `<to-one field>: {key: {eq: k}}` of `where`, to match from: (relationship, k, the rest)."""
    for name, value in (where or {}).items():
        rel = node_type.rel_by_field.get(name)
        if rel is None or rel.many or not isinstance(value, dict) or set(value) != {"key"}:
            continue
        ops = value["key"]
        if isinstance(ops, dict) and set(ops) == {"eq"} and isinstance(ops["eq"], str):
            rest = {k: v for k, v in (where or {}).items() if k != name}
            return rel, ops["eq"], rest or None
    return None


@dataclass(frozen=True)
class Statement:
    """A compiled statement: its text, its parameters, and the binders of those that slots gave (see `Slot`)."""

    text: LiteralString
    params: dict[str, Any]
    slots: dict[str, Binder]


def selection_statement(roots: list[Root]) -> tuple[LiteralString, dict[str, Any]] | None:
    """One statement answering a query's root fields: one row, one column per root field (its `column`).

    A root field whose input cannot be compiled keeps its error (`error`) and has no column; with no column at all
    there is no statement (None).
    """
    statement = compile_roots(roots)
    return None if statement is None else (statement.text, statement.params)


def compile_roots(roots: list[Root]) -> Statement | None:
    """`selection_statement`, with the binders of the parameters that slots gave."""
    compiler = _Compiler()
    calls: list[LiteralString] = []
    returns: list[LiteralString] = []
    for root in roots:
        try:
            call, value = compiler.root(root)
        except QueryInputError as exc:
            root.error = exc
            continue
        root.column = len(returns)
        calls.append(call)
        returns.append(_fmt("{v} AS f{i}", v=value, i=cast(LiteralString, str(root.column))))
    if not returns:
        return None
    text = _fmt("{c} RETURN {r}", c=" ".join(calls), r=", ".join(returns))
    return Statement(text, compiler.params.values, compiler.params.slots)
