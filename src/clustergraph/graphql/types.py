"""GraphQL object types: the graph's nodes (each a Relay `Node`), their connections, aggregates and graph answers.

These classes declare the schema's shape and nothing else: the read engine (`engine.py`) answers every field of
them from one Cypher statement, so no resolver of theirs runs. A field with arguments is declared by a function
that only carries the arguments' types and descriptions (its body is `answered_by_engine()`).
"""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated, Any, ClassVar, Generic, TypeVar

import strawberry
from strawberry import relay

from . import inputs
from .inputs import (
    ClusterOrder,
    ClusterWhere,
    NameStatus,
    RecognitionLevel,
)

N = TypeVar("N")

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
    description="Aggregates over all items of the list that match its `where` (not just the page)."
)
class CountAggregate:
    count: int = strawberry.field(description="Number of matching items.")


@strawberry.type(
    description="Aggregates over all clusters of the list that match its `where` (not just the page)."
)
class ClusterAggregate:
    count: int = strawberry.field(description="Number of matching clusters.")
    output_value_cny: NumericAggregate = strawberry.field(description="Stated output values, yuan.")
    enterprise_count: NumericAggregate = strawberry.field(description="Stated enterprise counts.")


@strawberry.type(description="Aggregates over all batches of the list that match its `where`.")
class BatchAggregate:
    count: int = strawberry.field(description="Number of matching batches.")
    official_count: NumericAggregate = strawberry.field(description="Official list sizes.")
    official_count_sichuan: NumericAggregate = strawberry.field(description="Official Sichuan counts.")


@strawberry.type(description="Aggregates over all recognitions of the list that match its `where`.")
class RecognitionAggregate:
    count: int = strawberry.field(description="Number of matching recognitions.")
    year: NumericAggregate = strawberry.field(description="Years of the dated recognitions.")


@strawberry.type(description="A page of items with its edges, page info, total count and aggregates.")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The items of the page with their cursors.")
    nodes: list[N] = strawberry.field(description="The items of the page.")
    page_info: PageInfo = strawberry.field(description="Where the page is in the list.")
    total_count: int = strawberry.field(description="Number of items matching `where` in the whole list.")


