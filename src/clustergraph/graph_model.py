"""The graph model as data: labels, properties, relationships and sort keys of every node type.

This table is the closed vocabulary from which `cypher.builder` assembles statements: a filter or sort key named in a
request is looked up here, and only what is found here (a property name, a relationship pattern, a count
expression) is ever placed into Cypher text. Request values always travel as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import LiteralString


class Kind(Enum):
    """How a property is compared and sorted."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOLEAN = "boolean"
    ENUM = "enum"


@dataclass(frozen=True)
class Prop:
    """A scalar property: GraphQL field name (snake_case in Python), Neo4j property, kind."""

    field: str
    prop: LiteralString
    kind: Kind
    #: String comparisons ignore case (English names).
    case_insensitive: bool = False


@dataclass(frozen=True)
class Rel:
    """A relationship field: a pattern from `({a})`, the parent, to `({b})`, the target node type.

    `{r}` names the relationship whose `edge_props` the edges expose; `{m}` names a node in the middle of the path.
    """

    field: str
    target: str
    pattern: LiteralString
    many: bool
    edge_props: tuple[str, ...] = ()
    #: Extra arguments of the list field: (argument, condition over {a}, {b}, {m} and the argument's {value}).
    #: A boolean argument adds its condition when true and its negation when false.
    arg_conditions: tuple[tuple[str, LiteralString], ...] = ()


@dataclass(frozen=True)
class SortKey:
    """An `orderBy` key: the enum value and the Cypher expression over `{n}` it sorts by."""

    name: str
    expression: LiteralString
    kind: Kind
    #: Every node has the property (the schema makes the field non-null): a keyset on it can bound an index seek.
    required: bool = False


@dataclass(frozen=True)
class NodeType:
    """One node label and everything the API can ask of it."""

    name: str
    label: LiteralString
    props: tuple[Prop, ...]
    rels: tuple[Rel, ...] = ()
    sort_keys: tuple[SortKey, ...] = ()
    default_sort: tuple[str, ...] = ("NAME",)
    numeric_aggregates: tuple[str, ...] = ()
    prop_by_field: dict[str, Prop] = field(default_factory=dict, init=False, compare=False)
    rel_by_field: dict[str, Rel] = field(default_factory=dict, init=False, compare=False)
    sort_by_name: dict[str, SortKey] = field(default_factory=dict, init=False, compare=False)

    def __post_init__(self) -> None:
        self.prop_by_field.update({p.field: p for p in self.props})
        self.rel_by_field.update({r.field: r for r in self.rels})
        self.sort_by_name.update({s.name: s for s in self.sort_keys})


S, INT, F, E = Kind.STRING, Kind.INT, Kind.FLOAT, Kind.ENUM


def _names() -> tuple[Prop, ...]:
    return (
        Prop("key", "id", S),
        Prop("name", "name", S, case_insensitive=True),
        Prop("name_zh", "nameZh", S),
    )


def _name_sorts() -> tuple[SortKey, ...]:
    return (
        SortKey("KEY", "{n}.id", S, required=True),
        SortKey("NAME", "{n}.name", S, required=True),
        SortKey("NAME_ZH", "{n}.nameZh", S, required=True),
    )


# Patterns reused by several types. {a} is the parent, {b} the target; both are variable names chosen by the builder.
CLUSTER_TO_CITY: LiteralString = "({a})-[:LOCATED_IN]->(:County)-[:IN_CITY]->({b}:City)"
CITY_TO_CLUSTER: LiteralString = "({a})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-({b}:Cluster)"
COUNT_CITY_CLUSTERS: LiteralString = "COUNT { ({n})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(:Cluster) }"

