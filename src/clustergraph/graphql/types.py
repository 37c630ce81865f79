"""GraphQL object types: the graph's nodes (each a Relay `Node`), their connections, aggregates and graph answers.

The node types' property fields, the aggregates and the connections are derived from `graph_model` (`graph_node`,
`build_types`); the relationship fields and the graph answers are written here. These classes declare the schema's
shape and nothing else: the read engine (`engine.py`) answers every field of them from one Cypher statement, so no
resolver of theirs runs. A field with arguments is declared by a function that only carries the arguments' types
and descriptions (its body is `answered_by_engine()`).
"""

from __future__ import annotations

import dataclasses
import datetime
import inspect
from collections.abc import Callable, Mapping
from enum import Enum
from types import new_class
from typing import Annotated, Any, ClassVar, Generic, TypeVar, cast

import strawberry
from strawberry import relay

from ..graph_model import TYPES, Computed, Kind, NodeType, Prop
from . import inputs
from .inputs import ClusterOrder, ClusterWhere, ModelInputs, RecognitionLevel

N = TypeVar("N")
G = TypeVar("G", bound="GraphNode")

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


class AnsweredByTheEngine(RuntimeError):
    """A declared field's function ran: the engine answers every read, so this is a fault of the service."""


def answered_by_engine() -> Any:
    """The body of a field's declaring function: the engine answers every read, so it never runs."""
    raise AnsweredByTheEngine("this field is answered by the read engine")


class GraphNode(relay.Node):
    """The node types: each is a Relay `Node` whose ID encodes its type and key."""

    type_name: ClassVar[str]

    @classmethod
    def resolve_nodes(cls, *, info: Any, node_ids: Any, required: bool = False) -> list[Any]:
        raise AnsweredByTheEngine("nodes are read by the engine")


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


@strawberry.type(
    description="sum, min, max and average of a whole-number field over the items that have a value; the sum, "
    "smallest and largest are whole numbers."
)
class IntAggregate:
    count: int = strawberry.field(description="Items with a value.")
    sum: int | None = strawberry.field(description="Sum of the values (null when none has a value).")
    min: int | None = strawberry.field(description="Smallest value.")
    max: int | None = strawberry.field(description="Largest value.")
    avg: float | None = strawberry.field(description="Average value.")


@strawberry.type(description="The earliest and latest of a year field over the items that have one.")
class YearAggregate:
    count: int = strawberry.field(description="Items with a year.")
    min: int | None = strawberry.field(description="The earliest year.")
    max: int | None = strawberry.field(description="The latest year.")
    avg: float | None = strawberry.field(description="Average year.")
    sum: int | None = strawberry.field(
        description="Sum of the years.",
        deprecation_reason="A sum of years means nothing; use min, max or count.",
    )


def aggregate_of(prop: Prop) -> type:
    """The aggregate type of a number property: whole numbers stay whole (`IntAggregate`; `YearAggregate` for a
    year, which is not summed), others are `NumericAggregate`."""
    if prop.kind is Kind.INT:
        return IntAggregate if prop.sums else YearAggregate
    return NumericAggregate


@strawberry.type(
    description="Aggregates over all items of the list that match its `where` (not just the page)."
)
class CountAggregate:
    count: int = strawberry.field(description="Number of matching items.")


@strawberry.type(description="A page of items with its edges, page info, total count and aggregates.")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The items of the page with their cursors.")
    nodes: list[N] = strawberry.field(description="The items of the page.")
    page_info: PageInfo = strawberry.field(description="Where the page is in the list.")
    total_count: int = strawberry.field(description="Number of items matching `where` in the whole list.")


