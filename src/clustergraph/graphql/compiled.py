"""Answering a whole query with one Cypher statement.

graphql-core executes a query field by field (here: one batched statement per level of the query, through the
DataLoaders). For a query made of the graph's nodes, their properties, to-one relationships, lists, related
clusters, statistics and search, `CompiledExecutor` instead plans the selection set into one statement
(`cypher_builder.selection_statement`), runs it in one round trip, and builds the response from its single row with
small per-field functions made from the plan: no resolver runs. Plans are cached per document, operation and
variables (`settings.plan_cache_size`); answers never are.

Anything the plan does not cover (mutations, the `Node` interface, paths, ...) and anything unusual in the answer
(a missing non-null value, an argument the field-by-field resolvers would refuse) goes the field-by-field way, which
produces the standard errors. Both ways give the same response; the tests run a corpus of queries through both.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Mapping
from enum import Enum
from functools import cache
from operator import itemgetter
from typing import Any, LiteralString

import orjson
import structlog
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    OperationType,
    get_named_type,
    located_error,
)
from graphql.execution.collect_fields import FieldDetails, GroupedFieldSet, collect_subfields
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from neo4j.exceptions import CypherSyntaxError, CypherTypeError
from strawberry.relay.utils import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from .. import cypher_builder as cb
from ..graph_model import SEARCHABLE, TYPES
from ..lru import LRUCache
from .context import Context
from .inputs import SortDirection
from .lists import PageArgs, make_page
from .types import decode_id

log = structlog.get_logger(__name__)

Shaper = Callable[[Any], Any]
Details = list[FieldDetails]

#: Root fields that fetch one node by ID or key, and the node type.
ROOT_NODES = {
    "cluster": "Cluster",
    "city": "City",
    "county": "County",
    "industry": "Industry",
    "enterprise": "Enterprise",
    "batch": "Batch",
    "recognitionYear": "RecognitionYear",
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
}
#: Fields computed from a property rather than stored under their own name (`{n}` is the node).
COMPUTED: dict[tuple[str, str], LiteralString] = {
    ("City", "latitude"): "{n}.location.y",
    ("City", "longitude"): "{n}.location.x",
}
#: Boolean fields that read a property of the relationship behind a to-one field: (type, field) -> (rel, property).
EDGE_FIELDS = {("Cluster", "industryInferred"): ("industry", "inferred")}
_PLAIN_SCALARS = {"String", "ID", "Int", "Boolean"}


class Fallback(Exception):
    """The query, or its answer, needs field-by-field execution."""


def _require(getter: Shaper) -> Shaper:
    """A non-null field's getter: a null value falls back (field-by-field execution reports it as GraphQL does)."""

    def get(m: Any) -> Any:
        value = getter(m)
        if value is None:
            raise Fallback
        return value

    return get


def _object(entries: list[tuple[str, Shaper]]) -> Shaper:
    def shape(m: Any) -> Any:
        if m is None:
            return None
        return {key: get(m) for key, get in entries}

    return shape


def _const(value: Any) -> Shaper:
    return lambda _m: value


def _at(key: str | int, shape: Shaper) -> Shaper:
    """Shape the value under `key`."""
    return lambda m: shape(m[key])


def _global_id(type_name: str) -> Shaper:
    return lambda m: to_base64(type_name, m["id"])


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
    raise Fallback


def _leaf(gql_type: GraphQLOutputType, key: str) -> Shaper:
    convert = _leaf_converter(gql_type)
    inner = gql_type.of_type if isinstance(gql_type, GraphQLNonNull) else gql_type
    get = itemgetter(key)
    if convert is None:
        return get
    if isinstance(inner, GraphQLList):
        return _converted(get, lambda v: [None if x is None else convert(x) for x in v])
    return _converted(get, convert)


def _named_object(gql_type: GraphQLOutputType) -> GraphQLObjectType:
    named = get_named_type(gql_type)
    if not isinstance(named, GraphQLObjectType):
        raise Fallback
    return named


