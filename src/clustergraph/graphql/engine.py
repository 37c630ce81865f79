"""The read engine: every read of the API goes from the selection set to one Cypher statement and back.

For a query, `Executor` (graphql-core's execution context, as Strawberry runs it) plans all root fields into one
statement (`cypher.builder.selection_statement`), runs it in one round trip and builds the response from its one
row with small functions made from the plan, one per selected field ("shapers"); no resolver runs. For a mutation
the resolvers write, and the node that a payload returns is read the same way (`read_node`), planned from the
payload field's own selection set.

Plans are cached in the schema's plan cache (`PlanCache`); answers never are. A plan is a template: where a
variable's value only goes into a parameter (a node's key, a search text, a cursor), the plan holds a slot for it
(`cypher.builder.Slot`) and serves every value of that variable, each request binding its own; other variables
(filters, page sizes, anything that shapes the statement) key the plan by their values.

Errors follow the GraphQL spec. An argument the API refuses (a page too large, a malformed cursor or ID, a filter
it cannot compile) is an error on that field wherever the field occurs in the answer; a null where the schema
promises a value is an error there; either way the null propagates to the nearest nullable field, and the other
fields are answered. A field the planner does not know is a `PlanError`: a fault of the service, never a reason to
answer another way (a test plans every field of the schema).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from functools import cache
from inspect import isawaitable
from typing import Any, LiteralString

import orjson
import structlog
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLUnionType,
    OperationType,
    VariableNode,
    Visitor,
    get_named_type,
    located_error,
    visit,
)
from graphql.execution.collect_fields import FieldDetails, GroupedFieldSet, collect_subfields
from graphql.execution.values import get_argument_values
from graphql.language import FragmentDefinitionNode, OperationDefinitionNode
from graphql.pyutils import Path
from neo4j.exceptions import CypherSyntaxError, CypherTypeError
from strawberry import relay
from strawberry.relay.utils import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from .. import metrics, tracing
from ..cypher import builder as cb
from ..graph_model import SEARCHABLE, TYPES
from ..lru import LRUCache
from .context import Context

log = structlog.get_logger(__name__)

Details = list[FieldDetails]


class PlanError(Exception):
    """The planner met a field or type it does not know: a fault of the service, not of the request."""


def bad_input(message: str) -> GraphQLError:
    """A GraphQL error for a request the client must change."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def decode_id(value: str, expected: str | None = None) -> tuple[str, str]:
    """(type name, key) of a global ID; with `expected`, a plain key of that type is accepted too."""
    try:
        gid = relay.GlobalID.from_id(value)
    except Exception:
        gid = None
    if gid is not None and gid.type_name in TYPES:
        if expected is not None and gid.type_name != expected:
            raise bad_input(f"id: {value!r} is the ID of a {gid.type_name}, not of a {expected}")
        return gid.type_name, gid.node_id
    if expected is not None:
        return expected, value
    raise bad_input(
        f"id: {value!r} is not a global ID: give an `id` this API returned (base64 of 'Type:key', e.g. "
        f"{to_base64('City', '510100')!r} for City:510100), or fetch a plain key with the typed field, "
        f'e.g. city(id: "510100")'
    )


def _key_of(value: str, type_name: str) -> str:
    """The key in global ID `value`, which must be of `type_name` (a `node(id:)` plan's type)."""
    found, key = decode_id(value)
    if found != type_name:
        raise cb.SlotMismatch(f"id: the ID of a {found}, where the plan reads a {type_name}")
    return key


def _search_text(text: str) -> str:
    """`search`'s text, checked."""
    if not text.strip():
        raise bad_input("text: give at least one word or character to search for")
    if len(text) > 200:
        raise bad_input(f"text: {len(text)} characters is more than the 200 a search takes")
    return text


def _variable_of(details: Details, arg: str) -> str | None:
    """The operation variable that argument `arg` of the field is, when it is one (`arg: $name`, the same in every
    node of the field), else None."""
    names = set()
    for d in details:
        if d.fragment_variable_values is not None:
            return None
        value = next((a.value for a in d.node.arguments or () if a.name.value == arg), None)
        if not isinstance(value, VariableNode):
            return None
        names.add(value.name.value)
    return names.pop() if len(names) == 1 else None