def list_field(target: str, description: str, returns: str | None = None, *, root: bool = False) -> Any:
    """A connection field over `target` nodes (of type `returns`, by default `<target>Connection`), with the
    arguments every list shares.

    Nested, the field's name is the relationship it follows from the parent (see `graph_model`); at the root
    (`root`), it lists every node of the type, and is nullable: a refused argument of one root list makes that
    list null with its error, and the other root fields keep their answers.
    """

    def resolve(
        where: Any = None,
        order_by: Any = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Any:
        return answered_by_engine()

    where_type, order_type = getattr(inputs, f"{target}Where"), getattr(inputs, f"{target}Order")
    resolve.__annotations__ = {
        "where": Annotated[where_type | None, WHERE_ARG],
        "order_by": Annotated[list[order_type] | None, ORDER_ARG],  # type: ignore[valid-type]
        "first": First,
        "after": After,
        "last": Last,
        "before": Before,
        # Defined further down this module; Strawberry resolves the name when the schema is built.
        "return": f"{returns or f'{target}Connection'}{' | None' if root else ''}",
    }
    if root:
        description += " Null, with its error, when an argument is refused."
    return strawberry.field(resolver=resolve, description=description)


# --- locations ---------------------------------------------------------------------------------------------------


@strawberry.type(description="A GeoJSON Point geometry (RFC 7946), as map libraries take it.")
class GeoJsonPoint:
    type: str = strawberry.field(description='Always "Point".')
    coordinates: list[float] = strawberry.field(
        description="[longitude, latitude], in that order (GeoJSON's), in decimal degrees."
    )


@strawberry.type(description="A point on the WGS-84 ellipsoid (Neo4j's `point` with SRID 4326).")
class GeoPoint:
    latitude: float = strawberry.field(description="Latitude in decimal degrees.")
    longitude: float = strawberry.field(description="Longitude in decimal degrees.")
    geo_json: GeoJsonPoint = strawberry.field(
        name="geoJson",
        description='The same point as a GeoJSON Point: `{type: "Point", coordinates: [lon, lat]}`.',
    )


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
    common: dict[str, Any] = {"description": prop.description, "deprecation_reason": prop.deprecation}
    if prop.is_list:
        return strawberry.field(default_factory=list, **common)
    if prop.nullable:
        return strawberry.field(default=None, **common)
    return strawberry.field(**common)


def _computed_field(computed: Computed) -> tuple[Any, Any]:
    base = _SCALARS[computed.kind]
    common: dict[str, Any] = {"description": computed.description, "deprecation_reason": computed.deprecation}
    if computed.nullable:
        return base | None, strawberry.field(default=None, **common)
    # A default, as the property fields have: the class can be built without the engine (a test's bare types).
    return base, strawberry.field(default=0, **common)


def graph_node(type_name: str, model: Mapping[str, NodeType] = TYPES) -> Callable[[type[G]], type[G]]:
    """Make the class the GraphQL type of `type_name` in `model`: the type's description, and a field for each of
    its plain properties and computed values, placed after `id` and before the fields the class writes itself
    (relationships, the key).
    """
    node_type = model[type_name]
    props = [p for p in node_type.props if p.node_field]
    computed = {c.field: _computed_field(c) for c in node_type.computed}
    if node_type.location is not None:
        computed["location"] = (
            GeoPoint | None,
            strawberry.field(default=None, description=node_type.location.description),
        )

    def decorate(cls: type[G]) -> type[G]:
        own = dict(inspect.get_annotations(cls))
        node_id = own.pop("id", relay.NodeID[str])
        cls.__annotations__ = {
            "id": node_id,
            **{p.field: _python_type(p) for p in props},
            **{name: annotation for name, (annotation, _f) in computed.items()},
            **own,
        }
        for p in props:
            setattr(cls, p.field, _property_field(p))
        for name, (_annotation, field) in computed.items():
            setattr(cls, name, field)
        cls.type_name = type_name
        return cast(type[G], strawberry.type(cls, description=node_type.description))

    return decorate


# --- the node types ------------------------------------------------------------------------------------------

#: The `key` fields' description, as the model words it (the same for every node type).
_KEY_D = TYPES["Cluster"].prop("key").description


@graph_node("Province")
class Province(GraphNode):
    id: relay.NodeID[str]
    key: str = strawberry.field(description=_KEY_D)
    cities: CityConnection = list_field("City", "The province's prefecture-level divisions.")


@graph_node("City")
class City(GraphNode):
    id: relay.NodeID[str]
    key: str = strawberry.field(description=_KEY_D)
    province: Province | None = strawberry.field(description="The province.")
    counties: CountyConnection = list_field("County", "The city's counties that have a cluster in the graph.")
    clusters: ClusterConnection = list_field(
        "Cluster", "Clusters located in the city (through its counties)."
    )
    industries: list[IndustryCount] = strawberry.field(
        description="Industries of the city's clusters, with how many clusters each; most first."
    )


@graph_node("County")
class County(GraphNode):
    id: relay.NodeID[str]
    key: str = strawberry.field(description=_KEY_D)
    city: City | None = strawberry.field(description="The city the county belongs to.")
    clusters: ClusterConnection = list_field("Cluster", "Clusters located in the county.")


@graph_node("Industry")
class Industry(GraphNode):
    id: relay.NodeID[str]
    key: str = strawberry.field(description=_KEY_D)
    clusters: ClusterConnection = list_field("Cluster", "Clusters in the industry.")
    cities: CityConnection = list_field("City", "Cities with at least one cluster in the industry.")


@graph_node("Cluster")
class Cluster(GraphNode):
    id: relay.NodeID[str]
    key: str = strawberry.field(description=_KEY_D)
    county: County | None = strawberry.field(description="The county the cluster sits in.")
    city: City | None = strawberry.field(description="The city the cluster sits in.")
    province: Province | None = strawberry.field(
        description="The province the cluster sits in (through its county and city)."
    )
    industry: Industry | None = strawberry.field(description="The cluster's industry.")
    industry_inferred: bool | None = strawberry.field(
        description="True when the industry is the dataset's judgement rather than plain from the name."
    )
    recognitions: RecognitionConnection = list_field(
        "Recognition", "The cluster's recognitions: provincial and/or national, with year and batch."
    )
    enterprises: EnterpriseMembershipConnection = list_field(
        "Enterprise",
        "Member enterprises, with the role the source gives them.",
        "EnterpriseMembershipConnection",
    )
    batches: BatchConnection = list_field(
        "Batch", "The official lists (batches) that name the cluster; none for an undated recognition."
    )

    @strawberry.field(
        description=(
            "Clusters sharing an industry, a city, a county or enterprises; best first (highest score). Equal "
            "scores: more shared enterprises first, then those in the same county, then in the same city, then by "
            "key."
        )
    )
    def related_clusters(
        self,
        first: Annotated[int, strawberry.argument(description="How many (at most the max page size).")] = 10,
    ) -> list[RelatedCluster]:
        return answered_by_engine()  # type: ignore[no-any-return]


@graph_node("Enterprise")
class Enterprise(GraphNode):
    id: relay.NodeID[str]
    key: str = strawberry.field(description=_KEY_D)
    clusters: ClusterMembershipConnection = list_field(
        "Cluster", "Clusters the enterprise belongs to, with its role in each.", "ClusterMembershipConnection"
    )


@graph_node("Recognition")
class Recognition(GraphNode):
    id: relay.NodeID[str]
    key: str = strawberry.field(description=_KEY_D)
    cluster: Cluster | None = strawberry.field(description="The recognised cluster.")
    batch: Batch | None = strawberry.field(
        description="The official list (batch); null when the year is unknown."
    )
    recognition_year: RecognitionYear | None = strawberry.field(
        description="The year of the recognition; null when no source states it."
    )


@graph_node("Batch")
class Batch(GraphNode):
    id: relay.NodeID[str]
    key: str = strawberry.field(description=_KEY_D)
    named_count: int = strawberry.field(
        description="How many of the list's Sichuan clusters the graph names."
    )
    missing_count: int | None = strawberry.field(
        description="Sichuan clusters on the list that the graph does not name; null when unknown."
    )
    recognitions: RecognitionConnection = list_field("Recognition", "The batch's recognitions.")
    clusters: ClusterConnection = list_field("Cluster", "The batch's clusters.")
    recognition_year: RecognitionYear | None = strawberry.field(description="The year of the batch.")
    figures: BatchFigureConnection = list_field(
        "BatchFigure",
        "The figures the sources state about the list (its size, cities, industries, output, enterprises; an "
        "upper bound where only a cap is known), each with what the graph names of it.",
    )


@graph_node("BatchFigure")
class BatchFigure(GraphNode):
    id: relay.NodeID[str]
    key: str = strawberry.field(description=_KEY_D)
    in_graph: float | None = strawberry.field(
        description="The same figure over what the graph names of the list: its recognitions (CLUSTERS, "
        "SICHUAN_CLUSTERS), the distinct cities and industries of its clusters, the sum of their stated output "
        "values (OUTPUT_VALUE_CNY; some are a county's whole industry, see the clusters' notes), their distinct "
        "member enterprises (ENTERPRISES); null where the graph records nothing to compare (QUALITY_SMES)."
    )
    batch: Batch | None = strawberry.field(description="The list the figure is about.")


@strawberry.enum(description="Which of a year's clusters: first recognised that year, or before too, or all.")
class RecognizedWhen(Enum):
    NEW = strawberry.enum_value("NEW", description="First recognised this year: no dated recognition before.")
    EARLIER = strawberry.enum_value(
        "EARLIER",
        description="Recognised this year and in an earlier year too (e.g. provincial, then national).",
    )
    ALL = strawberry.enum_value("ALL", description="Every cluster recognised this year.")


@graph_node("RecognitionYear")
class RecognitionYear(GraphNode):
    id: relay.NodeID[str]
    key: str = strawberry.field(description=_KEY_D)
    batches: BatchConnection = list_field("Batch", "Batches published in the year.")
    recognitions: RecognitionConnection = list_field("Recognition", "Recognitions of the year.")

    @strawberry.field(
        description="Clusters recognised in the year, optionally at one level or only the new ones."
    )
    def clusters(
        self,
        level: Annotated[RecognitionLevel | None, strawberry.argument(description="Only this level.")] = None,
        recognized: Annotated[
            RecognizedWhen | None,
            strawberry.argument(
                description="NEW: only the clusters first recognised this year; EARLIER: only those with a dated "
                "recognition in an earlier year too; ALL (or null): every cluster recognised this year."
            ),
        ] = None,
        new_only: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only clusters with no dated recognition in an earlier year (new in this year); "
                "false: only those recognised before (not all: omit it for all).",
                deprecation_reason="Use recognized: NEW for true, EARLIER for false, ALL for every cluster.",
            ),
        ] = None,
        where: Annotated[ClusterWhere | None, WHERE_ARG] = None,
        order_by: Annotated[list[ClusterOrder] | None, ORDER_ARG] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ClusterConnection:
        return answered_by_engine()


