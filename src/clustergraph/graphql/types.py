"""GraphQL object types: the graph's nodes (each a Relay `Node`), their connections, aggregates and graph answers.

The node types' property fields, the aggregates and the connections are derived from `graph_model` (`graph_node`,
`build_types`); the relationship fields and the graph answers are written here. Resolvers stay thin: a scalar is
read from the node's property map; a relationship asks this request's DataLoaders (one round trip per level of
the query, whatever the number of parents).
"""

from __future__ import annotations

import dataclasses
import datetime
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from types import new_class
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Self, TypeVar, cast

import strawberry
from strawberry import relay
from strawberry.types import Info

from ..graph_model import TYPES, Kind, NodeType, Prop
from . import inputs
from .context import Context
from .inputs import (
    ClusterOrder,
    ClusterWhere,
    EnterpriseOrder,
    EnterpriseWhere,
    ModelInputs,
    RecognitionLevel,
)
from .lists import (
    ORDER_ARG,
    WHERE_ARG,
    After,
    Before,
    First,
    Last,
    PageArgs,
    Shaped,
    bad_input,
    load_nested,
    load_root,
    prepare,
    shape,
)

Inf = Info[Context, Any]
N = TypeVar("N")
C = TypeVar("C")
G = TypeVar("G", bound="GraphNode")

