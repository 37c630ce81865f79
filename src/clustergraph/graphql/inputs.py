"""GraphQL input types: filters (`where`), sort orders (`orderBy`) and the enums they use.

The enums and the filters of each kind of value are written here; the `where` inputs, the list filters, the sort
enums and the orders of the node types are derived from `graph_model` by `build_inputs`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.types.unset import UnsetType

from ..graph_model import TYPES, Kind, NodeType, Prop


@strawberry.enum(description="Ascending or descending.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.enum(description="Who recognised a cluster: the province or the nation.")
class RecognitionLevel(Enum):
    PROVINCIAL = strawberry.enum_value(
        "PROVINCIAL",
        description="Sichuan Department of Economy and Information Technology (四川省经济和信息化厅).",
    )
    NATIONAL = strawberry.enum_value(
        "NATIONAL", description="Ministry of Industry and Information Technology (工业和信息化部)."
    )


@strawberry.enum(description="How sure the dataset is of a cluster's official Chinese name.")
class NameStatus(Enum):
    AS_LISTED = strawberry.enum_value(
        "AS_LISTED", description="The name as the official list or a report of it gives."
    )
    AS_WORDED_IN_SOURCE = strawberry.enum_value(
        "AS_WORDED_IN_SOURCE", description="Worded after a sentence in the source; the list name may differ."
    )
    UNVERIFIED = strawberry.enum_value(
        "UNVERIFIED",
        description="Reconstructed from a description; must be checked against the official list.",
    )


@strawberry.enum(description="What a stated figure of an official list counts or sums.")
class FigureKind(Enum):
    CLUSTERS = strawberry.enum_value("CLUSTERS", description="Clusters on the list.")
    SICHUAN_CLUSTERS = strawberry.enum_value(
        "SICHUAN_CLUSTERS", description="Sichuan's clusters on a national list."
    )
    CITIES = strawberry.enum_value("CITIES", description="Cities/prefectures the list's clusters come from.")
    INDUSTRIES = strawberry.enum_value("INDUSTRIES", description="Advantageous industries the list covers.")
    OUTPUT_VALUE_CNY = strawberry.enum_value(
        "OUTPUT_VALUE_CNY", description="Combined output of the list's clusters, yuan."
    )
    ENTERPRISES = strawberry.enum_value("ENTERPRISES", description="Enterprises in the list's clusters.")
    QUALITY_SMES = strawberry.enum_value(
        "QUALITY_SMES",
        description="Of those, high-quality SMEs (专精特新 SMEs, little giants, single-item champions and others).",
    )


@strawberry.enum(description="How a stated figure bounds the true value.")
class FigureBound(Enum):
    EXACT = strawberry.enum_value("EXACT", description="The value itself.")
    AT_LEAST = strawberry.enum_value("AT_LEAST", description='A lower bound: the source says "over".')
    AT_MOST = strawberry.enum_value("AT_MOST", description="An upper bound: a cap, the value itself unknown.")


# --- scalar filters ------------------------------------------------------------------------------------------


@strawberry.input(description="Conditions on a text field; several are combined with AND.")
class StringFilter:
    eq: str | None = strawberry.field(default=None, description="Equal to.")
    in_: list[str] | None = strawberry.field(default=None, name="in", description="Equal to one of these.")
    contains: str | None = strawberry.field(default=None, description="Contains this text.")
    starts_with: str | None = strawberry.field(default=None, description="Starts with this text.")
    ends_with: str | None = strawberry.field(default=None, description="Ends with this text.")
    is_null: bool | None = strawberry.field(default=None, description="true: has no value; false: has one.")


@strawberry.input(
    description="Conditions on an integer field (years, counts); several are combined with AND."
)
class IntFilter:
    eq: int | None = strawberry.field(default=None, description="Equal to.")
    in_: list[int] | None = strawberry.field(default=None, name="in", description="Equal to one of these.")
    gt: int | None = strawberry.field(default=None, description="Greater than.")
    gte: int | None = strawberry.field(default=None, description="Greater than or equal to.")
    lt: int | None = strawberry.field(default=None, description="Less than.")
    lte: int | None = strawberry.field(default=None, description="Less than or equal to.")
    is_null: bool | None = strawberry.field(default=None, description="true: has no value; false: has one.")


@strawberry.input(
    description="Conditions on a number field (amounts in yuan); several are combined with AND."
)
class FloatFilter:
    eq: float | None = strawberry.field(default=None, description="Equal to.")
    in_: list[float] | None = strawberry.field(default=None, name="in", description="Equal to one of these.")
    gt: float | None = strawberry.field(default=None, description="Greater than.")
    gte: float | None = strawberry.field(default=None, description="Greater than or equal to.")
    lt: float | None = strawberry.field(default=None, description="Less than.")
    lte: float | None = strawberry.field(default=None, description="Less than or equal to.")
    is_null: bool | None = strawberry.field(default=None, description="true: has no value; false: has one.")


@strawberry.input(description="Conditions on a recognition level.")
class LevelFilter:
    eq: RecognitionLevel | None = strawberry.field(default=None, description="Equal to.")
    in_: list[RecognitionLevel] | None = strawberry.field(
        default=None, name="in", description="One of these."
    )


@strawberry.input(description="Conditions on a cluster's name status.")
class NameStatusFilter:
    eq: NameStatus | None = strawberry.field(default=None, description="Equal to.")
    in_: list[NameStatus] | None = strawberry.field(default=None, name="in", description="One of these.")


@strawberry.input(description="Conditions on what a stated figure counts.")
class FigureKindFilter:
    eq: FigureKind | None = strawberry.field(default=None, description="Equal to.")
    in_: list[FigureKind] | None = strawberry.field(default=None, name="in", description="One of these.")


@strawberry.input(description="Conditions on how a stated figure bounds the value.")
class FigureBoundFilter:
    eq: FigureBound | None = strawberry.field(default=None, description="Equal to.")
    in_: list[FigureBound] | None = strawberry.field(default=None, name="in", description="One of these.")


# --- locations ---------------------------------------------------------------------------------------------------


@strawberry.input(
    description="A point on the WGS-84 ellipsoid, in decimal degrees (as GPS and web maps give it)."
)
class GeoPointInput:
    latitude: float = strawberry.field(description="Latitude, from -90 (south) to 90 (north).")
    longitude: float = strawberry.field(description="Longitude, from -180 (west) to 180 (east).")


@strawberry.input(
    description="The distance from a point, in kilometres (geodesic, as Neo4j's point.distance computes it); "
    "several bounds are combined with AND. A node without a location matches none."
)
class DistanceFilter:
    from_: GeoPointInput = strawberry.field(name="from", description="The point distances are measured from.")
    lt: float | None = strawberry.field(default=None, description="Nearer than this many km.")
    lte: float | None = strawberry.field(default=None, description="At most this many km away.")
    gt: float | None = strawberry.field(default=None, description="Farther than this many km.")
    gte: float | None = strawberry.field(default=None, description="At least this many km away.")


@strawberry.input(description="Conditions on a location; several are combined with AND.")
class LocationFilter:
    distance: DistanceFilter | None = strawberry.field(default=None, description="Its distance from a point.")
    is_null: bool | None = strawberry.field(
        default=None, description="true: no location known; false: one is."
    )


# --- derived from the model ----------------------------------------------------------------------------------
# Each `where` input combines its fields with AND; AND, OR and NOT nest. A filterable property takes the filter of
# its kind; a to-one relationship takes the related type's `where`, a to-many one a `...ListFilter`
# ({some, none, all, count}).

#: The GraphQL enum of an ENUM property, and the filter input for it, by the enum's name in the model.
ENUMS: dict[str, tuple[type[Enum], type]] = {
    "RecognitionLevel": (RecognitionLevel, LevelFilter),
    "NameStatus": (NameStatus, NameStatusFilter),
    "FigureKind": (FigureKind, FigureKindFilter),
    "FigureBound": (FigureBound, FigureBoundFilter),
}
_FILTERS: dict[Kind, type] = {Kind.STRING: StringFilter, Kind.INT: IntFilter, Kind.FLOAT: FloatFilter}

_SOME = "At least one related node matches."
_NONE = "No related node matches."
_ALL = "Every related node matches (true when there are none)."
_COUNT = "The number of related nodes."


@dataclasses.dataclass(frozen=True)
class ModelInputs:
    """The input types and sort enums of a model, by node type name."""

    where: dict[str, Any]
    #: Only for the node types that a to-many relationship reaches.
    list_filter: dict[str, Any]
    sort_field: dict[str, Any]
    order: dict[str, Any]


def _filter_input(node_type: NodeType, prop: Prop) -> type:
    if prop.enum is not None:
        return ENUMS[prop.enum][1]
    if prop.kind not in _FILTERS:
        raise ValueError(
            f"{node_type.name}.{prop.field}: there is no filter for {prop.kind.value} properties"
        )
    return _FILTERS[prop.kind]


def _input(cls: type, description: str, fields: list[tuple[str, Any, Any]]) -> Any:
    """Give the class its fields ((Python name, annotation, strawberry.field)), then make it an input type."""
    cls.__annotations__ = {name: annotation for name, annotation, _ in fields}
    for name, _, value in fields:
        setattr(cls, name, value)
    return strawberry.input(cls, name=cls.__name__, description=description)


def _optional(description: str, name: str | None = None) -> Any:
    return strawberry.field(default=None, name=name, description=description)


def _where_fields(
    node_type: NodeType, where: dict[str, type], lists: dict[str, type]
) -> list[tuple[str, Any, Any]]:
    own: Any = where[node_type.name]
    fields: list[tuple[str, Any, Any]] = [
        ("and_", list[own] | None, _optional("All of these.", "AND")),
        ("or_", list[own] | None, _optional("Any of these.", "OR")),
        ("not_", own | None, _optional("Not this.", "NOT")),
    ]
    for prop in node_type.props:
        if prop.where is not None:
            fields.append((prop.field, _filter_input(node_type, prop) | None, _optional(prop.where)))
    if node_type.location is not None:
        fields.append(("location", LocationFilter | None, _optional(node_type.location.where)))
    for rel in node_type.rels:
        related = lists[rel.target] if rel.many else where[rel.target]
        fields.append((rel.field, related | None, _optional(rel.where)))
    return fields


def _sort_field(node_type: NodeType) -> Any:
    members = [
        (k.name, strawberry.enum_value(k.name, description=k.description) if k.description else k.name)
        for k in node_type.sort_keys
    ]
    name = f"{node_type.name}SortField"
    return strawberry.enum(
        cast(type[Enum], Enum(name, members)), name=name, description=f"Sort keys for {node_type.plural}."
    )


def _order(name: str, field_enum: type[Enum], located: bool = False) -> Any:
    namespace: dict[str, Any] = {
        "__annotations__": {"field": field_enum, "direction": SortDirection},
        "field": strawberry.field(description="The sort key."),
        "direction": strawberry.field(default=SortDirection.ASC, description="ASC (default) or DESC."),
    }
    if located:
        namespace["__annotations__"]["from_"] = GeoPointInput | None
        namespace["from_"] = strawberry.field(
            default=None,
            name="from",
            description="For DISTANCE (and only for it): the point to measure from.",
        )
    return strawberry.input(
        type(name, (), namespace),
        name=name,
        description="One sort key and its direction (values that are null come last either way); the key breaks ties.",
    )


def build_inputs(model: Mapping[str, NodeType]) -> ModelInputs:
    """The `where`, `...ListFilter` and `orderBy` inputs and the sort enums of every node type of `model`."""
    # The inputs refer to each other (a city's clusters, a cluster's city): make the classes first, then their fields.
    where = {name: type(f"{name}Where", (), {}) for name in model}
    reached = {rel.target for t in model.values() for rel in t.rels if rel.many}
    lists = {name: type(f"{name}ListFilter", (), {}) for name in model if name in reached}
    for name, node_type in model.items():
        gloss = f" ({node_type.gloss})" if node_type.gloss else ""
        _input(where[name], f"Filter {node_type.plural}{gloss}.", _where_fields(node_type, where, lists))
    for name, cls in lists.items():
        target = where[name]
        _input(
            cls,
            f"Conditions on a list of related {model[name].plural}.",
            [
                ("some", target | None, _optional(_SOME)),
                ("none", target | None, _optional(_NONE)),
                ("all", target | None, _optional(_ALL)),
                ("count", IntFilter | None, _optional(_COUNT)),
            ],
        )
    sort_field = {name: _sort_field(t) for name, t in model.items()}
    order = {
        name: _order(f"{name}Order", sort_field[name], t.location is not None) for name, t in model.items()
    }
    return ModelInputs(where=where, list_filter=lists, sort_field=sort_field, order=order)


MODEL_INPUTS = build_inputs(TYPES)

ProvinceWhere = MODEL_INPUTS.where["Province"]
CityWhere = MODEL_INPUTS.where["City"]
CountyWhere = MODEL_INPUTS.where["County"]
IndustryWhere = MODEL_INPUTS.where["Industry"]
ClusterWhere = MODEL_INPUTS.where["Cluster"]
EnterpriseWhere = MODEL_INPUTS.where["Enterprise"]
RecognitionWhere = MODEL_INPUTS.where["Recognition"]
BatchWhere = MODEL_INPUTS.where["Batch"]
BatchFigureWhere = MODEL_INPUTS.where["BatchFigure"]
RecognitionYearWhere = MODEL_INPUTS.where["RecognitionYear"]

CityListFilter = MODEL_INPUTS.list_filter["City"]
CountyListFilter = MODEL_INPUTS.list_filter["County"]
ClusterListFilter = MODEL_INPUTS.list_filter["Cluster"]
EnterpriseListFilter = MODEL_INPUTS.list_filter["Enterprise"]
RecognitionListFilter = MODEL_INPUTS.list_filter["Recognition"]
BatchListFilter = MODEL_INPUTS.list_filter["Batch"]
BatchFigureListFilter = MODEL_INPUTS.list_filter["BatchFigure"]

ProvinceSortField = MODEL_INPUTS.sort_field["Province"]
CitySortField = MODEL_INPUTS.sort_field["City"]
CountySortField = MODEL_INPUTS.sort_field["County"]
IndustrySortField = MODEL_INPUTS.sort_field["Industry"]
ClusterSortField = MODEL_INPUTS.sort_field["Cluster"]
EnterpriseSortField = MODEL_INPUTS.sort_field["Enterprise"]
RecognitionSortField = MODEL_INPUTS.sort_field["Recognition"]
BatchSortField = MODEL_INPUTS.sort_field["Batch"]
BatchFigureSortField = MODEL_INPUTS.sort_field["BatchFigure"]
RecognitionYearSortField = MODEL_INPUTS.sort_field["RecognitionYear"]

ProvinceOrder = MODEL_INPUTS.order["Province"]
CityOrder = MODEL_INPUTS.order["City"]
CountyOrder = MODEL_INPUTS.order["County"]
IndustryOrder = MODEL_INPUTS.order["Industry"]
ClusterOrder = MODEL_INPUTS.order["Cluster"]
EnterpriseOrder = MODEL_INPUTS.order["Enterprise"]
RecognitionOrder = MODEL_INPUTS.order["Recognition"]
BatchOrder = MODEL_INPUTS.order["Batch"]
BatchFigureOrder = MODEL_INPUTS.order["BatchFigure"]
RecognitionYearOrder = MODEL_INPUTS.order["RecognitionYear"]


def filter_dict(value: Any) -> Any:
    """An input object as plain data for `cypher.builder`: unset and null fields dropped, enums as their values."""
    if value is None or isinstance(value, UnsetType):
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [filter_dict(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            converted = filter_dict(getattr(value, f.name))
            if converted is not None:
                out[f.name] = converted
        return out
    return value