@dataclass(frozen=True)
class PageArgs:
    """The Relay pagination arguments of one list field."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


def make_page(default_size: int, max_size: int, order: cb.Order, args: PageArgs) -> cb.Page:
    """Validate the pagination arguments against the page sizes."""
    if args.first is not None and args.last is not None:
        raise cb.QueryInputError(
            "first and last cannot be used together: page forward (first/after) or back (last/before)"
        )
    if args.first is not None and args.before is not None:
        raise cb.QueryInputError("before goes with last, not first")
    if args.last is not None and args.after is not None:
        raise cb.QueryInputError("after goes with first, not last")
    backward = args.last is not None or (args.before is not None and args.first is None)
    size = args.last if backward else args.first
    name = "last" if backward else "first"
    if size is None:
        size = default_size
    if size < 0:
        raise cb.QueryInputError(f"{name}: {size} is negative; ask for 0 to {max_size} items")
    if size > max_size:
        raise cb.QueryInputError(f"{name}: {size} is more than the maximum page size {max_size}")
    cursor, cursor_name = (args.before, "before") if backward else (args.after, "after")
    values = tuple(cb.decode_cursor(order, cursor, cursor_name)) if cursor is not None else None
    return cb.Page(limit=size + 1, backward=backward, cursor_values=values)


# --- shapers: functions from the statement's values to the answer ---------------------------------------------


class _Failure(Exception):
    """A field error met while shaping the answer; the path is collected on the way up to a nullable field."""

    def __init__(self, error: GraphQLError, details: Details) -> None:
        super().__init__(error.message)
        self.error = error
        self.details = details
        self.path: list[str | int] = []


class _Again(Exception):
    """Shaping without errors failed: the answer is shaped again, carefully (see `Shaper`)."""


Errors = list[_Failure]
#: A shaper takes a value of the statement and the list of errors to keep, or None: without it (the usual case), it
#: shapes in one quick pass and raises on any error, and the whole answer is then shaped again with a list, field by
#: field, each error kept with its path and its null put on the nearest nullable field.
Shaper = Callable[[Any, Errors | None], Any]
#: One field of an object: (response key, the key to read from the map or None, else a shaper, nullable, what).
Entry = tuple[str, str | None, Shaper | None, bool, str]


def _non_null_violation(what: str, details: Details) -> _Failure:
    return _Failure(GraphQLError(f"Cannot return null for non-nullable field {what}."), details)


def _prefix(errs: Errors, since: int, segment: str | int) -> None:
    """Put `segment` in front of the paths of the errors kept since `since` (they are below it)."""
    for kept in errs[since:]:
        kept.path.append(segment)


def _object(entries: list[Entry], details_of: dict[str, Details]) -> Shaper:
    """The shaper of an object: each entry read from the map (or shaped from it), nulls checked against the schema.

    Shaping carefully, an error below a nullable field makes that field null and is kept in `errs`; below a non-null
    field it goes up.
    """
    fields = [(key, source, get) for key, source, get, _nullable, _what in entries]
    required = [key for key, _source, _get, nullable, _what in entries if not nullable]

    def careful(m: Any, errs: Errors) -> Any:
        out = {}
        for key, source, get, nullable, what in entries:
            since = len(errs)
            try:
                value = m[source] if get is None else get(m, errs)
                if value is None and not nullable:
                    raise _non_null_violation(what, details_of[key])
            except _Failure as failure:
                _prefix(errs, since, key)
                failure.path.append(key)
                if not nullable:
                    raise
                errs.append(failure)
                value = None
            else:
                if len(errs) != since:
                    _prefix(errs, since, key)
            out[key] = value
        return out

    def shape(m: Any, errs: Errors | None) -> Any:
        if m is None:
            return None
        if errs is not None:
            return careful(m, errs)
        out = {key: m[source] if get is None else get(m, None) for key, source, get in fields}
        for key in required:
            if out[key] is None:
                raise _Again
        return out

    return shape


def _each(shape: Shaper, items_nullable: bool, what: str, details: Details) -> Shaper:
    """A list's shaper: each item shaped; carefully, a failing item's index joins the path."""

    def careful(items: Any, errs: Errors) -> Any:
        out = []
        for i, x in enumerate(items):
            since = len(errs)
            try:
                value = shape(x, errs)
                if value is None and not items_nullable:
                    raise _non_null_violation(what, details)
            except _Failure as failure:
                _prefix(errs, since, i)
                failure.path.append(i)
                if not items_nullable:
                    raise
                errs.append(failure)
                value = None
            else:
                if len(errs) != since:
                    _prefix(errs, since, i)
            out.append(value)
        return out

    def shape_all(items: Any, errs: Errors | None) -> Any:
        if items is None:
            return None
        if errs is not None:
            return careful(items, errs)
        out = [shape(x, None) for x in items]
        if not items_nullable and None in out:
            raise _Again
        return out

    return shape_all


def shape_answer(shape: Shaper, value: Any) -> tuple[Any, Errors]:
    """The answer and its errors: one quick pass, and a careful one when the quick one met an error."""
    try:
        return shape(value, None), []
    except (_Failure, _Again):
        pass
    errs: Errors = []
    try:
        return shape(value, errs), errs
    except _Failure as failure:  # a non-null field at the top failed: no answer
        errs.append(failure)
        return None, errs


def _const(value: Any) -> Shaper:
    return lambda _m, _e: value


def _get(key: str | int, convert: Callable[[Any], Any] | None = None) -> Shaper:
    if convert is None:
        return lambda m, _e: m[key]
    return lambda m, _e: None if (v := m[key]) is None else convert(v)


def _at(key: str | int, shape: Shaper) -> Shaper:
    """Shape the value under `key`."""
    return lambda m, errs: shape(m[key], errs)


def _failing(error: GraphQLError, details: Details) -> Shaper:
    """A field whose arguments were refused: an error wherever it occurs in the answer."""

    def fail(_m: Any, _e: Errors | None) -> Any:
        raise _Failure(error, details)

    return fail


def _refused(error: Exception) -> GraphQLError:
    return error if isinstance(error, GraphQLError) else bad_input(str(error))


def _compiled(sel: Any, shape: Shaper, details: Details) -> Shaper:
    """A selection's shaper that first checks whether compiling it failed (its filter was refused)."""

    def get(m: Any, errs: Errors | None) -> Any:
        if sel.error is not None:
            raise _Failure(bad_input(str(sel.error)), details)
        return shape(m, errs)

    return get


_PLAIN_SCALARS = {"String", "ID", "Int", "Boolean"}


def _leaf_converter(gql_type: GraphQLOutputType) -> Callable[[Any], Any] | None:
    """How a stored value becomes its GraphQL output, or None when it is output as it is."""
    named = get_named_type(gql_type)
    if isinstance(named, GraphQLEnumType):
        wrapped = getattr(named, "wrapped_cls", None)
        members = getattr(wrapped, "wrapped_cls", wrapped)
        names = {m.value: m.name for m in members} if members is not None else {}
        return lambda v: names[v] if v in names else named.serialize(v)
    if not isinstance(named, GraphQLScalarType) or named.name in _PLAIN_SCALARS:
        return None
    if named.name == "Float":
        return float
    if named.name == "Date":
        return lambda v: v.to_native().isoformat()
    raise PlanError(f"no output conversion for the scalar {named.name}")


def _output(gql_type: GraphQLOutputType) -> Callable[[Any], Any] | None:
    """`_leaf_converter`, applied to each item of a list type; None when values are output as they are."""
    convert = _leaf_converter(gql_type)
    if convert is None:
        return None
    if isinstance(_unwrap(gql_type), GraphQLList):
        return lambda v: [None if x is None else convert(x) for x in v]
    return convert


def _leaf(gql_type: GraphQLOutputType, key: str) -> tuple[str | None, Shaper | None]:
    """How to read a leaf field stored under `key`: (the key, None) when the value is output as stored."""
    convert = _output(gql_type)
    if convert is None:
        return key, None
    return None, _get(key, convert)


def _unwrap(gql_type: Any) -> Any:
    return gql_type.of_type if isinstance(gql_type, GraphQLNonNull) else gql_type


def _object_type(gql_type: GraphQLOutputType) -> GraphQLObjectType:
    named = get_named_type(gql_type)
    if not isinstance(named, GraphQLObjectType):
        raise PlanError(f"{named} is not an object type")
    return named


def _field_label(parent: GraphQLObjectType, name: str) -> str:
    return f"{parent.name}.{name}"


@cache
def _field_table(strawberry_schema: Any) -> dict[tuple[str, str], Any]:
    """(GraphQL type, GraphQL field name) -> Strawberry field, for every object and input type of the schema."""
    converter = strawberry_schema.config.name_converter
    table: dict[tuple[str, str], Any] = {}
    for type_name, type_def in strawberry_schema.schema_converter.type_map.items():
        for field in getattr(getattr(type_def, "definition", None), "fields", None) or []:
            table[(type_name, converter.get_graphql_name(field))] = field
    return table


@cache
def _argument_names(strawberry_schema: Any) -> dict[tuple[str, str], dict[str, str]]:
    """(GraphQL type, GraphQL field name) -> {GraphQL argument name: Python name}."""
    converter = strawberry_schema.config.name_converter
    return {
        key: {converter.get_graphql_name(arg): arg.python_name for arg in field.arguments}
        for key, field in _field_table(strawberry_schema).items()
        if hasattr(field, "arguments")
    }


def plain_input(value: Any, gql_type: GraphQLInputType, fields: dict[tuple[str, str], Any]) -> Any:
    """A value coerced by graphql-core in the form `cypher.builder` takes: Python field names (from `fields`, see
    `_field_table`), null fields dropped, enums as their values."""
    if value is None:
        return None
    if isinstance(gql_type, GraphQLNonNull):
        gql_type = gql_type.of_type
    if isinstance(gql_type, GraphQLList):
        return [plain_input(v, gql_type.of_type, fields) for v in value]
    if isinstance(gql_type, GraphQLInputObjectType):
        out = {}
        for key, item in value.items():
            converted = plain_input(item, gql_type.fields[key].type, fields)
            if converted is not None:
                out[fields[(gql_type.name, key)].python_name] = converted
        return out
    return value.value if isinstance(value, Enum) else value


def _order_pairs(order_by: list[dict[str, Any]] | None) -> list[tuple[str, bool]] | None:
    """The coerced `orderBy` argument as (sort key name, descending) pairs."""
    if not order_by:
        return None
    return [(o["field"].value, o["direction"].value == "DESC") for o in order_by]


