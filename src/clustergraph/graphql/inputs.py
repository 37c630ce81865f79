"""GraphQL input types: filters (`where`), sort orders (`orderBy`) and the enums they use."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

import strawberry
from strawberry.types.unset import UnsetType


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


_KEY = "The node's key (its stable id in the graph)."
_NAME = "English name (case-insensitive)."
_NAME_ZH = "Chinese name."

# --- node filters --------------------------------------------------------------------------------------------
# Each `where` input combines its fields with AND; AND, OR and NOT nest. A to-many relationship takes a
# `...ListFilter` ({some, none, all, count}); a to-one relationship takes the related type's `where`.


@strawberry.input(description="Filter provinces.")
class ProvinceWhere:
    and_: list[ProvinceWhere] | None = strawberry.field(default=None, name="AND", description="All of these.")
    or_: list[ProvinceWhere] | None = strawberry.field(default=None, name="OR", description="Any of these.")
    not_: ProvinceWhere | None = strawberry.field(default=None, name="NOT", description="Not this.")
    key: StringFilter | None = strawberry.field(default=None, description=_KEY)
    name: StringFilter | None = strawberry.field(default=None, description=_NAME)
    name_zh: StringFilter | None = strawberry.field(default=None, description=_NAME_ZH)
    admin_code: StringFilter | None = strawberry.field(default=None, description="GB/T 2260 code.")
    cities: CityListFilter | None = strawberry.field(default=None, description="Its cities.")


@strawberry.input(description="Filter cities (prefecture-level divisions).")
class CityWhere:
    and_: list[CityWhere] | None = strawberry.field(default=None, name="AND", description="All of these.")
    or_: list[CityWhere] | None = strawberry.field(default=None, name="OR", description="Any of these.")
    not_: CityWhere | None = strawberry.field(default=None, name="NOT", description="Not this.")
    key: StringFilter | None = strawberry.field(default=None, description=_KEY)
    name: StringFilter | None = strawberry.field(default=None, description=_NAME)
    name_zh: StringFilter | None = strawberry.field(default=None, description=_NAME_ZH)
    admin_code: StringFilter | None = strawberry.field(default=None, description="GB/T 2260 code.")
    kind: StringFilter | None = strawberry.field(default=None, description="Kind of division (English).")
    kind_zh: StringFilter | None = strawberry.field(default=None, description="Kind of division (Chinese).")
    province: ProvinceWhere | None = strawberry.field(default=None, description="Its province.")
    counties: CountyListFilter | None = strawberry.field(default=None, description="Its counties.")
    clusters: ClusterListFilter | None = strawberry.field(default=None, description="Clusters in the city.")


@strawberry.input(description="Filter counties (county-level divisions).")
class CountyWhere:
    and_: list[CountyWhere] | None = strawberry.field(default=None, name="AND", description="All of these.")
    or_: list[CountyWhere] | None = strawberry.field(default=None, name="OR", description="Any of these.")
    not_: CountyWhere | None = strawberry.field(default=None, name="NOT", description="Not this.")
    key: StringFilter | None = strawberry.field(default=None, description=_KEY)
    name: StringFilter | None = strawberry.field(default=None, description=_NAME)
    name_zh: StringFilter | None = strawberry.field(default=None, description=_NAME_ZH)
    city: CityWhere | None = strawberry.field(default=None, description="Its city.")
    clusters: ClusterListFilter | None = strawberry.field(default=None, description="Clusters in the county.")


@strawberry.input(description="Filter industries.")
class IndustryWhere:
    and_: list[IndustryWhere] | None = strawberry.field(default=None, name="AND", description="All of these.")
    or_: list[IndustryWhere] | None = strawberry.field(default=None, name="OR", description="Any of these.")
    not_: IndustryWhere | None = strawberry.field(default=None, name="NOT", description="Not this.")
    key: StringFilter | None = strawberry.field(default=None, description=_KEY)
    name: StringFilter | None = strawberry.field(default=None, description=_NAME)
    name_zh: StringFilter | None = strawberry.field(default=None, description=_NAME_ZH)
    clusters: ClusterListFilter | None = strawberry.field(
        default=None, description="Clusters in the industry."
    )


@strawberry.input(description="Filter clusters.")
class ClusterWhere:
    and_: list[ClusterWhere] | None = strawberry.field(default=None, name="AND", description="All of these.")
    or_: list[ClusterWhere] | None = strawberry.field(default=None, name="OR", description="Any of these.")
    not_: ClusterWhere | None = strawberry.field(default=None, name="NOT", description="Not this.")
    key: StringFilter | None = strawberry.field(default=None, description=_KEY)
    name: StringFilter | None = strawberry.field(default=None, description=_NAME)
    name_zh: StringFilter | None = strawberry.field(default=None, description=_NAME_ZH)
    name_status: NameStatusFilter | None = strawberry.field(default=None, description="How sure the name is.")
    leading_sector: StringFilter | None = strawberry.field(
        default=None, description="Leading sector (English)."
    )
    leading_sector_zh: StringFilter | None = strawberry.field(
        default=None, description="Leading sector (Chinese)."
    )
    output_value_cny: FloatFilter | None = strawberry.field(
        default=None, description="Stated output value, yuan."
    )
    enterprise_count: IntFilter | None = strawberry.field(
        default=None, description="Stated number of enterprises."
    )
    county: CountyWhere | None = strawberry.field(default=None, description="The county it sits in.")
    city: CityWhere | None = strawberry.field(default=None, description="The city it sits in.")
    industry: IndustryWhere | None = strawberry.field(default=None, description="Its industry.")
    recognitions: RecognitionListFilter | None = strawberry.field(
        default=None, description="Its recognitions."
    )
    enterprises: EnterpriseListFilter | None = strawberry.field(
        default=None, description="Its member enterprises."
    )


@strawberry.input(description="Filter enterprises.")
class EnterpriseWhere:
    and_: list[EnterpriseWhere] | None = strawberry.field(
        default=None, name="AND", description="All of these."
    )
    or_: list[EnterpriseWhere] | None = strawberry.field(default=None, name="OR", description="Any of these.")
    not_: EnterpriseWhere | None = strawberry.field(default=None, name="NOT", description="Not this.")
    key: StringFilter | None = strawberry.field(default=None, description=_KEY)
    name: StringFilter | None = strawberry.field(default=None, description=_NAME)
    name_zh: StringFilter | None = strawberry.field(default=None, description=_NAME_ZH)
    clusters: ClusterListFilter | None = strawberry.field(
        default=None, description="Clusters it is a member of."
    )


@strawberry.input(description="Filter recognitions.")
class RecognitionWhere:
    and_: list[RecognitionWhere] | None = strawberry.field(
        default=None, name="AND", description="All of these."
    )
    or_: list[RecognitionWhere] | None = strawberry.field(
        default=None, name="OR", description="Any of these."
    )
    not_: RecognitionWhere | None = strawberry.field(default=None, name="NOT", description="Not this.")
    key: StringFilter | None = strawberry.field(default=None, description=_KEY)
    level: LevelFilter | None = strawberry.field(default=None, description="Provincial or national.")
    year: IntFilter | None = strawberry.field(
        default=None, description="Year of the batch (null when unknown)."
    )
    cluster: ClusterWhere | None = strawberry.field(default=None, description="The recognised cluster.")
    batch: BatchWhere | None = strawberry.field(default=None, description="The batch it belongs to.")


@strawberry.input(description="Filter batches (official lists).")
class BatchWhere:
    and_: list[BatchWhere] | None = strawberry.field(default=None, name="AND", description="All of these.")
    or_: list[BatchWhere] | None = strawberry.field(default=None, name="OR", description="Any of these.")
    not_: BatchWhere | None = strawberry.field(default=None, name="NOT", description="Not this.")
    key: StringFilter | None = strawberry.field(default=None, description=_KEY)
    name: StringFilter | None = strawberry.field(default=None, description=_NAME)
    name_zh: StringFilter | None = strawberry.field(default=None, description=_NAME_ZH)
    level: LevelFilter | None = strawberry.field(default=None, description="Provincial or national.")
    year: IntFilter | None = strawberry.field(default=None, description="Year of the batch.")
    ordinal: IntFilter | None = strawberry.field(
        default=None, description="1 for the first batch, and so on."
    )
    official_count: IntFilter | None = strawberry.field(
        default=None, description="Official size of the list."
    )
    official_count_sichuan: IntFilter | None = strawberry.field(
        default=None, description="Official Sichuan count."
    )
    recognitions: RecognitionListFilter | None = strawberry.field(
        default=None, description="Its recognitions."
    )
    clusters: ClusterListFilter | None = strawberry.field(default=None, description="Its clusters.")
    recognition_year: RecognitionYearWhere | None = strawberry.field(default=None, description="Its year.")


@strawberry.input(description="Filter recognition years.")
class RecognitionYearWhere:
    and_: list[RecognitionYearWhere] | None = strawberry.field(
        default=None, name="AND", description="All of these."
    )
    or_: list[RecognitionYearWhere] | None = strawberry.field(
        default=None, name="OR", description="Any of these."
    )
    not_: RecognitionYearWhere | None = strawberry.field(default=None, name="NOT", description="Not this.")
    key: StringFilter | None = strawberry.field(default=None, description=_KEY)
    year: IntFilter | None = strawberry.field(default=None, description="The year.")
    batches: BatchListFilter | None = strawberry.field(default=None, description="Batches of the year.")
    recognitions: RecognitionListFilter | None = strawberry.field(
        default=None, description="Its recognitions."
    )
    clusters: ClusterListFilter | None = strawberry.field(
        default=None, description="Clusters recognised that year."
    )


# --- to-many relationship filters ----------------------------------------------------------------------------

_SOME = "At least one related node matches."
_NONE = "No related node matches."
_ALL = "Every related node matches (true when there are none)."
_COUNT = "The number of related nodes."


@strawberry.input(description="Conditions on a list of related cities.")
class CityListFilter:
    some: CityWhere | None = strawberry.field(default=None, description=_SOME)
    none: CityWhere | None = strawberry.field(default=None, description=_NONE)
    all: CityWhere | None = strawberry.field(default=None, description=_ALL)
    count: IntFilter | None = strawberry.field(default=None, description=_COUNT)


@strawberry.input(description="Conditions on a list of related counties.")
class CountyListFilter:
    some: CountyWhere | None = strawberry.field(default=None, description=_SOME)
    none: CountyWhere | None = strawberry.field(default=None, description=_NONE)
    all: CountyWhere | None = strawberry.field(default=None, description=_ALL)
    count: IntFilter | None = strawberry.field(default=None, description=_COUNT)


@strawberry.input(description="Conditions on a list of related clusters.")
class ClusterListFilter:
    some: ClusterWhere | None = strawberry.field(default=None, description=_SOME)
    none: ClusterWhere | None = strawberry.field(default=None, description=_NONE)
    all: ClusterWhere | None = strawberry.field(default=None, description=_ALL)
    count: IntFilter | None = strawberry.field(default=None, description=_COUNT)


@strawberry.input(description="Conditions on a list of related enterprises.")
class EnterpriseListFilter:
    some: EnterpriseWhere | None = strawberry.field(default=None, description=_SOME)
    none: EnterpriseWhere | None = strawberry.field(default=None, description=_NONE)
    all: EnterpriseWhere | None = strawberry.field(default=None, description=_ALL)
    count: IntFilter | None = strawberry.field(default=None, description=_COUNT)


@strawberry.input(description="Conditions on a list of related recognitions.")
class RecognitionListFilter:
    some: RecognitionWhere | None = strawberry.field(default=None, description=_SOME)
    none: RecognitionWhere | None = strawberry.field(default=None, description=_NONE)
    all: RecognitionWhere | None = strawberry.field(default=None, description=_ALL)
    count: IntFilter | None = strawberry.field(default=None, description=_COUNT)


@strawberry.input(description="Conditions on a list of related batches.")
class BatchListFilter:
    some: BatchWhere | None = strawberry.field(default=None, description=_SOME)
    none: BatchWhere | None = strawberry.field(default=None, description=_NONE)
    all: BatchWhere | None = strawberry.field(default=None, description=_ALL)
    count: IntFilter | None = strawberry.field(default=None, description=_COUNT)


# --- sort orders ---------------------------------------------------------------------------------------------


@strawberry.enum(description="Sort keys for cities.")
class CitySortField(Enum):
    KEY = "KEY"
    NAME = "NAME"
    NAME_ZH = "NAME_ZH"
    ADMIN_CODE = "ADMIN_CODE"
    CLUSTER_COUNT = strawberry.enum_value("CLUSTER_COUNT", description="Number of clusters in the city.")
    COUNTY_COUNT = strawberry.enum_value("COUNTY_COUNT", description="Number of its counties in the graph.")


@strawberry.enum(description="Sort keys for provinces.")
class ProvinceSortField(Enum):
    KEY = "KEY"
    NAME = "NAME"
    NAME_ZH = "NAME_ZH"


@strawberry.enum(description="Sort keys for counties.")
class CountySortField(Enum):
    KEY = "KEY"
    NAME = "NAME"
    NAME_ZH = "NAME_ZH"
    CLUSTER_COUNT = strawberry.enum_value("CLUSTER_COUNT", description="Number of clusters in the county.")


@strawberry.enum(description="Sort keys for industries.")
class IndustrySortField(Enum):
    KEY = "KEY"
    NAME = "NAME"
    NAME_ZH = "NAME_ZH"
    CLUSTER_COUNT = strawberry.enum_value("CLUSTER_COUNT", description="Number of clusters in the industry.")
    CITY_COUNT = strawberry.enum_value("CITY_COUNT", description="Number of cities with a cluster in it.")


@strawberry.enum(description="Sort keys for clusters.")
class ClusterSortField(Enum):
    KEY = "KEY"
    NAME = "NAME"
    NAME_ZH = "NAME_ZH"
    OUTPUT_VALUE_CNY = strawberry.enum_value(
        "OUTPUT_VALUE_CNY", description="Stated output value (nulls last)."
    )
    ENTERPRISE_COUNT = strawberry.enum_value(
        "ENTERPRISE_COUNT", description="Stated enterprises (nulls last)."
    )
    MEMBER_COUNT = strawberry.enum_value("MEMBER_COUNT", description="Member enterprises in the graph.")
    RECOGNITION_COUNT = strawberry.enum_value("RECOGNITION_COUNT", description="Number of recognitions.")
    FIRST_RECOGNIZED = strawberry.enum_value(
        "FIRST_RECOGNIZED", description="Year of the first dated recognition."
    )


@strawberry.enum(description="Sort keys for enterprises.")
class EnterpriseSortField(Enum):
    KEY = "KEY"
    NAME = "NAME"
    NAME_ZH = "NAME_ZH"
    CLUSTER_COUNT = strawberry.enum_value("CLUSTER_COUNT", description="Number of clusters it belongs to.")


@strawberry.enum(description="Sort keys for recognitions.")
class RecognitionSortField(Enum):
    KEY = "KEY"
    YEAR = "YEAR"
    LEVEL = "LEVEL"


@strawberry.enum(description="Sort keys for batches.")
class BatchSortField(Enum):
    KEY = "KEY"
    YEAR = "YEAR"
    LEVEL = "LEVEL"
    ORDINAL = "ORDINAL"
    OFFICIAL_COUNT_SICHUAN = strawberry.enum_value(
        "OFFICIAL_COUNT_SICHUAN", description="Official Sichuan count."
    )
    NAMED_COUNT = strawberry.enum_value(
        "NAMED_COUNT", description="Recognitions of the batch the graph names."
    )


@strawberry.enum(description="Sort keys for recognition years.")
class RecognitionYearSortField(Enum):
    YEAR = "YEAR"
    CLUSTER_COUNT = strawberry.enum_value("CLUSTER_COUNT", description="Recognitions in the year.")


def _order(name: str, field_enum: type[Enum]) -> Any:
    namespace = {
        "__annotations__": {"field": field_enum, "direction": SortDirection},
        "field": strawberry.field(description="The sort key."),
        "direction": strawberry.field(default=SortDirection.ASC, description="ASC (default) or DESC."),
    }
    return strawberry.input(
        type(name, (), namespace),
        name=name,
        description="One sort key and its direction; the key breaks ties.",
    )


ProvinceOrder = _order("ProvinceOrder", ProvinceSortField)
CityOrder = _order("CityOrder", CitySortField)
CountyOrder = _order("CountyOrder", CountySortField)
IndustryOrder = _order("IndustryOrder", IndustrySortField)
ClusterOrder = _order("ClusterOrder", ClusterSortField)
EnterpriseOrder = _order("EnterpriseOrder", EnterpriseSortField)
RecognitionOrder = _order("RecognitionOrder", RecognitionSortField)
BatchOrder = _order("BatchOrder", BatchSortField)
RecognitionYearOrder = _order("RecognitionYearOrder", RecognitionYearSortField)


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