def list_field(target: str, description: str, returns: str | None = None) -> Any:
    """A connection field over `target` nodes (of type `returns`, by default `<target>Connection`), with the
    arguments every list shares.

    Nested, the field's name is the relationship it follows from the parent (see `graph_model`); at the root,
    it lists every node of the type.
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
        "return": returns or f"{target}Connection",
    }
    return strawberry.field(resolver=resolve, description=description)


# --- the node types ------------------------------------------------------------------------------------------

_KEY_D = "The node's key: its stable id in the graph (the `id` property in Neo4j), usable in URLs."
_SOURCES_D = "URLs of the public pages the facts come from."


@strawberry.type(description="A province (Sichuan).")
class Province(GraphNode):
    type_name: ClassVar[str] = "Province"
    id: relay.NodeID[str]
    name: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    admin_code: str = strawberry.field(description="GB/T 2260 administrative division code.")
    sources: list[str] = strawberry.field(description=_SOURCES_D)

    key: str = strawberry.field(description=_KEY_D)

    cities: CityConnection = list_field("City", "The province's prefecture-level divisions.")


@strawberry.type(description="A prefecture-level division of Sichuan (地级市 or 自治州).")
class City(GraphNode):
    type_name: ClassVar[str] = "City"
    id: relay.NodeID[str]
    name: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    admin_code: str = strawberry.field(description="GB/T 2260 administrative division code.")
    kind: str = strawberry.field(description="Kind of division, in English.")
    kind_zh: str = strawberry.field(description="Kind of division, in Chinese (地级市, 自治州).")
    latitude: float | None = strawberry.field(default=None, description="Approximate latitude of the seat.")
    longitude: float | None = strawberry.field(default=None, description="Approximate longitude of the seat.")
    sources: list[str] = strawberry.field(description=_SOURCES_D)

    key: str = strawberry.field(description=_KEY_D)

    province: Province | None = strawberry.field(description="The province.")

    counties: CountyConnection = list_field("County", "The city's counties that have a cluster in the graph.")

    clusters: ClusterConnection = list_field(
        "Cluster", "Clusters located in the city (through its counties)."
    )

    industries: list[IndustryCount] = strawberry.field(
        description="Industries of the city's clusters, with how many clusters each; most first."
    )


@strawberry.type(description="A county-level division (县, 区 or county-level city) where a cluster sits.")
class County(GraphNode):
    type_name: ClassVar[str] = "County"
    id: relay.NodeID[str]
    name: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")

    key: str = strawberry.field(description=_KEY_D)

    city: City | None = strawberry.field(description="The city the county belongs to.")

    clusters: ClusterConnection = list_field("Cluster", "Clusters located in the county.")


@strawberry.type(description="One of Sichuan's six advantageous industries (优势产业).")
class Industry(GraphNode):
    type_name: ClassVar[str] = "Industry"
    id: relay.NodeID[str]
    name: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    sources: list[str] = strawberry.field(description=_SOURCES_D)

    key: str = strawberry.field(description=_KEY_D)

    clusters: ClusterConnection = list_field("Cluster", "Clusters in the industry.")


@strawberry.type(description="A special SME industrial cluster (中小企业特色产业集群).")
class Cluster(GraphNode):
    type_name: ClassVar[str] = "Cluster"
    id: relay.NodeID[str]
    name: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name, with the dataset's marker when not verified.")
    name_status: NameStatus = strawberry.field(description="How sure the Chinese name is.")
    alternate_names_zh: list[str] = strawberry.field(
        default_factory=list, description="Other Chinese names the sources use (e.g. on the national list)."
    )
    leading_sector: str | None = strawberry.field(default=None, description="Leading sector, in English.")
    leading_sector_zh: str | None = strawberry.field(default=None, description="Leading sector, in Chinese.")
    output_value_cny: float | None = strawberry.field(
        default=None,
        description="Output value in yuan where a source states one (see the recognition notes).",
    )
    enterprise_count: int | None = strawberry.field(
        default=None, description="Number of enterprises a source gives (what was counted is in the notes)."
    )
    sources: list[str] = strawberry.field(description=_SOURCES_D)

    key: str = strawberry.field(description=_KEY_D)

    county: County | None = strawberry.field(description="The county the cluster sits in.")

    city: City | None = strawberry.field(description="The city the cluster sits in.")

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

    @strawberry.field(
        description="Clusters sharing an industry, a city, a county or enterprises; best first."
    )
    def related_clusters(
        self,
        first: Annotated[int, strawberry.argument(description="How many (at most the max page size).")] = 10,
    ) -> list[RelatedCluster]:
        return answered_by_engine()  # type: ignore[no-any-return]


@strawberry.type(description="An enterprise named by a source as a member of a cluster.")
class Enterprise(GraphNode):
    type_name: ClassVar[str] = "Enterprise"
    id: relay.NodeID[str]
    name: str = strawberry.field(description="English name (a rendering unless the source gives one).")
    name_zh: str = strawberry.field(description="Chinese name as the source gives it.")
    sources: list[str] = strawberry.field(description=_SOURCES_D)

    key: str = strawberry.field(description=_KEY_D)

    clusters: ClusterMembershipConnection = list_field(
        "Cluster", "Clusters the enterprise belongs to, with its role in each.", "ClusterMembershipConnection"
    )


@strawberry.type(description="One recognition of a cluster: the level, and the year and batch where known.")
class Recognition(GraphNode):
    type_name: ClassVar[str] = "Recognition"
    id: relay.NodeID[str]
    level: RecognitionLevel = strawberry.field(description="Provincial or national.")
    year: int | None = strawberry.field(
        default=None, description="Year of the batch; null when no source states it."
    )
    notes: str | None = strawberry.field(
        default=None, description="What the sources say, and what they do not."
    )
    sources: list[str] = strawberry.field(description=_SOURCES_D)

    key: str = strawberry.field(description=_KEY_D)

    cluster: Cluster | None = strawberry.field(description="The recognised cluster.")

    batch: Batch | None = strawberry.field(
        description="The official list (batch); null when the year is unknown."
    )


@strawberry.type(description="An official list of recognised clusters, with its official size.")
class Batch(GraphNode):
    type_name: ClassVar[str] = "Batch"
    id: relay.NodeID[str]
    name: str = strawberry.field(description="English name of the list.")
    name_zh: str = strawberry.field(description="Chinese name of the list.")
    level: RecognitionLevel = strawberry.field(description="Provincial or national.")
    year: int = strawberry.field(description="Year of the batch.")
    ordinal: int = strawberry.field(description="1 for the first batch of its level, and so on.")
    authority: str = strawberry.field(description="Who published it, in English.")
    authority_zh: str = strawberry.field(description="Who published it, in Chinese.")
    published: datetime.date | None = strawberry.field(
        default=None, description="Publication date, where known."
    )
    official_count: int | None = strawberry.field(
        default=None, description="Official number of clusters on the list (nationwide for national lists)."
    )
    official_count_sichuan: int | None = strawberry.field(
        default=None, description="Official number of Sichuan clusters on the list; null when unknown."
    )
    notes: str | None = strawberry.field(default=None, description="What is known of the list.")
    sources: list[str] = strawberry.field(description=_SOURCES_D)

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


@strawberry.type(description="A year in which clusters were recognised: the timeline's unit.")
class RecognitionYear(GraphNode):
    type_name: ClassVar[str] = "RecognitionYear"
    id: relay.NodeID[str]
    year: int = strawberry.field(description="The year.")

    key: str = strawberry.field(description=_KEY_D)

    batches: BatchConnection = list_field("Batch", "Batches published in the year.")

    recognitions: RecognitionConnection = list_field("Recognition", "Recognitions of the year.")

    @strawberry.field(
        description="Clusters recognised in the year, optionally at one level or only the new ones."
    )
    def clusters(
        self,
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
        return answered_by_engine()  # type: ignore[no-any-return]


NODE_CLASSES: dict[str, type[GraphNode]] = {
    c.type_name: c
    for c in (Province, City, County, Industry, Cluster, Enterprise, Recognition, Batch, RecognitionYear)
}

# --- connections of each type --------------------------------------------------------------------------------


@strawberry.type(description="A page of provinces.")
class ProvinceConnection(Connection[Province]):
    aggregate: CountAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


@strawberry.type(description="A page of cities.")
class CityConnection(Connection[City]):
    aggregate: CountAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


@strawberry.type(description="A page of counties.")
class CountyConnection(Connection[County]):
    aggregate: CountAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


@strawberry.type(description="A page of industries.")
class IndustryConnection(Connection[Industry]):
    aggregate: CountAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


@strawberry.type(description="A page of clusters.")
class ClusterConnection(Connection[Cluster]):
    aggregate: ClusterAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


@strawberry.type(description="A page of enterprises.")
class EnterpriseConnection(Connection[Enterprise]):
    aggregate: CountAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


@strawberry.type(description="A page of recognitions.")
class RecognitionConnection(Connection[Recognition]):
    aggregate: RecognitionAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


@strawberry.type(description="A page of batches.")
class BatchConnection(Connection[Batch]):
    aggregate: BatchAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


@strawberry.type(description="A page of recognition years.")
class RecognitionYearConnection(Connection[RecognitionYear]):
    aggregate: CountAggregate = strawberry.field(description="Aggregates over the whole filtered list.")


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