TYPES: dict[str, NodeType] = {
    t.name: t
    for t in (
        NodeType(
            "Province",
            "Province",
            (*_names(), Prop("admin_code", "adminCode", S)),
            rels=(Rel("cities", "City", "({a})<-[:IN_PROVINCE]-({b}:City)", many=True),),
            sort_keys=_name_sorts(),
        ),
        NodeType(
            "City",
            "City",
            (
                *_names(),
                Prop("admin_code", "adminCode", S),
                Prop("kind", "kind", S, case_insensitive=True),
                Prop("kind_zh", "kindZh", S),
            ),
            rels=(
                Rel("province", "Province", "({a})-[:IN_PROVINCE]->({b}:Province)", many=False),
                Rel("counties", "County", "({a})<-[:IN_CITY]-({b}:County)", many=True),
                Rel("clusters", "Cluster", CITY_TO_CLUSTER, many=True),
            ),
            sort_keys=(
                *_name_sorts(),
                SortKey("ADMIN_CODE", "{n}.adminCode", S, required=True),
                SortKey("CLUSTER_COUNT", COUNT_CITY_CLUSTERS, INT),
                SortKey("COUNTY_COUNT", "COUNT { ({n})<-[:IN_CITY]-(:County) }", INT),
            ),
        ),
        NodeType(
            "County",
            "County",
            _names(),
            rels=(
                Rel("city", "City", "({a})-[:IN_CITY]->({b}:City)", many=False),
                Rel("clusters", "Cluster", "({a})<-[:LOCATED_IN]-({b}:Cluster)", many=True),
            ),
            sort_keys=(
                *_name_sorts(),
                SortKey("CLUSTER_COUNT", "COUNT { ({n})<-[:LOCATED_IN]-(:Cluster) }", INT),
            ),
        ),
        NodeType(
            "Industry",
            "Industry",
            _names(),
            rels=(
                Rel(
                    "clusters",
                    "Cluster",
                    "({a})<-[{r}:IN_INDUSTRY]-({b}:Cluster)",
                    many=True,
                    edge_props=("inferred",),
                ),
            ),
            sort_keys=(
                *_name_sorts(),
                SortKey("CLUSTER_COUNT", "COUNT { ({n})<-[:IN_INDUSTRY]-(:Cluster) }", INT),
                SortKey(
                    "CITY_COUNT",
                    "COUNT { MATCH ({n})<-[:IN_INDUSTRY]-(:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City)"
                    " RETURN DISTINCT c }",
                    INT,
                ),
            ),
        ),
        NodeType(
            "Cluster",
            "Cluster",
            (
                *_names(),
                Prop("name_status", "nameStatus", E),
                Prop("leading_sector", "leadingSector", S, case_insensitive=True),
                Prop("leading_sector_zh", "leadingSectorZh", S),
                Prop("output_value_cny", "outputValueCny", F),
                Prop("enterprise_count", "enterpriseCount", INT),
            ),
            rels=(
                Rel("county", "County", "({a})-[:LOCATED_IN]->({b}:County)", many=False),
                Rel("city", "City", CLUSTER_TO_CITY, many=False),
                Rel(
                    "industry",
                    "Industry",
                    "({a})-[{r}:IN_INDUSTRY]->({b}:Industry)",
                    many=False,
                    edge_props=("inferred",),
                ),
                Rel("recognitions", "Recognition", "({a})-[:RECOGNIZED]->({b}:Recognition)", many=True),
                Rel(
                    "enterprises",
                    "Enterprise",
                    "({a})<-[{r}:MEMBER_OF]-({b}:Enterprise)",
                    many=True,
                    edge_props=("role", "roleZh", "sources"),
                ),
            ),
            sort_keys=(
                *_name_sorts(),
                SortKey("OUTPUT_VALUE_CNY", "{n}.outputValueCny", F),
                SortKey("ENTERPRISE_COUNT", "{n}.enterpriseCount", INT),
                SortKey("MEMBER_COUNT", "COUNT { ({n})<-[:MEMBER_OF]-(:Enterprise) }", INT),
                SortKey("RECOGNITION_COUNT", "COUNT { ({n})-[:RECOGNIZED]->(:Recognition) }", INT),
                SortKey(
                    "FIRST_RECOGNIZED",
                    "COLLECT { MATCH ({n})-[:RECOGNIZED]->(r) RETURN min(r.year) }[0]",
                    INT,
                ),
            ),
            numeric_aggregates=("output_value_cny", "enterprise_count"),
        ),
        NodeType(
            "Enterprise",
            "Enterprise",
            _names(),
            rels=(
                Rel(
                    "clusters",
                    "Cluster",
                    "({a})-[{r}:MEMBER_OF]->({b}:Cluster)",
                    many=True,
                    edge_props=("role", "roleZh", "sources"),
                ),
            ),
            sort_keys=(
                *_name_sorts(),
                SortKey("CLUSTER_COUNT", "COUNT { ({n})-[:MEMBER_OF]->(:Cluster) }", INT),
            ),
        ),
        NodeType(
            "Recognition",
            "Recognition",
            (Prop("key", "id", S), Prop("level", "level", E), Prop("year", "year", INT)),
            rels=(
                Rel("cluster", "Cluster", "({a})<-[:RECOGNIZED]-({b}:Cluster)", many=False),
                Rel("batch", "Batch", "({a})-[:IN_BATCH]->({b}:Batch)", many=False),
            ),
            sort_keys=(
                SortKey("KEY", "{n}.id", S, required=True),
                SortKey("YEAR", "{n}.year", INT),
                SortKey("LEVEL", "{n}.level", S, required=True),
            ),
            default_sort=("YEAR", "LEVEL"),
            numeric_aggregates=("year",),
        ),
        NodeType(
            "Batch",
            "Batch",
            (
                *_names(),
                Prop("level", "level", E),
                Prop("year", "year", INT),
                Prop("ordinal", "ordinal", INT),
                Prop("official_count", "officialCount", INT),
                Prop("official_count_sichuan", "officialCountSichuan", INT),
            ),
            rels=(
                Rel("recognitions", "Recognition", "({a})<-[:IN_BATCH]-({b}:Recognition)", many=True),
                Rel(
                    "clusters",
                    "Cluster",
                    "({a})<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-({b}:Cluster)",
                    many=True,
                ),
                Rel(
                    "recognition_year",
                    "RecognitionYear",
                    "({a})-[:IN_YEAR]->({b}:RecognitionYear)",
                    many=False,
                ),
            ),
            sort_keys=(
                SortKey("KEY", "{n}.id", S, required=True),
                SortKey("YEAR", "{n}.year", INT, required=True),
                SortKey("LEVEL", "{n}.level", S, required=True),
                SortKey("ORDINAL", "{n}.ordinal", INT, required=True),
                SortKey("OFFICIAL_COUNT_SICHUAN", "{n}.officialCountSichuan", INT),
                SortKey("NAMED_COUNT", "COUNT { ({n})<-[:IN_BATCH]-(:Recognition) }", INT),
            ),
            default_sort=("YEAR", "LEVEL"),
            numeric_aggregates=("official_count", "official_count_sichuan"),
        ),
        NodeType(
            "RecognitionYear",
            "RecognitionYear",
            (Prop("key", "id", S), Prop("year", "year", INT)),
            rels=(
                Rel("batches", "Batch", "({a})<-[:IN_YEAR]-({b}:Batch)", many=True),
                Rel("recognitions", "Recognition", "({a})<-[:IN_YEAR]-({b}:Recognition)", many=True),
                Rel(
                    "clusters",
                    "Cluster",
                    "({a})<-[:IN_YEAR]-({m}:Recognition)<-[:RECOGNIZED]-({b}:Cluster)",
                    many=True,
                    arg_conditions=(
                        ("level", "{m}.level = {value}"),
                        (
                            "new_only",
                            "NOT EXISTS { MATCH ({b})-[:RECOGNIZED]->(earlier:Recognition) "
                            "WHERE earlier.year < {a}.year }",
                        ),
                    ),
                ),
            ),
            sort_keys=(
                SortKey("YEAR", "{n}.year", INT, required=True),
                SortKey("CLUSTER_COUNT", "COUNT { ({n})<-[:IN_YEAR]-(:Recognition) }", INT),
            ),
            default_sort=("YEAR",),
        ),
    )
}

#: Node types that the full-text index covers (the `search` union).
SEARCHABLE = ("Cluster", "Enterprise", "City", "County", "Industry", "Province")