def _order_origins(order_by: list[dict[str, Any]] | None) -> dict[int, tuple[float, float]]:
    """The points the `orderBy` items give in `from` (for DISTANCE), checked, by position."""
    origins = {}
    for i, o in enumerate(order_by or []):
        given = o.get("from")
        if given is not None:
            here = f"orderBy[{i}].from"
            origins[i] = cb.check_point(given["latitude"], given["longitude"], f"{here}.latitude",
                                        f"{here}.longitude")  # fmt: skip
    return origins


def _point_map(point: Any) -> dict[str, Any]:
    """A WGS-84 point as `GeoPoint` reads it: its coordinates and the GeoJSON Point (longitude first)."""
    latitude, longitude = float(point.latitude), float(point.longitude)
    return {
        "latitude": latitude,
        "longitude": longitude,
        "geoJson": {"type": "Point", "coordinates": [longitude, latitude]},
    }


# --- the answer of a connection ------------------------------------------------------------------------------


class _Page:
    """A connection's answer, trimmed and ordered, with cursors made on first use."""

    __slots__ = ("_cursors", "aggregate", "has_next", "has_previous", "order", "rows")

    def __init__(self, value: Any, sel: cb.ListSelection, args: PageArgs) -> None:
        limit = sel.page.limit - 1
        rows = value.get("rows") or []
        has_more = len(rows) > limit
        rows = rows[:limit]
        if sel.page.backward:
            rows.reverse()
            self.has_next, self.has_previous = args.before is not None, has_more
        else:
            self.has_next, self.has_previous = has_more, args.after is not None
        self.rows: list[dict[str, Any]] = rows
        self.aggregate: dict[str, Any] | None = value.get("aggregate")
        self.order = sel.order
        self._cursors: list[str] | None = None

    @property
    def cursors(self) -> list[str]:
        if self._cursors is None:
            self._cursors = [cb.encode_cursor(self.order, r["sort"]) for r in self.rows]
        return self._cursors


def _coverage_official(row: Any, _e: Errors | None) -> Any:
    return row["node"]["officialCountSichuan"]


def _coverage_missing(row: Any, e: Errors | None) -> Any:
    official = _coverage_official(row, e)
    return max(official - row["named"], 0) if official is not None else None


def _coverage_ratio(row: Any, e: Errors | None) -> Any:
    official = _coverage_official(row, e)
    return row["named"] / official if official else None


#: BatchCoverage's fields from a coverage row `{node, named}`.
COVERAGE: dict[str, Shaper] = {
    "officialCountSichuan": _coverage_official,
    "officialCount": _coverage_official,  # the deprecated name of officialCountSichuan
    "namedCount": _get("named"),
    "missingCount": _coverage_missing,
    "ratio": _coverage_ratio,
}

#: Root fields that fetch one node by ID or key, and the node type.
ROOT_NODES = {
    "province": "Province",
    "cluster": "Cluster",
    "city": "City",
    "county": "County",
    "industry": "Industry",
    "enterprise": "Enterprise",
    "batch": "Batch",
    "recognition": "Recognition",
    "recognitionYear": "RecognitionYear",
    "batchFigure": "BatchFigure",
}
#: Root connections and the node type they list.
ROOT_LISTS = {
    "provinces": "Province",
    "cities": "City",
    "counties": "County",
    "industries": "Industry",
    "clusters": "Cluster",
    "enterprises": "Enterprise",
    "recognitions": "Recognition",
    "batches": "Batch",
    "recognitionYears": "RecognitionYear",
    "batchFigures": "BatchFigure",
}
#: Boolean fields that read a property of the relationship behind a to-one field: (type, field) -> (rel, property).
EDGE_FIELDS = {("Cluster", "industryInferred"): ("industry", "inferred")}