_FIRST = "Page forward: how many items (default and maximum in the settings)."
_AFTER = "Page forward: the cursor after which the page starts."
_LAST = "Page backward: how many items."
_BEFORE = "Page backward: the cursor before which the page ends."
_WHERE = "Only the items that match."
_ORDER = "Sort keys, first one first; ties are broken by key."


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class GraphNode(relay.Node):
    """Shared behaviour of the node types: building from a property map, and Relay's node lookup."""

    type_name: ClassVar[str]
    #: How a stored value becomes the field's value, by field: an enum member from its name, a date from Neo4j's.
    converters: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    if TYPE_CHECKING:
        # The property fields are added from the model by `graph_node`, out of the type checker's sight.
        def __getattr__(self, name: str) -> Any: ...

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> Self:
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        values = {_snake(k): v for k, v in props.items()}
        return cls(**{k: cls.convert(k, v) for k, v in values.items() if k in names})

    @classmethod
    def convert(cls, name: str, value: Any) -> Any:
        convert = cls.converters.get(name)
        return value if convert is None or value is None else convert(value)

    @classmethod
    async def resolve_nodes(cls, *, info: Inf, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loaders.node(cls.type_name).load_many(list(node_ids))
        return [cls.from_props(r) if r is not None else None for r in rows]


async def _one(info: Inf, parent: GraphNode, field: str, cls: type[G]) -> G | None:
    node, _edge = await info.context.loaders.one(parent.type_name, field).load(parent.id)
    return cls.from_props(node) if node is not None else None


def decode_id(value: str, expected: str | None = None) -> tuple[str, str]:
    """(type name, key) of a global ID; with `expected`, a plain key of that type is accepted too."""
    try:
        gid = relay.GlobalID.from_id(value)
    except Exception:
        gid = None
    if gid is not None and gid.type_name in NODE_CLASSES:
        if expected is not None and gid.type_name != expected:
            raise bad_input(f"id: {value!r} is the ID of a {gid.type_name}, not of a {expected}")
        return gid.type_name, gid.node_id
    if expected is not None:
        return expected, value
    raise bad_input(f"id: {value!r} is not an ID returned by this API")


# --- page info, edges, connections, aggregates ---------------------------------------------------------------


@strawberry.type(description="Where the page starts and ends, and whether there are items beyond it.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow the page.")
    has_previous_page: bool = strawberry.field(description="Items precede the page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item of the page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item of the page.")


@strawberry.type(description="An item of a page and its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(description="Opaque keyset cursor: pass it as after/before.")
    node: N = strawberry.field(description="The item.")


@strawberry.type(description="sum, min, max and average of a number field over the items that have a value.")
class NumericAggregate:
    count: int = strawberry.field(description="Items with a value.")
    sum: float | None = strawberry.field(description="Sum of the values (null when none has a value).")
    min: float | None = strawberry.field(description="Smallest value.")
    max: float | None = strawberry.field(description="Largest value.")
    avg: float | None = strawberry.field(description="Average value.")

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> NumericAggregate:
        count = m["count"]
        return cls(count=count, sum=m["sum"] if count else None, min=m["min"], max=m["max"], avg=m["avg"])


@strawberry.type(
    description="Aggregates over all items of the list that match its `where` (not just the page)."
)
class CountAggregate:
    count: int = strawberry.field(description="Number of matching items.")


def _aggregate(cls: type, data: dict[str, Any] | None) -> Any:
    if data is None:
        return None
    values = {k: NumericAggregate.from_map(v) if isinstance(v, dict) else v for k, v in data.items()}
    return cls(**values)


@strawberry.type(description="A page of items with its edges, page info, total count and aggregates.")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The items of the page with their cursors.")
    nodes: list[N] = strawberry.field(description="The items of the page.")
    page_info: PageInfo = strawberry.field(description="Where the page is in the list.")
    total_count: int = strawberry.field(description="Number of items matching `where` in the whole list.")


def _page_info(s: Shaped) -> PageInfo:
    return PageInfo(
        has_next_page=s.has_next,
        has_previous_page=s.has_previous,
        start_cursor=s.cursors[0] if s.cursors else None,
        end_cursor=s.cursors[-1] if s.cursors else None,
    )


def build_connection(cls: type[C], node_cls: type[GraphNode], aggregate_cls: type, s: Shaped) -> C:
    nodes = [node_cls.from_props(r["node"]) for r in s.rows]
    factory: Any = cls
    return cast(
        C,
        factory(
            edges=[Edge(cursor=c, node=n) for c, n in zip(s.cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=_page_info(s),
            total_count=s.total if s.total is not None else 0,
            aggregate=_aggregate(aggregate_cls, s.aggregate),
        ),
    )


def list_field(target: str, description: str, *, root_list: bool = False) -> Any:
    """A connection field over `target` nodes, with the arguments and behaviour every list shares.

    Nested, the field's name is the relationship it follows from the parent (see `graph_model`); at the root,
    it lists every node of the type.
    """

    async def resolve(
        root: Any,
        info: Inf,
        where: Any = None,
        order_by: Any = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Any:
        node_cls = NODE_CLASSES[target]
        query = prepare(info, target, where, order_by, PageArgs(first, after, last, before))
        if root_list:
            data = await load_root(info, query)
        else:
            data = await load_nested(info, root.type_name, info.python_name, root.id, query)
        return build_connection(
            CONNECTIONS[target], node_cls, AGGREGATES.get(target, CountAggregate), shape(query, data)
        )

    where_type, order_type = getattr(inputs, f"{target}Where"), getattr(inputs, f"{target}Order")
    resolve.__annotations__ = {
        "info": Inf,
        "where": Annotated[where_type | None, WHERE_ARG],
        "order_by": Annotated[list[order_type] | None, ORDER_ARG],  # type: ignore[valid-type]
        "first": First,
        "after": After,
        "last": Last,
        "before": Before,
        # Defined further down this module; Strawberry resolves the name when the schema is built.
        "return": f"{target}Connection",
    }
    return strawberry.field(resolver=resolve, description=description)


async def nested_list(
    info: Inf,
    parent: GraphNode,
    field: str,
    node_cls: type[GraphNode],
    conn_cls: type[C],
    agg_cls: type,
    where: Any,
    order_by: Any,
    args: PageArgs,
    rel_args: dict[str, Any] | None = None,
) -> C:
    query = prepare(info, node_cls.type_name, where, order_by, args)
    data = await load_nested(info, parent.type_name, field, parent.id, query, rel_args)
    return build_connection(conn_cls, node_cls, agg_cls, shape(query, data))


# --- the node types' property fields, from the model ---------------------------------------------------------

_SCALARS: dict[Kind, type] = {
    Kind.STRING: str,
    Kind.INT: int,
    Kind.FLOAT: float,
    Kind.BOOLEAN: bool,
    Kind.DATE: datetime.date,
}


def _python_type(prop: Prop) -> Any:
    base: Any = inputs.ENUMS[prop.enum][0] if prop.enum is not None else _SCALARS[prop.kind]
    if prop.is_list:
        return list[base]
    return base | None if prop.nullable else base


def _property_field(prop: Prop) -> Any:
    if prop.is_list:
        return strawberry.field(default_factory=list, description=prop.description)
    if prop.nullable:
        return strawberry.field(default=None, description=prop.description)
    return strawberry.field(description=prop.description)


def _native_date(value: Any) -> Any:
    return value.to_native()


def _converter(prop: Prop) -> Callable[[Any], Any] | None:
    if prop.enum is not None:
        return inputs.ENUMS[prop.enum][0]
    return _native_date if prop.kind is Kind.DATE else None


def graph_node(type_name: str, model: Mapping[str, NodeType] = TYPES) -> Callable[[type[G]], type[G]]:
    """Make the class the GraphQL type of `type_name` in `model`: the type's description, and a field for each of
    its plain properties, placed after `id` and before the fields the class writes itself (relationships, the key).
    """
    node_type = model[type_name]
    props = [p for p in node_type.props if p.node_field]

    def decorate(cls: type[G]) -> type[G]:
        own = dict(inspect.get_annotations(cls))
        node_id = own.pop("id", relay.NodeID[str])
        cls.__annotations__ = {"id": node_id, **{p.field: _python_type(p) for p in props}, **own}
        for p in props:
            setattr(cls, p.field, _property_field(p))
        cls.type_name = type_name
        cls.converters = {p.field: c for p in props if (c := _converter(p)) is not None}
        return cast(type[G], strawberry.type(cls, description=node_type.description))

    return decorate


# --- the node types ------------------------------------------------------------------------------------------

#: The `key` fields' description, as the model words it (the same for every node type).
_KEY_D = TYPES["Cluster"].prop("key").description


@graph_node("Province")
class Province(GraphNode):
    id: relay.NodeID[str]

    @strawberry.field(description=_KEY_D)
    def key(self) -> str:
        return self.id

    cities = list_field("City", "The province's prefecture-level divisions.")


@graph_node("City")
class City(GraphNode):
    id: relay.NodeID[str]

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> Self:
        location = props.get("location")
        extra = {"latitude": location.y, "longitude": location.x} if location is not None else {}
        return super().from_props({**props, **extra})

    @strawberry.field(description=_KEY_D)
    def key(self) -> str:
        return self.id

    @strawberry.field(description="The province.")
    async def province(self, info: Inf) -> Province | None:
        return await _one(info, self, "province", Province)

    counties = list_field("County", "The city's counties that have a cluster in the graph.")

    clusters = list_field("Cluster", "Clusters located in the city (through its counties).")

    @strawberry.field(
        description="Industries of the city's clusters, with how many clusters each; most first."
    )
    async def industries(self, info: Inf) -> list[IndustryCount]:
        rows = await info.context.loaders.city_industries().load(self.id)
        return [
            IndustryCount(industry=Industry.from_props(r["node"]), cluster_count=r["count"]) for r in rows
        ]


@graph_node("County")
class County(GraphNode):
    id: relay.NodeID[str]

    @strawberry.field(description=_KEY_D)
    def key(self) -> str:
        return self.id

    @strawberry.field(description="The city the county belongs to.")
    async def city(self, info: Inf) -> City | None:
        return await _one(info, self, "city", City)

    clusters = list_field("Cluster", "Clusters located in the county.")


@graph_node("Industry")
class Industry(GraphNode):
    id: relay.NodeID[str]

    @strawberry.field(description=_KEY_D)
    def key(self) -> str:
        return self.id

    clusters = list_field("Cluster", "Clusters in the industry.")


@graph_node("Cluster")
class Cluster(GraphNode):
    id: relay.NodeID[str]

    @strawberry.field(description=_KEY_D)
    def key(self) -> str:
        return self.id

    @strawberry.field(description="The county the cluster sits in.")
    async def county(self, info: Inf) -> County | None:
        return await _one(info, self, "county", County)

    @strawberry.field(description="The city the cluster sits in.")
    async def city(self, info: Inf) -> City | None:
        return await _one(info, self, "city", City)

    @strawberry.field(description="The cluster's industry.")
    async def industry(self, info: Inf) -> Industry | None:
        return await _one(info, self, "industry", Industry)

    @strawberry.field(
        description="True when the industry is the dataset's judgement rather than plain from the name."
    )
    async def industry_inferred(self, info: Inf) -> bool | None:
        _node, edge = await info.context.loaders.one("Cluster", "industry").load(self.id)
        return edge["inferred"] if edge else None

    recognitions = list_field(
        "Recognition", "The cluster's recognitions: provincial and/or national, with year and batch."
    )

    @strawberry.field(description="Member enterprises, with the role the source gives them.")
    async def enterprises(
        self,
        info: Inf,
        where: Annotated[EnterpriseWhere | None, WHERE_ARG] = None,
        order_by: Annotated[list[EnterpriseOrder] | None, ORDER_ARG] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> EnterpriseMembershipConnection:
        query = prepare(info, "Enterprise", where, order_by, PageArgs(first, after, last, before))
        data = await load_nested(info, "Cluster", "enterprises", self.id, query)
        return _membership_connection(
            EnterpriseMembershipConnection, EnterpriseMembershipEdge, Enterprise, shape(query, data)
        )

    @strawberry.field(
        description="Clusters sharing an industry, a city, a county or enterprises; best first."
    )
    async def related_clusters(
        self,
        info: Inf,
        first: Annotated[int, strawberry.argument(description="How many (at most the max page size).")] = 10,
    ) -> list[RelatedCluster]:
        if not 0 <= first <= info.context.settings.max_page_size:
            raise bad_input(f"first: {first} is not between 0 and {info.context.settings.max_page_size}")
        rows = await info.context.loaders.related_clusters(first).load(self.id)
        return [
            RelatedCluster(
                cluster=Cluster.from_props(r["node"]),
                score=r["score"],
                reasons=[RelationReason(x) for x in sorted(r["reasons"])],
                shared_enterprise_count=r["sharedEnterprises"],
            )
            for r in rows
        ]


@graph_node("Enterprise")
class Enterprise(GraphNode):
    id: relay.NodeID[str]

    @strawberry.field(description=_KEY_D)
    def key(self) -> str:
        return self.id

    @strawberry.field(description="Clusters the enterprise belongs to, with its role in each.")
    async def clusters(
        self,
        info: Inf,
        where: Annotated[ClusterWhere | None, WHERE_ARG] = None,
        order_by: Annotated[list[ClusterOrder] | None, ORDER_ARG] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ClusterMembershipConnection:
        query = prepare(info, "Cluster", where, order_by, PageArgs(first, after, last, before))
        data = await load_nested(info, "Enterprise", "clusters", self.id, query)
        return _membership_connection(
            ClusterMembershipConnection, ClusterMembershipEdge, Cluster, shape(query, data)
        )


@graph_node("Recognition")
class Recognition(GraphNode):
    id: relay.NodeID[str]

    @strawberry.field(description=_KEY_D)
    def key(self) -> str:
        return self.id

    @strawberry.field(description="The recognised cluster.")
    async def cluster(self, info: Inf) -> Cluster | None:
        return await _one(info, self, "cluster", Cluster)

    @strawberry.field(description="The official list (batch); null when the year is unknown.")
    async def batch(self, info: Inf) -> Batch | None:
        return await _one(info, self, "batch", Batch)


@graph_node("Batch")
class Batch(GraphNode):
    id: relay.NodeID[str]

    @strawberry.field(description=_KEY_D)
    def key(self) -> str:
        return self.id

    @strawberry.field(description="How many of the list's Sichuan clusters the graph names.")
    async def named_count(self, info: Inf) -> int:
        return await info.context.loaders.batch_named_counts().load(self.id)

    @strawberry.field(
        description="Sichuan clusters on the list that the graph does not name; null when unknown."
    )
    async def missing_count(self, info: Inf) -> int | None:
        official: int | None = self.official_count_sichuan
        if official is None:
            return None
        named = await info.context.loaders.batch_named_counts().load(self.id)
        return max(official - named, 0)

    recognitions = list_field("Recognition", "The batch's recognitions.")

    clusters = list_field("Cluster", "The batch's clusters.")

    @strawberry.field(description="The year of the batch.")
    async def recognition_year(self, info: Inf) -> RecognitionYear | None:
        return await _one(info, self, "recognition_year", RecognitionYear)


@graph_node("RecognitionYear")
class RecognitionYear(GraphNode):
    id: relay.NodeID[str]

    @strawberry.field(description=_KEY_D)
    def key(self) -> str:
        return self.id

    batches = list_field("Batch", "Batches published in the year.")

    recognitions = list_field("Recognition", "Recognitions of the year.")

    @strawberry.field(
        description="Clusters recognised in the year, optionally at one level or only the new ones."
    )
    async def clusters(
        self,
        info: Inf,
        level: Annotated[RecognitionLevel | None, strawberry.argument(description="Only this level.")] = None,
        new_only: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only clusters with no dated recognition in an earlier year (new in this year); "
                "false: only those recognised before.",
            ),
        ] = None,
        where: Annotated[ClusterWhere | None, WHERE_ARG] = None,
        order_by: Annotated[list[ClusterOrder] | None, ORDER_ARG] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ClusterConnection:
        rel_args = {"level": level.value if level else None, "new_only": new_only}
        return await nested_list(
            info,
            self,
            "clusters",
            Cluster,
            ClusterConnection,
            ClusterAggregate,
            where,
            order_by,
            PageArgs(first, after, last, before),
            rel_args,
        )


NODE_CLASSES: dict[str, type[GraphNode]] = {
    c.type_name: c
    for c in (Province, City, County, Industry, Cluster, Enterprise, Recognition, Batch, RecognitionYear)
}

# --- aggregates and connections of each type, from the model -----------------------------------------------


def _aggregate_type(node_type: NodeType) -> Any:
    name = f"{node_type.name}Aggregate"
    fields: list[tuple[str, Any, Any]] = [
        ("count", int, strawberry.field(description=f"Number of matching {node_type.plural}."))
    ]
    for field in node_type.numeric_aggregates:
        description = node_type.prop(field).aggregate
        fields.append((field, NumericAggregate, strawberry.field(description=description)))
    namespace = {
        "__module__": __name__,
        "__annotations__": {field: annotation for field, annotation, _ in fields},
        **{field: value for field, _, value in fields},
    }
    description = (
        node_type.aggregate_description
        or f"Aggregates over all {node_type.plural} of the list that match its `where`."
    )
    return strawberry.type(type(name, (), namespace), name=name, description=description)


def _connection_type(node_type: NodeType, node_cls: type[GraphNode], aggregate: type) -> Any:
    name = f"{node_type.name}Connection"
    namespace = {
        "__module__": __name__,
        "__annotations__": {"aggregate": aggregate},
        "aggregate": strawberry.field(description="Aggregates over the whole filtered list."),
    }
    base = cast(Any, Connection)[node_cls]
    cls = new_class(name, (base,), exec_body=lambda ns: ns.update(namespace))
    return strawberry.type(cls, name=name, description=f"A page of {node_type.plural}.")


@dataclasses.dataclass(frozen=True)
class ModelTypes:
    """The GraphQL types derived from a model, by node type name."""

    inputs: ModelInputs
    nodes: dict[str, type[GraphNode]]
    #: Only for the node types with aggregated properties; the others' lists have a `CountAggregate`.
    aggregates: dict[str, Any]
    connections: dict[str, Any]

    def aggregate(self, type_name: str) -> Any:
        """The aggregate type of a list of `type_name` nodes."""
        return self.aggregates.get(type_name, CountAggregate)

    def all(self) -> list[Any]:
        """Every derived type, as `strawberry.Schema(types=...)` takes them."""
        i = self.inputs
        groups: list[dict[str, Any]] = [
            self.nodes,
            self.aggregates,
            self.connections,
            i.where,
            i.list_filter,
            i.sort_field,
            i.order,
        ]
        return [t for group in groups for t in group.values()]


def build_types(
    model: Mapping[str, NodeType] = TYPES,
    *,
    nodes: Mapping[str, type[GraphNode]] | None = None,
    model_inputs: ModelInputs | None = None,
) -> ModelTypes:
    """The GraphQL types of `model`: node types, `where` and `orderBy` inputs, aggregates and connections.

    `nodes` are the node classes the connections page over (this module's, which add the relationship fields);
    without them, each node type gets a class of its own with its `id` and property fields, so that any model
    (a test's copy with one more property, say) can be turned into a consistent set of types and a schema.
    """
    model_inputs = model_inputs or inputs.build_inputs(model)
    if nodes is None:
        bare = {
            name: cast(type[GraphNode], type(name, (GraphNode,), {"__module__": __name__})) for name in model
        }
        nodes = {name: graph_node(name, model)(cls) for name, cls in bare.items()}
    aggregates = {name: _aggregate_type(t) for name, t in model.items() if t.numeric_aggregates}
    connections = {
        name: _connection_type(t, nodes[name], aggregates.get(name, CountAggregate))
        for name, t in model.items()
    }
    return ModelTypes(model_inputs, dict(nodes), aggregates, connections)


MODEL_TYPES = build_types(TYPES, nodes=NODE_CLASSES, model_inputs=inputs.MODEL_INPUTS)

ProvinceConnection: Any = MODEL_TYPES.connections["Province"]
CityConnection: Any = MODEL_TYPES.connections["City"]
CountyConnection: Any = MODEL_TYPES.connections["County"]
IndustryConnection: Any = MODEL_TYPES.connections["Industry"]
ClusterConnection: Any = MODEL_TYPES.connections["Cluster"]
EnterpriseConnection: Any = MODEL_TYPES.connections["Enterprise"]
RecognitionConnection: Any = MODEL_TYPES.connections["Recognition"]
BatchConnection: Any = MODEL_TYPES.connections["Batch"]
RecognitionYearConnection: Any = MODEL_TYPES.connections["RecognitionYear"]

ClusterAggregate: Any = MODEL_TYPES.aggregates["Cluster"]
RecognitionAggregate: Any = MODEL_TYPES.aggregates["Recognition"]
BatchAggregate: Any = MODEL_TYPES.aggregates["Batch"]

CONNECTIONS: dict[str, Any] = MODEL_TYPES.connections
AGGREGATES: dict[str, Any] = MODEL_TYPES.aggregates


# --- memberships: edges that carry the enterprise's role ----------------------------------------------------


@strawberry.type(description="A member enterprise of a cluster, with its role.")
class EnterpriseMembershipEdge:
    cursor: str = strawberry.field(description="Opaque keyset cursor.")
    node: Enterprise = strawberry.field(description="The enterprise.")
    role: str | None = strawberry.field(description="Its role as the source gives it, in English.")
    role_zh: str | None = strawberry.field(description="Its role, in Chinese (e.g. 链主企业).")
    sources: list[str] = strawberry.field(description="Pages that name it as a member.")


@strawberry.type(description="A cluster an enterprise belongs to, with the enterprise's role.")
class ClusterMembershipEdge:
    cursor: str = strawberry.field(description="Opaque keyset cursor.")
    node: Cluster = strawberry.field(description="The cluster.")
    role: str | None = strawberry.field(description="The enterprise's role, in English.")
    role_zh: str | None = strawberry.field(description="The enterprise's role, in Chinese.")
    sources: list[str] = strawberry.field(description="Pages that name it as a member.")


@strawberry.type(description="A page of a cluster's member enterprises.")
class EnterpriseMembershipConnection:
    edges: list[EnterpriseMembershipEdge] = strawberry.field(description="Members with their roles.")
    nodes: list[Enterprise] = strawberry.field(description="The enterprises of the page.")
    page_info: PageInfo = strawberry.field(description="Where the page is in the list.")
    total_count: int = strawberry.field(description="Number of matching members.")
    aggregate: CountAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


@strawberry.type(description="A page of the clusters an enterprise belongs to.")
class ClusterMembershipConnection:
    edges: list[ClusterMembershipEdge] = strawberry.field(description="Clusters with the enterprise's role.")
    nodes: list[Cluster] = strawberry.field(description="The clusters of the page.")
    page_info: PageInfo = strawberry.field(description="Where the page is in the list.")
    total_count: int = strawberry.field(description="Number of matching clusters.")
    aggregate: ClusterAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


def _membership_connection(conn_cls: type[C], edge_cls: type, node_cls: type[GraphNode], s: Shaped) -> C:
    nodes = [node_cls.from_props(r["node"]) for r in s.rows]
    edges = []
    for cursor, node, row in zip(s.cursors, nodes, s.rows, strict=True):
        edge = row.get("edge") or {}
        edges.append(
            edge_cls(
                cursor=cursor,
                node=node,
                role=edge.get("role"),
                role_zh=edge.get("roleZh"),
                sources=edge.get("sources") or [],
            )
        )
    agg_cls = ClusterAggregate if node_cls is Cluster else CountAggregate
    factory: Any = conn_cls
    return cast(
        C,
        factory(
            edges=edges,
            nodes=nodes,
            page_info=_page_info(s),
            total_count=s.total if s.total is not None else 0,
            aggregate=_aggregate(agg_cls, s.aggregate),
        ),
    )


# --- graph answers -------------------------------------------------------------------------------------------


@strawberry.enum(description="Why two clusters are related.")
class RelationReason(Enum):
    SAME_INDUSTRY = "SAME_INDUSTRY"
    SAME_CITY = "SAME_CITY"
    SAME_COUNTY = "SAME_COUNTY"
    SHARED_ENTERPRISE = "SHARED_ENTERPRISE"


@strawberry.type(description="A cluster related to another, with a score and the reasons.")
class RelatedCluster:
    cluster: Cluster = strawberry.field(description="The related cluster.")
    score: float = strawberry.field(
        description="1 per shared industry, city or county, 2 per shared enterprise; higher is closer."
    )
    reasons: list[RelationReason] = strawberry.field(description="What the two clusters share.")
    shared_enterprise_count: int = strawberry.field(description="Enterprises that belong to both.")


@strawberry.type(description="An industry and how many of some clusters are in it.")
class IndustryCount:
    industry: Industry = strawberry.field(description="The industry.")
    cluster_count: int = strawberry.field(description="Number of clusters.")