@cache
def _argument_names(strawberry_schema: Any) -> dict[tuple[str, str], dict[str, str]]:
    """(GraphQL type, GraphQL field name) -> {GraphQL argument name: Python name}, for every object type's fields."""
    converter = strawberry_schema.config.name_converter
    return {
        key: {converter.get_graphql_name(arg): arg.python_name for arg in field.arguments}
        for key, field in _field_table(strawberry_schema).items()
        if hasattr(field, "arguments")
    }


@cache
def _field_table(strawberry_schema: Any) -> dict[tuple[str, str], Any]:
    """(GraphQL type, GraphQL field name) -> Strawberry field, for every object type of the schema."""
    converter = strawberry_schema.config.name_converter
    table: dict[tuple[str, str], Any] = {}
    for type_name, type_def in strawberry_schema.schema_converter.type_map.items():
        for field in getattr(getattr(type_def, "definition", None), "fields", None) or []:
            table[(type_name, converter.get_graphql_name(field))] = field
    return table


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


PageShaper = Callable[["_Page"], Any]
EdgeShaper = Callable[["_Page", int], Any]


def _of_aggregate(shape: Shaper) -> PageShaper:
    return lambda p: shape(p.aggregate)


def _nodes(shape: Shaper) -> PageShaper:
    return lambda p: [shape(r["node"]) for r in p.rows]


def _edge_const(value: Any) -> EdgeShaper:
    return lambda _p, _i: value


def _edge_node(shape: Shaper) -> EdgeShaper:
    return lambda p, i: shape(p.rows[i]["node"])


def _edge_prop(name: str) -> EdgeShaper:
    return lambda p, i: (p.rows[i]["edge"] or {}).get(name)


def _converted(get: Shaper, convert: Callable[[Any], Any]) -> Shaper:
    return lambda m: None if (v := get(m)) is None else convert(v)


def _each(shape: Shaper) -> Shaper:
    return lambda items: [shape(x) for x in items]


def plain_input(value: Any, gql_type: GraphQLInputType, fields: dict[tuple[str, str], Any]) -> Any:
    """A value coerced by graphql-core as `inputs.filter_dict` gives it from Strawberry's input objects: Python field
    names (from `fields`, see `_field_table`), null fields dropped, enums as their values."""
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
    """`lists.order_pairs` for the coerced `orderBy` argument (dicts of enum members)."""
    if not order_by:
        return None
    return [(o["field"].value, o["direction"] is SortDirection.DESC) for o in order_by]


def _unwrap(gql_type: Any) -> Any:
    return gql_type.of_type if isinstance(gql_type, GraphQLNonNull) else gql_type


def _hit_node(by_label: dict[str, Shaper]) -> Shaper:
    return lambda h: by_label[h["label"]](h["node"])


def _coverage_official(row: Any) -> Any:
    return row["node"]["officialCountSichuan"]


def _coverage_missing(row: Any) -> Any:
    official = _coverage_official(row)
    return max(official - row["named"], 0) if official is not None else None


def _coverage_ratio(row: Any) -> Any:
    official = _coverage_official(row)
    return row["named"] / official if official else None


#: BatchCoverage's fields from a coverage row `{node, named}` (as `Stats.coverage` computes them).
COVERAGE: dict[str, Shaper] = {
    "officialCount": _coverage_official,
    "namedCount": itemgetter("named"),
    "missingCount": _coverage_missing,
    "ratio": _coverage_ratio,
}