class _Planner:
    """Turns a selection set into selections for `cypher.builder` and the shapers that build the answer.

    It walks the selection set as graphql-core collects it (fragments, aliases, `@skip`/`@include` applied), one
    object type at a time. For a node, each field is read from the model: a stored property (added to the node's
    projection), a value Cypher computes (`COMPUTED_FIELDS`), a to-one or to-many relationship (a child selection,
    planned the same way below it), or a list of rows about the node (`ROW_TEMPLATES`). Each field also gets its
    shaper, which reads the field's value from the statement's maps under the response key. Arguments are read as
    graphql-core coerced them and checked here; a refused one turns the field into an error (`_failing`) and its
    selection is left out of the statement.
    """

    def __init__(self, executor: StrawberryGraphQLCoreExecutionContext, context: Context) -> None:
        self.executor = executor
        self.schema = executor.schema
        strawberry_schema = executor.schema._strawberry_schema  # type: ignore[attr-defined]
        self.strawberry = strawberry_schema
        self.fields = _field_table(strawberry_schema)
        self.settings = context.settings
        #: How many times each variable's value went into the plan as a slot (see `slot`).
        self.slot_uses: Counter[str] = Counter()

    def slot(self, details: Details, arg: str, value: Any, convert: Callable[[Any], Any]) -> Any:
        """`convert(value)`, the value of argument `arg` as a parameter takes it (`convert` checks it, raising as the
        planner does for a value it refuses): a `cb.Slot` when the argument is a variable of the operation, so that
        the plan serves every value of it (see `PlanCache`), else the plain value. The caller must use the result
        only as a parameter's value, and the raw value at most to tell null from given."""
        plain = convert(value)
        name = _variable_of(details, arg)
        if name is None:
            return plain
        self.slot_uses[name] += 1
        return cb.Slot(plain, lambda variables: convert(variables[name]))

    def cursor_slots(self, details: Details, order: cb.Order, page: cb.Page) -> cb.Page:
        """The page with its cursor's sort values as slots when the cursor is a variable (see `slot`): a new cursor
        binds its values, provided it holds a value where this one does and a null where this one does (which
        the statement's keyset condition is written for)."""
        arg = "before" if page.backward else "after"
        name = _variable_of(details, arg)
        if name is None or page.cursor_values is None:
            return page
        nulls = tuple(v is None for v in page.cursor_values)

        def values_of(variables: Mapping[str, Any]) -> list[Any]:
            values = cb.decode_cursor(order, variables[name], arg)
            if tuple(v is None for v in values) != nulls:
                raise cb.SlotMismatch(f"{arg}: the cursor's nulls differ from those the plan was made for")
            return values

        def nth(i: int) -> cb.Binder:
            return lambda variables: values_of(variables)[i]

        self.slot_uses[name] += 1
        slots = tuple(None if v is None else cb.Slot(v, nth(i)) for i, v in enumerate(page.cursor_values))
        return replace(page, cursor_values=slots)

    def subfields(self, gql_type: GraphQLObjectType, details: Details) -> GroupedFieldSet:
        ex = self.executor
        collected = collect_subfields(
            ex.schema, ex.fragments, ex.variable_values, ex.operation, gql_type, details
        )
        if collected.new_defer_usages:
            raise PlanError("@defer is not supported")
        return collected.grouped_field_set

    def arguments(self, gql_type: GraphQLObjectType, details: Details) -> dict[str, Any]:
        """The field's arguments as graphql-core coerced them (input objects as dicts by GraphQL name, enums as
        members), under their Python names."""
        node = details[0].node
        name = node.name.value
        raw = get_argument_values(
            gql_type.fields[name], node, self.executor.variable_values, details[0].fragment_variable_values
        )
        names = _argument_names(self.strawberry).get((gql_type.name, name))
        if names is None:
            raise PlanError(f"no arguments known for {gql_type.name}.{name}")
        return {names[k]: v for k, v in raw.items()}

    def _entries(
        self,
        gql_type: GraphQLObjectType,
        details: Details,
        plan_field: Callable[[str, GraphQLOutputType, Details, str], tuple[str | None, Shaper | None]],
    ) -> Shaper:
        """An object's shaper: every selected field planned by `plan_field` (name, type, details, response key),
        which returns (key to read, None) or (None, shaper); refused arguments become an error on the field."""
        entries: list[Entry] = []
        details_of: dict[str, Details] = {}
        for key, fdetails in self.subfields(gql_type, details).items():
            name = fdetails[0].node.name.value
            details_of[key] = fdetails
            if name == "__typename":
                entries.append((key, None, _const(gql_type.name), False, ""))
                continue
            field_type = gql_type.fields[name].type
            try:
                source, get = plan_field(name, field_type, fdetails, key)
            except (GraphQLError, cb.QueryInputError) as exc:
                source, get = None, _failing(_refused(exc), fdetails)
            nullable = not isinstance(field_type, GraphQLNonNull)
            entries.append((key, source, get, nullable, _field_label(gql_type, name)))
        return _object(entries, details_of)

    # --- the root ------------------------------------------------------------------------------------------

    def root(self, root_type: GraphQLObjectType, grouped: GroupedFieldSet) -> tuple[list[cb.Root], Shaper]:
        selections: list[cb.Root] = []
        entries: list[Entry] = []
        details_of: dict[str, Details] = {}
        for key, details in grouped.items():
            name = details[0].node.name.value
            details_of[key] = details
            if name == "__typename":
                entries.append((key, None, _const(root_type.name), False, ""))
                continue
            field_type = root_type.fields[name].type
            try:
                sel, shape = self.root_field(root_type, name, details, key)
                selections.append(sel)
                get = _compiled(sel, _column(sel, shape), details)
            except (GraphQLError, cb.QueryInputError) as exc:
                get = _failing(_refused(exc), details)
            nullable = not isinstance(field_type, GraphQLNonNull)
            entries.append((key, None, get, nullable, _field_label(root_type, name)))
        return selections, _object(entries, details_of)

    def root_field(
        self, root_type: GraphQLObjectType, name: str, details: Details, key: str
    ) -> tuple[cb.Root, Shaper]:
        field_type = root_type.fields[name].type
        if name in ROOT_NODES:
            target = ROOT_NODES[name]
            args = self.arguments(root_type, details)
            if name == "recognitionYear":
                node_id = self.slot(details, "year", args["year"], str)
            else:
                node_id = self.slot(details, "id", args["id"], lambda v: decode_id(v, target)[1])
            return self.root_node(target, node_id, details, key)
        if name == "node":
            value = self.arguments(root_type, details)["id"]
            type_name = decode_id(value)[0]
            node_id = self.slot(details, "id", value, lambda v: _key_of(v, type_name))
            return self.root_node(type_name, node_id, details, key)
        if name == "nodes":
            return self.nodes(root_type, details, key)
        if name in ROOT_LISTS:
            return self.connection(root_type, details, ROOT_LISTS[name], None, key)
        if name == "stats":
            return self.stats(_object_type(field_type), details, key)
        if name == "search":
            return self.search(root_type, details, key)
        if name == "path":
            return self.path(root_type, details, key)
        if name == "near":
            return self.near(root_type, details, key)
        raise PlanError(f"the root field {name} is not planned")

    def root_node(
        self, type_name: str, node_id: str | cb.Slot, details: Details, key: str
    ) -> tuple[cb.RootNodeSelection, Shaper]:
        sel = cb.NodeSelection()
        gql_type = self.schema.get_type(type_name)
        assert isinstance(gql_type, GraphQLObjectType)
        shape = self.node(gql_type, details, sel)
        return cb.RootNodeSelection(key, TYPES[type_name], node_id, sel), shape

    def nodes(
        self, root_type: GraphQLObjectType, details: Details, key: str
    ) -> tuple[cb.NodesSelection, Shaper]:
        ids = self.arguments(root_type, details)["ids"]
        maximum = self.settings.max_page_size
        if len(ids) > maximum:
            raise bad_input(f"ids: {len(ids)} IDs is more than the maximum {maximum}")
        wanted = [decode_id(i) for i in ids]
        keys: dict[str, list[str]] = {}
        for type_name, node_key in wanted:
            keys.setdefault(type_name, []).append(node_key)
        sel = cb.NodeSelection()
        shapers = self.abstract(root_type.fields["nodes"].type, details, sel)
        labels = {t: TYPES[t].label for t in keys}

        def shape(value: Any, errs: Errors | None) -> Any:
            found = {(t, row["id"]): row["node"] for t in keys for row in value[labels[t]]}
            nodes = [found.get(wanted_key) for wanted_key in wanted]
            if errs is None:
                return [
                    None if n is None else shapers[t](n, None)
                    for (t, _k), n in zip(wanted, nodes, strict=True)
                ]
            out = []
            for i, ((type_name, _key), node) in enumerate(zip(wanted, nodes, strict=True)):
                since = len(errs)
                try:
                    value = None if node is None else shapers[type_name](node, errs)
                except _Failure as failure:
                    _prefix(errs, since, i)
                    failure.path.append(i)
                    errs.append(failure)
                    value = None
                else:
                    _prefix(errs, since, i)
                out.append(value)
            return out

        return cb.NodesSelection(key, keys, sel), shape

    # --- nodes ---------------------------------------------------------------------------------------------

    def abstract(
        self, gql_type: GraphQLOutputType, details: Details, sel: cb.NodeSelection
    ) -> dict[str, Shaper]:
        """The shaper of each object type an interface or union field may hold, all reading one shared selection."""
        named = get_named_type(gql_type)
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            members = self.schema.get_possible_types(named)
        else:
            members = [_object_type(gql_type)]
        return {m.name: self.node(m, details, sel) for m in members}

    def node(self, gql_type: GraphQLObjectType, details: Details, sel: cb.NodeSelection) -> Shaper:
        type_name = gql_type.name
        node_type = TYPES.get(type_name)
        if node_type is None:
            raise PlanError(f"{type_name} is not a node type of the model")
        coordinates = {p.field: p for p in node_type.props if p.coordinate is not None}

        def plan_field(
            name: str, field_type: GraphQLOutputType, fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            if name == "id":
                return None, lambda m, _e: to_base64(type_name, m["id"])
            if name == "key":
                return "id", None
            if name == "location" and node_type.location is not None:
                sel.computed[name] = node_type.location.value
                point = self.plain(_object_type(field_type), fdetails)
                return None, lambda m, errs: None if (p := m[name]) is None else point(_point_map(p), errs)
            computed = cb.COMPUTED_FIELDS.get((type_name, name))
            if computed is not None:
                sel.computed[name] = computed
                return _leaf(field_type, name)
            if (type_name, name) in EDGE_FIELDS:
                rel_field, prop = EDGE_FIELDS[(type_name, name)]
                child_key = sel.child_key()
                sel.children.append(cb.OneSelection(child_key, node_type.rel_by_field[rel_field], None, prop))
                return child_key, None
            if (type_name, name) in cb.ROW_TEMPLATES:
                return None, self.rows(gql_type, name, fdetails, sel)
            field = self.fields.get((type_name, name))
            if field is None:
                raise PlanError(f"{type_name}.{name} is not a field of the schema's types")
            rel = node_type.rel_by_field.get(field.python_name)
            if rel is not None and not rel.many:
                child = cb.NodeSelection()
                shape = self.node(_object_type(field_type), fdetails, child)
                child_key = sel.child_key()
                sel.children.append(cb.OneSelection(child_key, rel, child))
                return None, _at(child_key, shape)
            if rel is not None:
                rel_args = self.rel_arguments(gql_type, fdetails) if rel.arg_conditions else None
                list_sel, shape = self.connection(
                    gql_type, fdetails, rel.target, rel, sel.child_key(), rel_args
                )
                sel.children.append(list_sel)
                return None, _compiled(list_sel, _at(list_sel.key, shape), fdetails)
            if isinstance(get_named_type(field_type), GraphQLObjectType):
                raise PlanError(f"{type_name}.{name} is not planned")
            declared = coordinates.get(field.python_name)
            if declared is not None:  # one coordinate of a point
                sel.computed[name] = declared.expression
                return _leaf(field_type, name)
            sel.props.add(name)
            return _leaf(field_type, name)

        return self._entries(gql_type, details, plan_field)

    def plain(self, gql_type: GraphQLObjectType, details: Details) -> Shaper:
        """The shaper of an object computed in Python (a `GeoPoint`): each field read from the map by its name."""

        def plan_field(
            name: str, field_type: GraphQLOutputType, fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            named = get_named_type(field_type)
            if isinstance(named, GraphQLObjectType):
                return None, _at(name, self.plain(named, fdetails))
            return name, None

        return self._entries(gql_type, details, plan_field)

    def rel_arguments(self, gql_type: GraphQLObjectType, details: Details) -> dict[str, Any]:
        """`RecognitionYear.clusters`' own arguments as the model's (`level`, and `new_only`: true for the new
        clusters, false for those recognised before, None for all); `recognized` says it, the deprecated
        `newOnly` too."""
        args = self.arguments(gql_type, details)
        level = args.get("level")
        recognized, new_only = args.get("recognized"), args.get("new_only")
        if recognized is not None and new_only is not None:
            raise bad_input("recognized and newOnly say the same thing: give recognized alone")
        if recognized is not None:
            new_only = {"NEW": True, "EARLIER": False, "ALL": None}[recognized.value]
        return {"level": level.value if level is not None else None, "new_only": new_only}

    def rows(self, parent: GraphQLObjectType, name: str, details: Details, sel: cb.NodeSelection) -> Shaper:
        """A list of rows about the node (related clusters, a city's industries), from its template."""
        field_type = parent.fields[name].type
        item_type = _object_type(field_type)
        params: dict[str, Any] = {}
        getters: dict[str, Shaper]
        if name == "relatedClusters":
            first = self.arguments(parent, details).get("first", 10)
            maximum = self.settings.max_page_size
            if not 0 <= first <= maximum:
                raise bad_input(f"first: {first} is not between 0 and {maximum}")
            params["first"] = first
            getters = {
                "score": _get("score", float),
                "reasons": lambda m, _e: sorted(m["reasons"]),
                "sharedEnterpriseCount": _get("sharedEnterprises"),
            }
            node_field = "cluster"
        else:  # City.industries
            getters = {"clusterCount": _get("count")}
            node_field = "industry"
        shape, node_sel = self.row_object(item_type, details, getters, node_field)
        child_key = sel.child_key()
        template = cb.ROW_TEMPLATES[(parent.name, name)]
        sel.children.append(cb.RowsSelection(child_key, template, node_sel or cb.NodeSelection(), params))
        return _at(child_key, _each(shape, False, _field_label(parent, name), details))

    # --- statistics, search and paths -----------------------------------------------------------------------

    def row_object(
        self,
        gql_type: GraphQLObjectType,
        details: Details,
        getters: Mapping[str, Shaper],
        node: str | None = None,
    ) -> tuple[Shaper, cb.NodeSelection | None]:
        """A shaper for a row map: its fields from `getters`, and the node field named `node` from `row["node"]`."""
        node_sel: cb.NodeSelection | None = None

        def plan_field(
            name: str, field_type: GraphQLOutputType, fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            nonlocal node_sel
            if name == node:
                node_sel = node_sel or cb.NodeSelection()
                return None, _at("node", self.node(_object_type(field_type), fdetails, node_sel))
            if name not in getters:
                raise PlanError(f"{gql_type.name}.{name} is not planned")
            convert = _output(field_type)
            get = getters[name]
            if convert is None:
                return None, get
            return None, lambda m, e: None if (v := get(m, e)) is None else convert(v)

        shape = self._entries(gql_type, details, plan_field)
        return shape, node_sel

    def stats(
        self, stats_type: GraphQLObjectType, details: Details, key: str
    ) -> tuple[cb.StatsSelection, Shaper]:
        count, label, level = _get("count"), _get("label"), _get("level")
        parts: list[tuple[str, str, cb.NodeSelection | None]] = []

        def plan_field(
            name: str, field_type: GraphQLOutputType, fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            # The part's key in the statement's map is generated (`s0`, `s1`, ...), never the response key: no
            # alias chosen by the client is written into Cypher.
            part_key = f"s{len(parts)}"
            if name not in cb.STATS_PARTS:
                raise PlanError(f"Stats.{name} is not planned")
            item_type = _object_type(field_type)
            node_sel: cb.NodeSelection | None = None
            if name in ("labelCounts", "relationshipCounts"):
                shape, node_sel = self.row_object(item_type, fdetails, {"label": label, "count": count})
            elif name == "relationshipTypeCounts":
                shape, node_sel = self.row_object(item_type, fdetails, {"type": _get("type"), "count": count})
            elif name in ("clustersByIndustry", "clustersByCity"):
                node_field = "industry" if name == "clustersByIndustry" else "city"
                shape, node_sel = self.row_object(item_type, fdetails, {"count": count}, node_field)
            elif name in ("clustersByLevel", "undatedRecognitions"):
                shape, node_sel = self.row_object(item_type, fdetails, {"level": level, "count": count})
            elif name == "timeline":
                getters: dict[str, Shaper] = {
                    "year": _get("year"),
                    "level": level,
                    "clusterCount": count,
                    "newClusterCount": _get("newCount"),
                }
                shape, node_sel = self.row_object(item_type, fdetails, getters)
            elif name == "coverage":
                shape, node_sel = self.row_object(item_type, fdetails, COVERAGE, "batch")
                node_sel = node_sel or cb.NodeSelection()
                node_sel.props.add("officialCountSichuan")
            else:  # outputValueCny
                shape = self.numeric(item_type, fdetails)
            parts.append((part_key, name, node_sel))
            if isinstance(_unwrap(field_type), GraphQLList):
                shape = _each(shape, False, _field_label(stats_type, name), fdetails)
            return None, _at(part_key, shape)

        return cb.StatsSelection(key, parts), self._entries(stats_type, details, plan_field)

    def search(
        self, root_type: GraphQLObjectType, details: Details, key: str
    ) -> tuple[cb.SearchSelection, Shaper]:
        args = self.arguments(root_type, details)
        first = args.get("first", 10)
        maximum = self.settings.max_page_size
        if not 0 <= first <= maximum:
            raise bad_input(f"first: {first} is not between 0 and {maximum}")
        text = self.slot(details, "text", args["text"], _search_text)
        hit_type = _object_type(root_type.fields["search"].type)
        node = cb.NodeSelection()

        def plan_field(
            name: str, field_type: GraphQLOutputType, fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            if name == "score":
                return None, _get("score", float)
            if name == "node":
                by_label = self.abstract(field_type, fdetails, node)
                return None, lambda h, errs: by_label[h["label"]](h["node"], errs)
            raise PlanError(f"SearchHit.{name} is not planned")

        hit = self._entries(hit_type, details, plan_field)
        hits = _each(hit, False, "Query.search", details)
        return cb.SearchSelection(key, text, first, node), lambda value, errs: hits(
            [h for h in value if h["label"] in SEARCHABLE], errs
        )

    def near(
        self, root_type: GraphQLObjectType, details: Details, key: str
    ) -> tuple[cb.ListSelection, Shaper]:
        """`near`: the root list of clusters filtered by distance from the point (the point index finds their
        cities) and ordered by it, then by key; the cursors carry the distance and the key."""
        args = self.arguments(root_type, details)
        origin = cb.check_point(args["latitude"], args["longitude"], "latitude", "longitude")
        radius = cb.check_km(args["radius_km"], "radiusKm", above_zero=True)
        clusters = TYPES["Cluster"]
        order = cb.resolve_order(clusters, [("DISTANCE", False)], {0: origin})
        point = {"latitude": origin[0], "longitude": origin[1]}
        within = {"location": {"distance": {"from_": point, "lte": radius}}}
        return self.connection(root_type, details, "Cluster", None, key, near=(order, within))

    def path(
        self, root_type: GraphQLObjectType, details: Details, key: str
    ) -> tuple[cb.PathSelection, Shaper]:
        args = self.arguments(root_type, details)
        from_value, to_value = args["from_"], args["to"]
        from_type, from_key = decode_id(from_value)
        to_type, to_key = decode_id(to_value)
        path_type = _object_type(root_type.fields["path"].type)
        node = cb.NodeSelection()

        def node_shaper(field_type: GraphQLOutputType, fdetails: Details) -> Shaper:
            by_label = self.abstract(field_type, fdetails, node)
            return lambda entry, errs: by_label[entry["label"]](entry["node"], errs)

        def plan_relationship(
            name: str, field_type: GraphQLOutputType, fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            if name == "type":
                return "type", None
            if name in ("start", "end"):
                return None, _at(name, node_shaper(field_type, fdetails))
            raise PlanError(f"PathRelationship.{name} is not planned")

        def plan_field(
            name: str, field_type: GraphQLOutputType, fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            label = _field_label(path_type, name)
            if name == "length":
                return None, lambda p, _e: len(p["rels"])
            if name == "nodes":
                return None, _at("nodes", _each(node_shaper(field_type, fdetails), False, label, fdetails))
            if name == "relationships":
                rel = self._entries(_object_type(field_type), fdetails, plan_relationship)
                return None, _at("relationships", _each(rel, False, label, fdetails))
            raise PlanError(f"Path.{name} is not planned")

        shape_path = self._entries(path_type, details, plan_field)

        def shape(value: Any, errs: Errors | None) -> Any:
            for arg, given, found in (("from", from_value, value["from"]), ("to", to_value, value["to"])):
                if not found:
                    raise _Failure(bad_input(f"{arg}: there is no node with ID {given!r}"), details)
            nodes = value["nodes"]
            if nodes is None:
                return None
            rels = [
                {"type": r["type"], "start": nodes[r["start"]], "end": nodes[r["end"]]} for r in value["rels"]
            ]
            return shape_path({"nodes": nodes, "rels": rels, "relationships": rels}, errs)

        selection = cb.PathSelection(key, TYPES[from_type], from_key, TYPES[to_type], to_key, node)
        return selection, shape

    # --- connections ---------------------------------------------------------------------------------------

    def connection(
        self,
        parent_type: GraphQLObjectType,
        details: Details,
        target: str,
        rel: Any,
        key: str,
        rel_args: dict[str, Any] | None = None,
        near: tuple[cb.Order, dict[str, Any]] | None = None,
    ) -> tuple[cb.ListSelection, Shaper]:
        """A connection's selection and shaper; `near` (the `near` root field) gives its order and its filter."""
        args = self.arguments(parent_type, details)
        page_args = PageArgs(args.get("first"), args.get("after"), args.get("last"), args.get("before"))
        if near is None:
            order_by = args.get("order_by")
            order = cb.resolve_order(TYPES[target], _order_pairs(order_by), _order_origins(order_by))
        else:
            order = near[0]
        page = make_page(self.settings.default_page_size, self.settings.max_page_size, order, page_args)
        page = self.cursor_slots(details, order, page)
        field = parent_type.fields[details[0].node.name.value]
        conn_type = _object_type(field.type)
        node = cb.NodeSelection()
        where = (
            plain_input(args.get("where"), field.args["where"].type, self.fields)
            if "where" in field.args
            else None
        )
        if near is not None:
            # The radius joins the client's filter (under AND when that filter has a location test of its own).
            where = (
                {**near[1], "and_": [where]}
                if where and "location" in where
                else {**(where or {}), **near[1]}
            )
        sel = cb.ListSelection(
            key, rel, TYPES[target], where or None, order, page, cb.Parts(False), node, rel_args
        )
        selected: set[str] = set()

        def plan_field(
            name: str, field_type: GraphQLOutputType, fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            selected.add(name)
            label = _field_label(conn_type, name)
            if name == "totalCount":
                return None, lambda p, _e: p.aggregate["count"] if p.aggregate else 0
            if name == "aggregate":
                shape = self.aggregate(_object_type(field_type), fdetails)
                return None, lambda p, errs: shape(p.aggregate, errs)
            if name == "pageInfo":
                return None, self.page_info(_object_type(field_type), fdetails)
            if name == "nodes":
                shape = _each(self.node(_object_type(field_type), fdetails, node), False, label, fdetails)
                return None, lambda p, errs: shape([r["node"] for r in p.rows], errs)
            if name == "edges":
                # A `near` edge's distance is the page's first sort value, in metres.
                extra: dict[str, Shaper] = (
                    {"distanceKm": lambda e, _e: e["sort"][0] / 1000} if near is not None else {}
                )
                return None, self.edges(_object_type(field_type), fdetails, node, rel, label, extra)
            raise PlanError(f"{conn_type.name}.{name} is not planned")

        shape_page = self._entries(conn_type, details, plan_field)
        sel.parts = cb.Parts(
            rows=bool(selected & {"pageInfo", "nodes", "edges"}),
            total="totalCount" in selected,
            aggregate="aggregate" in selected,
        )
        return sel, lambda value, errs: shape_page(_Page(value, sel, page_args), errs)

    def edges(
        self,
        edge_type: GraphQLObjectType,
        details: Details,
        node: cb.NodeSelection,
        rel: Any,
        label: str,
        extra: Mapping[str, Shaper] | None = None,
    ) -> Shaper:
        edge_props = set(rel.edge_props) if rel is not None else set()
        extra = extra or {}

        def plan_field(
            name: str, field_type: GraphQLOutputType, fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            if name == "cursor":
                return "cursor", None
            if name in extra:
                return None, extra[name]
            if name == "node":
                return None, _at("node", self.node(_object_type(field_type), fdetails, node))
            if name in edge_props:
                default: list[Any] | None = [] if isinstance(_unwrap(field_type), GraphQLList) else None
                return None, lambda e, _e: (e["edge"] or {}).get(name, default) or default
            raise PlanError(f"{edge_type.name}.{name} is not planned")

        shape_edges = _each(self._entries(edge_type, details, plan_field), False, label, details)
        with_cursors = any(
            d[0].node.name.value == "cursor" for d in self.subfields(edge_type, details).values()
        )

        def shape(p: _Page, errs: Errors | None) -> Any:
            if with_cursors:
                return shape_edges([{**r, "cursor": c} for r, c in zip(p.rows, p.cursors, strict=True)], errs)
            return shape_edges(p.rows, errs)

        return shape

    def page_info(self, info_type: GraphQLObjectType, details: Details) -> Shaper:
        getters: dict[str, Shaper] = {
            "hasNextPage": lambda p, _e: p.has_next,
            "hasPreviousPage": lambda p, _e: p.has_previous,
            "startCursor": lambda p, _e: p.cursors[0] if p.rows else None,
            "endCursor": lambda p, _e: p.cursors[-1] if p.rows else None,
        }

        def plan_field(
            name: str, _field_type: GraphQLOutputType, _fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            return None, getters[name]

        return self._entries(info_type, details, plan_field)

    def aggregate(self, agg_type: GraphQLObjectType, details: Details) -> Shaper:
        def plan_field(
            name: str, field_type: GraphQLOutputType, fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            if name == "count":
                return "count", None
            field = self.fields[(agg_type.name, name)]
            return None, _at(field.python_name, self.numeric(_object_type(field_type), fdetails))

        return self._entries(agg_type, details, plan_field)

    def numeric(self, numeric_type: GraphQLObjectType, details: Details) -> Shaper:
        def number(stat: str, convert: Callable[[Any], Any]) -> Shaper:
            def get(m: Any, _e: Errors | None) -> Any:
                value = m[stat]
                if stat == "sum" and not m["count"]:
                    return None
                return None if value is None else convert(value)

            return get

        def plan_field(
            name: str, field_type: GraphQLOutputType, _fdetails: Details, _key: str
        ) -> tuple[str | None, Shaper | None]:
            if name == "count":
                return "count", None
            # The field's scalar says it: Int for the sum, min and max of whole numbers, Float otherwise.
            whole = get_named_type(field_type).name == "Int"
            return None, number(name, int if whole else float)

        return self._entries(numeric_type, details, plan_field)


def _column(sel: cb.Root, shape: Shaper) -> Shaper:
    """A root field's value: the statement's column for it (see `cypher.builder.selection_statement`)."""
    return lambda row, errs: shape(row[sel.column], errs)


#: A planned operation: its root selections, its statement and parameters (None when nothing is read), its shaper;
#: the binders of the parameters that variables give (`cb.Slot`) and those variables (see `PlanCache`).
@dataclass(frozen=True)
class Plan:
    selections: list[cb.Root]
    statement: tuple[LiteralString, dict[str, Any]] | None
    shape: Shaper
    slots: Mapping[str, cb.Binder]
    templated: frozenset[str]

    def bound(self, variables: Mapping[str, Any]) -> Plan | None:
        """The plan with `variables` in its slots, or None when one refuses its value (a malformed ID or cursor,
        an ID of another type): planning that request anew gives its answer (or its error)."""
        if not self.slots or self.statement is None:
            return self
        try:
            values = {name: bind(variables) for name, bind in self.slots.items()}
        except Exception:  # any refusal: planning anew reports it as planning does
            return None
        text, params = self.statement
        return replace(self, statement=(text, {**params, **values}))


def plan_operation(
    executor: StrawberryGraphQLCoreExecutionContext, context: Context, root_type: GraphQLObjectType,
    grouped: GroupedFieldSet, occurrences: Mapping[str, int] | None = None,
) -> Plan:  # fmt: skip
    """Plan a query's root fields into one statement. With `occurrences` (how often each variable occurs in the
    document, `variable_occurrences`), the plan is a template for the variables that every occurrence gave a slot
    to: it serves any value of them (`Plan.bound`)."""
    planner = _Planner(executor, context)
    selections, shape = planner.root(root_type, grouped)
    compiled = cb.compile_roots(selections) if selections else None
    statement = None if compiled is None else (compiled.text, compiled.params)
    slots = {} if compiled is None else compiled.slots
    templated = frozenset(
        name for name, uses in planner.slot_uses.items() if occurrences and occurrences.get(name) == uses
    )
    return Plan(selections, statement, shape, slots, templated)


class _VariableCounter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def enter_variable_definition(self, *_args: Any) -> Any:
        return self.SKIP  # a declaration, not a use

    def enter_variable(self, node: VariableNode, *_args: Any) -> None:
        self.counts[node.name.value] += 1


def variable_occurrences(
    operation: OperationDefinitionNode, fragments: list[FragmentDefinitionNode]
) -> dict[str, int]:
    """How many times each variable occurs in the operation and in the document's fragments (arguments,
    directives, input values), its declarations aside. Fragments the operation does not spread count too: a
    variable then looks used more than the plan used it, and is keyed by value (never wrongly templated)."""
    counter = _VariableCounter()
    for node in [operation, *fragments]:
        visit(node, counter)
    return dict(counter.counts)


class PlanCache:
    """The schema's plans, at most `size` (least recently used forgotten first), each a template (see the module's
    doc).

    A document's plan is looked up by the document, the operation, the variables it is a template for
    (`templated`, learned from the document's last plan) and the values of the others; of the templated
    variables only whether each is given, null or missing counts (a cursor given or not is another statement).
    Templated variables are those of which every occurrence in the document went into a slot, so that no other
    value of them can change the statement, the shaper or an error: one that also steers the statement anywhere
    (a filter, `@include(if:)`, a page size) is keyed by value, as is every variable of a plan the planner
    refused part of for a reason that value gave.
    """

    def __init__(self, size: int) -> None:
        self.plans: LRUCache[tuple[Any, ...], Plan] = LRUCache(size)
        #: Per (document, operation): how often each variable occurs, and the variables its last plan templated.
        self.documents: LRUCache[tuple[str, str | None], tuple[dict[str, int], frozenset[str]]] = LRUCache(
            size
        )

    @staticmethod
    def key(
        document: tuple[str, str | None], templated: frozenset[str], variables: Mapping[str, Any]
    ) -> tuple[Any, ...]:
        masked = {
            name: (value if name not in templated else value is not None) for name, value in variables.items()
        }
        return (*document, templated, orjson.dumps(masked, option=orjson.OPT_SORT_KEYS, default=repr))


class Completed:
    """A value the engine has completed already (a payload's node): graphql-core returns it as it is."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _located(failure: _Failure, base: Path | None) -> tuple[GraphQLError, Path | None]:
    path = base
    for segment in reversed(failure.path):
        path = path.add_key(segment) if path is not None else Path(None, segment, None)
    nodes = [d.node for d in failure.details]
    return located_error(failure.error, nodes, path.as_list() if path else None), path


_INTROSPECTION = {"__schema", "__type"}


@dataclass(frozen=True)
class Snapshot:
    """The answer of a live query (see `live`) at one graph version: read by the engine as the query operation of
    the same document, delivered as the event of its subscription, whose execution only hands it on."""

    data: dict[str, Any] | None
    errors: tuple[GraphQLError, ...]
    #: A hash of the answer as the client sees it: an answer with the same digest is not sent again.
    digest: bytes


class Executor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution context, answering queries through the engine (see the module's doc)."""

    def execute_collected_root_fields(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        serially: bool,
        new_defer_usages: Any,
    ) -> Any:
        if type(root_value) is Snapshot:
            # A live query's event: the engine read it already (as a query); the subscription delivers it as is.
            for error in root_value.errors:
                self.collected_errors.add(error, None)
            return root_value.data
        context = self.context_value
        if self.operation.operation is not OperationType.QUERY or not isinstance(context, Context):
            if isinstance(context, Context):
                context.executor = self  # the payloads' nodes are planned from this operation (`read_node`)
            return super().execute_collected_root_fields(
                root_type, root_value, grouped_field_set, serially, new_defer_usages
            )
        introspection = {k: d for k, d in grouped_field_set.items() if d[0].node.name.value in _INTROSPECTION}
        if not introspection:
            return self._read(context, root_type, grouped_field_set)
        # The schema's own fields are graphql-core's to answer; the rest is read, and the two merged in order.
        about_schema = super().execute_collected_root_fields(
            root_type, root_value, introspection, serially, new_defer_usages
        )
        graph = {k: d for k, d in grouped_field_set.items() if k not in introspection}
        read = self._read(context, root_type, graph) if graph else {}
        return self._merged(grouped_field_set, about_schema, read)

    def _read(self, context: Context, root_type: GraphQLObjectType, grouped: GroupedFieldSet) -> Any:
        plan = self._plan(context, root_type, grouped)
        if plan.statement is None:
            return self._answer(plan, [])
        return self._run(context, plan, root_type, grouped)

    async def _merged(self, grouped: GroupedFieldSet, *parts: Any) -> Any:
        values = [await p if isawaitable(p) else p for p in parts]
        if any(v is None for v in values):
            return None
        merged = {k: v for value in values for k, v in value.items()}
        return {k: merged[k] for k in grouped}

    def build_resolve_info(self, field_def: Any, field_nodes: Any, parent_type: Any, path: Path) -> Any:
        info = super().build_resolve_info(field_def, field_nodes, parent_type, path)
        if self.operation.operation is OperationType.SUBSCRIPTION and path.prev is None:
            # A live query reads its document again with the variables as the client sent them (`live`): its root
            # field gets graphql-core's variable values, with their sources, not Strawberry's coerced dict.
            return info._replace(variable_values=self.variable_values)
        return info

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if type(result) is Completed:
            return result.value
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def _plan(self, context: Context, root_type: GraphQLObjectType, grouped: GroupedFieldSet) -> Plan:
        """The operation's plan, from the schema's plan cache when the same document came with the same variables."""
        if not tracing.enabled():
            plan, hit = self._plan_cached(context, root_type, grouped)
            metrics.plan_cache(hit)
            return plan
        with tracing.span("graphql.plan", context.scope.request_id) as span:
            plan, hit = self._plan_cached(context, root_type, grouped)
            metrics.plan_cache(hit)
            if span is not None:
                span.set_attribute(tracing.PLAN_CACHE, "hit" if hit else "miss")
            return plan

    def _plan_cached(
        self, context: Context, root_type: GraphQLObjectType, grouped: GroupedFieldSet
    ) -> tuple[Plan, bool]:
        """The operation's plan, and whether it came from the plan cache (bound to this request's variables)."""
        cache: PlanCache | None = getattr(self.schema._strawberry_schema, "plans", None)  # type: ignore[attr-defined]
        loc = self.operation.loc
        if cache is None or loc is None:
            return plan_operation(self, context, root_type, grouped), False
        document = (loc.source.body, self.operation.name.value if self.operation.name else None)
        variables = self.variable_values.coerced
        known = cache.documents.get(document)
        if known is None:
            occurrences, templated = (
                variable_occurrences(self.operation, [f.definition for f in self.fragments.values()]),
                frozenset[str](),
            )
        else:
            occurrences, templated = known
        key = cache.key(document, templated, variables)
        cached = cache.plans.get(key)
        if cached is not None:
            plan = cached.bound(variables)
            if plan is not None:
                return plan, True
        plan = plan_operation(self, context, root_type, grouped, occurrences)
        # A variable null (or missing) here gave the plan no slot, but the key holds its nullness, so the plan is
        # right for it either way: it keeps what the document's plans learned of it, and the plan of a first page
        # (no cursor) does not undo the template of the pages after it.
        nulls = {name for name in occurrences if variables.get(name) is None}
        learned = (plan.templated - nulls) | (templated & nulls)
        if known is None or learned != templated:
            cache.documents[document] = (occurrences, learned)
            key = cache.key(document, learned, variables)
        cache.plans[key] = plan
        return plan, False

    async def _run(
        self, context: Context, plan: Plan, root_type: GraphQLObjectType, grouped: GroupedFieldSet
    ) -> Any:
        assert plan.statement is not None
        try:
            row = await context.repo.run_selection(*plan.statement)
        except (CypherSyntaxError, CypherTypeError) as exc:
            log.error("statement_refused", statement=plan.statement[0], error=str(exc))
            return self._failed(exc, root_type, grouped)
        except Exception as exc:
            return self._failed(exc, root_type, grouped)
        return self._answer(plan, row)

    def _answer(self, plan: Plan, row: Any) -> Any:
        data, errs = shape_answer(plan.shape, row)
        for kept in errs:
            error, path = _located(kept, None)
            self.collected_errors.add(error, path)
        return data

    def _failed(self, exc: Exception, root_type: GraphQLObjectType, grouped: GroupedFieldSet) -> Any:
        """Every root field failed as one: each gets the error, as graphql-core reports a resolver's."""
        data: dict[str, Any] | None = {}
        for key, details in grouped.items():
            path = Path(None, key, root_type.name)
            error = located_error(exc, [d.node for d in details], path.as_list())
            self.collected_errors.add(error, path)
            name = details[0].node.name.value
            field = root_type.fields.get(name)
            if field is not None and isinstance(field.type, GraphQLNonNull):
                data = None
            elif data is not None:
                data[key] = None
        return data


async def read_node(info: Any, type_name: str, key: str | None) -> Completed | None:
    """The node `key` of `type_name` as the field being resolved selects it (a mutation payload's node): planned and
    read like a query's, in one statement, after the write it follows (the request's bookmarks chain them)."""
    if key is None:
        return None
    context: Context = info.context
    executor = context.executor
    assert isinstance(executor, Executor), "read_node runs inside an operation the engine executes"
    raw = info._raw_info  # graphql-core's resolve info under Strawberry's
    details = [FieldDetails(node, None) for node in raw.field_nodes]
    planner = _Planner(executor, context)
    root, shape = planner.root_node(type_name, key, details, "node")
    statement = cb.selection_statement([root])
    assert statement is not None
    row = await context.repo.run_selection(*statement)
    base: Path = raw.path
    value, errs = shape_answer(_compiled(root, _column(root, shape), details), row)
    for kept in errs[:-1] if value is None and errs else errs:
        error, path = _located(kept, base)
        executor.collected_errors.add(error, path)
    if value is None and errs:  # the node itself failed: an error on the payload's (nullable) field
        raise _located(errs[-1], base)[0]
    return Completed(value)