NODE_CLASSES: dict[str, type[GraphNode]] = {
    c.type_name: c
    for c in (
        Province,
        City,
        County,
        Industry,
        Cluster,
        Enterprise,
        Recognition,
        Batch,
        BatchFigure,
        RecognitionYear,
    )
}

# --- aggregates and connections of each type, from the model -----------------------------------------------


def _aggregate_type(node_type: NodeType) -> Any:
    name = f"{node_type.name}Aggregate"
    fields: list[tuple[str, Any, Any]] = [
        ("count", int, strawberry.field(description=f"Number of matching {node_type.plural}."))
    ]
    for field in node_type.numeric_aggregates:
        prop = node_type.prop(field)
        fields.append((field, aggregate_of(prop), strawberry.field(description=prop.aggregate)))
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
BatchFigureConnection: Any = MODEL_TYPES.connections["BatchFigure"]
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


# --- clusters near a point --------------------------------------------------------------------------------------


@strawberry.type(description="A cluster near the point asked about, with its distance.")
class NearbyClusterEdge:
    cursor: str = strawberry.field(description="Opaque keyset cursor (it holds the distance and the key).")
    node: Cluster = strawberry.field(description="The cluster.")
    distance_km: float = strawberry.field(
        description="Geodesic distance in km from the point to the cluster's location (its city's seat)."
    )


@strawberry.type(description="A page of clusters near a point, nearest first (equal distances by key).")
class NearbyClusterConnection:
    edges: list[NearbyClusterEdge] = strawberry.field(
        description="The clusters of the page with their distances."
    )
    nodes: list[Cluster] = strawberry.field(description="The clusters of the page.")
    page_info: PageInfo = strawberry.field(description="Where the page is in the list.")
    total_count: int = strawberry.field(description="Number of matching clusters within the radius.")
    aggregate: ClusterAggregate = strawberry.field(
        description="Aggregates over every match within the radius."
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