class _Planner:
    """Turns a query's selection set into selections for `cypher_builder` and the functions that shape the answer."""

    def __init__(self, executor: CompiledExecutor) -> None:
        self.executor = executor
        self.strawberry = executor.schema._strawberry_schema  # type: ignore[attr-defined]
        self.fields = _field_table(self.strawberry)
        self.context: Context = executor.context_value

    def subfields(self, gql_type: GraphQLObjectType, details: Details) -> GroupedFieldSet:
        ex = self.executor
        collected = collect_subfields(
            ex.schema, ex.fragments, ex.variable_values, ex.operation, gql_type, details
        )
        if collected.new_defer_usages:
            raise Fallback
        return collected.grouped_field_set

    def arguments(self, gql_type: GraphQLObjectType, details: Details) -> dict[str, Any]:
        """The field's arguments as graphql-core coerced them (input objects as dicts by GraphQL name, enums as
        members), under their Python names. Strawberry's conversion to input objects, which cost most of a plan,
        is left out: `plain_input` turns a filter into `filter_dict`'s form directly."""
        node = details[0].node
        name = node.name.value
        raw = get_argument_values(
            gql_type.fields[name], node, self.executor.variable_values, details[0].fragment_variable_values
        )
        names = _argument_names(self.strawberry).get((gql_type.name, name))
        if names is None:
            raise Fallback
        return {names[k]: v for k, v in raw.items()}

    # --- the root ------------------------------------------------------------------------------------------

    def root(self, root_type: GraphQLObjectType, grouped: GroupedFieldSet) -> tuple[list[cb.Root], Shaper]:
        selections: list[cb.Root] = []
        entries: list[tuple[str, Shaper]] = []
        for key, details in grouped.items():
            name = details[0].node.name.value
            if name == "__typename":
                entries.append((key, _const(root_type.name)))
                continue
            column = len(selections)
            if name in ROOT_NODES:
                field_type = root_type.fields[name].type
                target = ROOT_NODES[name]
                args = self.arguments(root_type, details)
                if name == "recognitionYear":
                    node_id = str(args["year"])
                else:
                    try:
                        _type, node_id = decode_id(args["id"], target)
                    except GraphQLError as exc:
                        raise Fallback from exc
                sel = cb.NodeSelection(TYPES[target])
                shape = self.node(_named_object(field_type), details, sel)
                selections.append(cb.RootNodeSelection(key, node_id, sel))
            elif name in ROOT_LISTS:
                list_sel, shape = self.connection(root_type, details, ROOT_LISTS[name], None, key)
                selections.append(list_sel)
            elif name == "stats":
                stats_sel, shape = self.stats(_named_object(root_type.fields[name].type), details, key)
                selections.append(stats_sel)
            elif name == "search":
                search_sel, shape = self.search(root_type, details, key)
                selections.append(search_sel)
            else:
                raise Fallback
            entries.append((key, _at(column, shape)))
        return selections, _object(entries)

    # --- nodes ---------------------------------------------------------------------------------------------

    def node(self, gql_type: GraphQLObjectType, details: Details, sel: cb.NodeSelection) -> Shaper:
        type_name = gql_type.name
        node_type = sel.node_type
        entries: list[tuple[str, Shaper]] = []
        for key, fdetails in self.subfields(gql_type, details).items():
            name = fdetails[0].node.name.value
            if name == "__typename":
                entries.append((key, _const(type_name)))
                continue
            field_type = gql_type.fields[name].type
            field = self.fields.get((type_name, name))
            if field is None:
                raise Fallback
            python = field.python_name
            get: Shaper
            if name == "id":
                get = _global_id(type_name)
            elif name == "key":
                get = itemgetter("id")
            elif (type_name, name) in COMPUTED:
                sel.computed[name] = COMPUTED[(type_name, name)]
                get = _leaf(field_type, name)
            elif field.base_resolver is None and not isinstance(
                get_named_type(field_type), GraphQLObjectType
            ):
                sel.props.add(name)
                get = _leaf(field_type, name)
            elif (type_name, name) in EDGE_FIELDS:
                rel_field, prop = EDGE_FIELDS[(type_name, name)]
                child_key = sel.child_key()
                sel.children.append(cb.OneSelection(child_key, node_type.rel_by_field[rel_field], None, prop))
                get = itemgetter(child_key)
            elif python in node_type.rel_by_field and not node_type.rel_by_field[python].many:
                rel = node_type.rel_by_field[python]
                child = cb.NodeSelection(TYPES[rel.target])
                shape = self.node(_named_object(field_type), fdetails, child)
                child_key = sel.child_key()
                sel.children.append(cb.OneSelection(child_key, rel, child))
                get = _at(child_key, shape)
            elif python in node_type.rel_by_field:
                rel = node_type.rel_by_field[python]
                rel_args = self.rel_arguments(gql_type, fdetails) if rel.arg_conditions else None
                list_sel, shape = self.connection(
                    gql_type, fdetails, rel.target, rel, sel.child_key(), rel_args
                )
                sel.children.append(list_sel)
                get = _at(list_sel.key, shape)
            elif (type_name, name) == ("Cluster", "relatedClusters"):
                get = self.related(gql_type, fdetails, sel)
            else:
                raise Fallback
            entries.append((key, _require(get) if isinstance(field_type, GraphQLNonNull) else get))
        return _object(entries)

    def rel_arguments(self, gql_type: GraphQLObjectType, details: Details) -> dict[str, Any]:
        args = self.arguments(gql_type, details)
        level = args.get("level")
        return {"level": level.value if level is not None else None, "new_only": args.get("new_only")}

    def related(self, gql_type: GraphQLObjectType, details: Details, sel: cb.NodeSelection) -> Shaper:
        first = self.arguments(gql_type, details).get("first", 10)
        if not 0 <= first <= self.context.settings.max_page_size:
            raise Fallback
        item_type = _named_object(gql_type.fields[details[0].node.name.value].type)
        node = cb.NodeSelection(TYPES["Cluster"])
        entries: list[tuple[str, Shaper]] = []
        for key, fdetails in self.subfields(item_type, details).items():
            name = fdetails[0].node.name.value
            if name == "__typename":
                entries.append((key, _const(item_type.name)))
            elif name == "cluster":
                shape = self.node(_named_object(item_type.fields[name].type), fdetails, node)
                entries.append((key, _at("node", shape)))
            elif name == "score":
                entries.append((key, lambda m: float(m["score"])))
            elif name == "reasons":
                entries.append((key, lambda m: sorted(m["reasons"])))
            elif name == "sharedEnterpriseCount":
                entries.append((key, itemgetter("sharedEnterprises")))
            else:
                raise Fallback
        child_key = sel.child_key()
        sel.children.append(cb.RelatedSelection(child_key, first, node))
        item = _object(entries)
        return lambda m: [item(x) for x in m[child_key]]

    # --- statistics and search ------------------------------------------------------------------------------

    def row_object(
        self,
        gql_type: GraphQLObjectType,
        details: Details,
        getters: Mapping[str, Shaper],
        node: str | None = None,
    ) -> tuple[Shaper, cb.NodeSelection | None]:
        """A shaper for a row map: its fields from `getters`, and the node field named `node` from `row["node"]`."""
        node_sel: cb.NodeSelection | None = None
        entries: list[tuple[str, Shaper]] = []
        for key, fdetails in self.subfields(gql_type, details).items():
            name = fdetails[0].node.name.value
            if name == "__typename":
                entries.append((key, _const(gql_type.name)))
            elif name == node:
                node_type = _named_object(gql_type.fields[name].type)
                node_sel = node_sel or cb.NodeSelection(TYPES[node_type.name])
                entries.append((key, _at("node", self.node(node_type, fdetails, node_sel))))
            elif name in getters:
                convert = _leaf_converter(gql_type.fields[name].type)
                get = getters[name]
                entries.append((key, get if convert is None else _converted(get, convert)))
            else:
                raise Fallback
        return _object(entries), node_sel

    def stats(
        self, stats_type: GraphQLObjectType, details: Details, key: str
    ) -> tuple[cb.StatsSelection, Shaper]:
        count, label, level = itemgetter("count"), itemgetter("label"), itemgetter("level")
        parts: list[tuple[str, str, cb.NodeSelection | None]] = []
        entries: list[tuple[str, Shaper]] = []
        for part_key, fdetails in self.subfields(stats_type, details).items():
            name = fdetails[0].node.name.value
            if name == "__typename":
                entries.append((part_key, _const(stats_type.name)))
                continue
            if name not in cb.STATS_PARTS:
                raise Fallback
            item_type = _named_object(stats_type.fields[name].type)
            node_sel: cb.NodeSelection | None = None
            if name in ("labelCounts", "relationshipCounts"):
                shape, node_sel = self.row_object(item_type, fdetails, {"label": label, "count": count})
            elif name in ("clustersByIndustry", "clustersByCity"):
                node_field = "industry" if name == "clustersByIndustry" else "city"
                shape, node_sel = self.row_object(item_type, fdetails, {"count": count}, node_field)
            elif name in ("clustersByLevel", "undatedRecognitions"):
                shape, node_sel = self.row_object(item_type, fdetails, {"level": level, "count": count})
            elif name == "timeline":
                getters: dict[str, Shaper] = {
                    "year": itemgetter("year"),
                    "level": level,
                    "clusterCount": count,
                    "newClusterCount": itemgetter("newCount"),
                }
                shape, node_sel = self.row_object(item_type, fdetails, getters)
            elif name == "coverage":
                shape, node_sel = self.row_object(item_type, fdetails, COVERAGE, "batch")
                if node_sel is None:
                    node_sel = cb.NodeSelection(TYPES["Batch"])
                node_sel.props.add("officialCountSichuan")
            else:  # outputValueCny
                shape = self.numeric(item_type, fdetails)
            parts.append((part_key, name, node_sel))
            many = isinstance(_unwrap(stats_type.fields[name].type), GraphQLList)
            entries.append((part_key, _at(part_key, _each(shape) if many else shape)))
        return cb.StatsSelection(key, parts), _object(entries)

    def search(
        self, root_type: GraphQLObjectType, details: Details, key: str
    ) -> tuple[cb.SearchSelection, Shaper]:
        args = self.arguments(root_type, details)
        text, first = args["text"], args.get("first", 10)
        if not 0 <= first <= self.context.settings.max_page_size or not text.strip() or len(text) > 200:
            raise Fallback
        hit_type = _named_object(root_type.fields["search"].type)
        node = cb.NodeSelection(TYPES["Cluster"])
        by_label: dict[str, Shaper] = {}
        entries: list[tuple[str, Shaper]] = []
        for hit_key, fdetails in self.subfields(hit_type, details).items():
            name = fdetails[0].node.name.value
            if name == "__typename":
                entries.append((hit_key, _const(hit_type.name)))
            elif name == "score":
                entries.append((hit_key, _converted(itemgetter("score"), float)))
            elif name == "node":
                union = get_named_type(hit_type.fields[name].type)
                for member in self.executor.schema.get_possible_types(union):
                    sel = cb.NodeSelection(TYPES[member.name])
                    by_label[member.name] = self.node(member, fdetails, sel)
                    node.props |= sel.props
                    node.computed.update(sel.computed)
                    node.children.extend(sel.children)
                entries.append((hit_key, _hit_node(by_label)))
            else:
                raise Fallback
        hit = _object(entries)
        return cb.SearchSelection(key, text, first, node), lambda hits: [
            hit(h) for h in hits if h["label"] in SEARCHABLE
        ]

    # --- connections ---------------------------------------------------------------------------------------

    def connection(
        self,
        parent_type: GraphQLObjectType,
        details: Details,
        target: str,
        rel: Any,
        key: str,
        rel_args: dict[str, Any] | None = None,
    ) -> tuple[cb.ListSelection, Shaper]:
        args = self.arguments(parent_type, details)
        page_args = PageArgs(args.get("first"), args.get("after"), args.get("last"), args.get("before"))
        try:
            order = cb.resolve_order(TYPES[target], _order_pairs(args.get("order_by")))
            page = make_page(self.context, order, page_args)
        except cb.QueryInputError as exc:
            raise Fallback from exc
        field = parent_type.fields[details[0].node.name.value]
        conn_type = _named_object(field.type)
        node = cb.NodeSelection(TYPES[target])
        where = (
            plain_input(args.get("where"), field.args["where"].type, self.fields)
            if "where" in field.args
            else None
        )
        sel = cb.ListSelection(
            key,
            rel,
            TYPES[target],
            where or None,
            order,
            page,
            cb.Parts(False),
            node,
            rel_args,
        )
        rows = total = aggregate = False
        entries: list[tuple[str, Callable[[_Page], Any]]] = []
        for ckey, cdetails in self.subfields(conn_type, details).items():
            name = cdetails[0].node.name.value
            if name == "__typename":
                entries.append((ckey, _const(conn_type.name)))
                continue
            field_type = conn_type.fields[name].type
            if name == "totalCount":
                total = True
                entries.append((ckey, lambda p: p.aggregate["count"] if p.aggregate else 0))
            elif name == "aggregate":
                aggregate = True
                shape = self.aggregate(_named_object(field_type), cdetails)
                entries.append((ckey, _of_aggregate(shape)))
            elif name == "pageInfo":
                rows = True
                entries.append((ckey, self.page_info(_named_object(field_type), cdetails)))
            elif name == "nodes":
                rows = True
                shape = self.node(_named_object(field_type), cdetails, node)
                entries.append((ckey, _nodes(shape)))
            elif name == "edges":
                rows = True
                entries.append((ckey, self.edges(_named_object(field_type), cdetails, node)))
            else:
                raise Fallback
        sel.parts = cb.Parts(rows=rows, total=total, aggregate=aggregate)

        def shape_connection(value: Any) -> Any:
            page_ = _Page(value, sel, page_args)
            return {k: get(page_) for k, get in entries}

        return sel, shape_connection

    def edges(
        self, edge_type: GraphQLObjectType, details: Details, node: cb.NodeSelection
    ) -> Callable[[_Page], Any]:
        entries: list[tuple[str, Callable[[_Page, int], Any]]] = []
        for key, fdetails in self.subfields(edge_type, details).items():
            name = fdetails[0].node.name.value
            if name == "__typename":
                entries.append((key, _edge_const(edge_type.name)))
            elif name == "cursor":
                entries.append((key, lambda p, i: p.cursors[i]))
            elif name == "node":
                shape = self.node(_named_object(edge_type.fields[name].type), fdetails, node)
                entries.append((key, _edge_node(shape)))
            elif name in ("role", "roleZh"):
                entries.append((key, _edge_prop(name)))
            elif name == "sources":
                entries.append((key, lambda p, i: (p.rows[i]["edge"] or {}).get("sources") or []))
            else:
                raise Fallback

        def shape_edges(p: _Page) -> list[dict[str, Any]]:
            return [{k: get(p, i) for k, get in entries} for i in range(len(p.rows))]

        return shape_edges

    def page_info(self, info_type: GraphQLObjectType, details: Details) -> Callable[[_Page], Any]:
        getters: dict[str, Callable[[_Page], Any]] = {
            "__typename": lambda _p: info_type.name,
            "hasNextPage": lambda p: p.has_next,
            "hasPreviousPage": lambda p: p.has_previous,
            "startCursor": lambda p: p.cursors[0] if p.rows else None,
            "endCursor": lambda p: p.cursors[-1] if p.rows else None,
        }
        entries = [(k, getters[d[0].node.name.value]) for k, d in self.subfields(info_type, details).items()]
        return lambda p: {k: get(p) for k, get in entries}

    def aggregate(self, agg_type: GraphQLObjectType, details: Details) -> Shaper:
        entries: list[tuple[str, Shaper]] = []
        for key, fdetails in self.subfields(agg_type, details).items():
            name = fdetails[0].node.name.value
            if name == "__typename":
                entries.append((key, _const(agg_type.name)))
            elif name == "count":
                entries.append((key, itemgetter("count")))
            else:
                field = self.fields[(agg_type.name, name)]
                numeric_type = _named_object(agg_type.fields[name].type)
                shape = self.numeric(numeric_type, fdetails)
                entries.append((key, _at(field.python_name, shape)))
        return _object(entries)

    def numeric(self, numeric_type: GraphQLObjectType, details: Details) -> Shaper:
        def number(stat: str) -> Shaper:
            def get(m: Any) -> Any:
                value = m[stat]
                if stat == "sum" and not m["count"]:
                    return None
                return None if value is None else float(value)

            return get

        entries: list[tuple[str, Shaper]] = []
        for key, fdetails in self.subfields(numeric_type, details).items():
            name = fdetails[0].node.name.value
            if name == "__typename":
                entries.append((key, _const(numeric_type.name)))
            elif name == "count":
                entries.append((key, itemgetter("count")))
            else:
                entries.append((key, number(name)))
        return _object(entries)


#: A planned operation: its statement and parameters (None when it selects only `__typename`), and its shaper.
Plan = tuple[tuple[LiteralString, dict[str, Any]] | None, Shaper]

_PLAN_CACHES: weakref.WeakKeyDictionary[Any, LRUCache[Any, Plan | None]] = weakref.WeakKeyDictionary()


def _plan_cache(schema: Any, size: int) -> LRUCache[Any, Plan | None] | None:
    """The schema's bounded plan cache (least recently used first), or None when plans are not cached."""
    if size <= 0:
        return None
    cache = _PLAN_CACHES.get(schema)
    if cache is None:
        cache = _PLAN_CACHES[schema] = LRUCache(size)
    return cache


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, answering the queries it can plan with one statement (see the module's doc)."""

    def execute_collected_root_fields(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        serially: bool,
        new_defer_usages: Any,
    ) -> Any:
        context = self.context_value

        def by_field() -> Any:
            return super(CompiledExecutor, self).execute_collected_root_fields(
                root_type, root_value, grouped_field_set, serially, new_defer_usages
            )

        if (
            self.operation.operation is not OperationType.QUERY
            or new_defer_usages
            or not isinstance(context, Context)
            or not context.settings.compiled_queries
        ):
            return by_field()
        plan = self._plan(context, root_type, grouped_field_set)
        if plan is None:
            return by_field()
        statement, shape = plan
        if statement is None:  # only __typename
            return shape([])
        return self._run(context, statement, shape, root_type, grouped_field_set, by_field)

    def _plan(self, context: Context, root_type: GraphQLObjectType, grouped: GroupedFieldSet) -> Plan | None:
        """The operation's plan, from the plan cache when the same document came with the same variables."""
        cache = _plan_cache(self.schema, context.settings.plan_cache_size)
        key = self._cache_key() if cache is not None else None
        if cache is not None and key is not None and key in cache:
            return cache[key]
        plan: Plan | None
        try:
            selections, shape = _Planner(self).root(root_type, grouped)
            plan = (cb.selection_statement(selections) if selections else None, shape)
        except (Fallback, cb.QueryInputError, GraphQLError):
            plan = None
        if cache is not None and key is not None:
            cache[key] = plan
        return plan

    def _cache_key(self) -> tuple[str, str | None, bytes] | None:
        loc = self.operation.loc
        if loc is None:
            return None
        name = self.operation.name.value if self.operation.name else None
        variables = orjson.dumps(self.variable_values.coerced, option=orjson.OPT_SORT_KEYS, default=repr)
        return loc.source.body, name, variables

    async def _run(
        self,
        context: Context,
        statement: tuple[LiteralString, dict[str, Any]],
        shape: Shaper,
        root_type: GraphQLObjectType,
        grouped: GroupedFieldSet,
        by_field: Callable[[], Any],
    ) -> Any:
        try:
            row = await context.repo.run_selection(*statement)
        except (CypherSyntaxError, CypherTypeError):
            # A statement Neo4j refuses is a fault of the planner: log it, and answer field by field meanwhile.
            log.exception("compiled_statement_refused", statement=statement[0])
            result = by_field()
            return await result if isinstance(result, Awaitable) else result
        except Exception as exc:
            return self._failed(exc, root_type, grouped)
        try:
            return shape(row)
        except Fallback:
            result = by_field()
            return await result if isinstance(result, Awaitable) else result

    def _failed(self, exc: Exception, root_type: GraphQLObjectType, grouped: GroupedFieldSet) -> Any:
        """Every root field failed as one: each gets the error, as field-by-field execution would report it."""
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
