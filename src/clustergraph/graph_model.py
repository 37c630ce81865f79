"""The graph model as data: every node type's properties, relationships, computed fields and sort keys, declared
once.

Everything else is derived from this table. The GraphQL layer builds the node types' property fields, the `where`
filters, the sort enums and orders, the aggregates and the connections from it (`graphql.inputs`,
`graphql.types`); `cypher.patterns` renders the Cypher of the relationship paths, counts and argument conditions
declared here; `cypher.builder` assembles statements from it. A filter or sort key named in a request is looked up
here, and only what is found here (a property name, a relationship type, a label) is ever placed into Cypher text.
Request values always travel as parameters.

Adding a property to a node type is one `Prop` in its declaration below (and, to sort by it, one `Sort`); a value
computed per node (a count over a relationship, say) is one `Computed`, which a `Sort` can name to sort by it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import KW_ONLY, dataclass, replace
from enum import Enum
from typing import LiteralString

from .cypher import patterns


class Kind(Enum):
    """How a property is compared and sorted, and its GraphQL scalar."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOLEAN = "boolean"
    ENUM = "enum"
    DATE = "date"


@dataclass(frozen=True)
class Prop:
    """A stored property of a node type.

    `field` is the GraphQL field's Python name (snake_case; GraphQL spells it in camelCase) and `prop` the Neo4j
    property, which is the field's camelCase name for every plain field. `description` is the node field's
    description; `where` and `aggregate`, when given, make the property filterable (a field of `<Type>Where`) and
    aggregated (a `NumericAggregate` of `<Type>Aggregate`), with those descriptions. Sorting is declared with a
    `Sort` of the node type, as the enum's order is a choice of its own.
    """

    field: str
    prop: LiteralString
    kind: Kind
    description: str
    _: KW_ONLY
    nullable: bool = False
    #: A list of values of the kind (never null: an empty list when the node has none).
    is_list: bool = False
    #: The GraphQL enum of an ENUM property (its values are stored by name).
    enum: str | None = None
    where: str | None = None
    aggregate: str | None = None
    #: String comparisons ignore case (English names).
    case_insensitive: bool = False
    #: The node type has a plain field for it; false where a resolver serves the value (the key).
    node_field: bool = True
    #: One coordinate ("x" or "y") of a point property.
    coordinate: LiteralString | None = None
    #: The sum of the values means something (false for years: their aggregate's `sum` is deprecated).
    sums: bool = True
    #: The stored property its `orderBy` key sorts by, when not the value itself (the names' sort keys, see
    #: `sort_keys`: written with the name, indexed).
    sort_prop: LiteralString | None = None
    #: The node field is deprecated, for this reason (what to use instead).
    deprecation: str | None = None

    def __post_init__(self) -> None:
        if (self.kind is Kind.ENUM) != (self.enum is not None):
            raise ValueError(f"{self.field}: an ENUM property names its enum, and only an ENUM property does")
        if self.aggregate is not None and self.kind not in (Kind.INT, Kind.FLOAT):
            raise ValueError(f"{self.field}: only a number property can be aggregated")
        if self.coordinate is not None and (self.where is not None or self.aggregate is not None):
            raise ValueError(f"{self.field}: a coordinate is neither filtered nor aggregated")

    @property
    def expression(self) -> LiteralString:
        """The value over `{n}`, as a sort key reads it."""
        return patterns.property_value(self.prop, self.coordinate)


@dataclass(frozen=True)
class Hop:
    """One relationship of a path: its type, its direction, and the label of the node it reaches (None: any)."""

    type: LiteralString
    outgoing: bool
    label: LiteralString | None = None
    #: The properties of this hop's relationship that the field's edges expose.
    edge_props: tuple[LiteralString, ...] = ()


#: A path of hops; `out(...) + in_(...)` joins two.
Path = tuple[Hop, ...]


def out(
    type: LiteralString, label: LiteralString | None = None, *, edge_props: tuple[LiteralString, ...] = ()
) -> Path:
    """A path of one outgoing relationship: `()-[:TYPE]->(:label)`."""
    return (Hop(type, True, label, edge_props),)


def in_(
    type: LiteralString, label: LiteralString | None = None, *, edge_props: tuple[LiteralString, ...] = ()
) -> Path:
    """A path of one incoming relationship: `()<-[:TYPE]-(:label)`."""
    return (Hop(type, False, label, edge_props),)


@dataclass(frozen=True)
class MiddleIs:
    """An argument of a list field: only the paths whose middle node has `prop` equal to the argument's value."""

    name: str
    prop: LiteralString
    description: str

    def condition(self) -> LiteralString:
        return patterns.middle_equals(self.prop)


@dataclass(frozen=True)
class NoneEarlier:
    """A boolean argument of a list field: true keeps the targets that reach no node over `path` whose `prop` is
    below the parent's `prop`, false those that do."""

    name: str
    path: Path
    prop: LiteralString
    description: str

    def condition(self) -> LiteralString:
        return patterns.none_earlier(self.path, self.prop)


RelArg = MiddleIs | NoneEarlier


@dataclass(frozen=True)
class Rel:
    """A relationship field: the path from the parent to the `target` node type.

    The last hop reaches the target's label. `description` is the field's description, `where` the description of
    its filter in the parent's `<Type>Where` (the target's `<Target>Where` for a to-one field, `<Target>ListFilter`
    for a to-many one).
    """

    field: str
    target: LiteralString
    path: Path
    _: KW_ONLY
    many: bool
    description: str
    where: str
    #: Extra arguments of the list field.
    args: tuple[RelArg, ...] = ()
    #: The pattern from `({a})`, the parent, to `({b})`, the target (see `cypher.patterns`).
    pattern: LiteralString = dataclasses.field(init=False)
    edge_props: tuple[LiteralString, ...] = dataclasses.field(init=False)
    #: (argument, condition over {a}, {b}, {m} and the argument's {value}). A boolean argument adds its condition
    #: when true and its negation when false.
    arg_conditions: tuple[tuple[str, LiteralString], ...] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        *head, last = self.path
        if last.label is None:
            object.__setattr__(self, "path", (*head, replace(last, label=self.target)))
        elif last.label != self.target:
            raise ValueError(f"{self.field}: the path ends at {last.label}, not at {self.target}")
        carriers = [h for h in self.path if h.edge_props]
        if len(carriers) > 1:
            raise ValueError(f"{self.field}: only one relationship of the path can carry edge properties")
        names_middle = any(isinstance(a, MiddleIs) for a in self.args)
        object.__setattr__(self, "pattern", patterns.relationship(self.path, names_middle=names_middle))
        object.__setattr__(self, "edge_props", carriers[0].edge_props if carriers else ())
        object.__setattr__(self, "arg_conditions", tuple((a.name, a.condition()) for a in self.args))


@dataclass(frozen=True)
class Count:
    """A computed sort key: how many nodes a relationship field of the type (named by `over`) or a path reaches.

    `distinct` counts different end nodes rather than paths, for paths that may reach a node more than once.
    """

    over: str | Path
    distinct: bool = False


@dataclass(frozen=True)
class Least:
    """A computed sort key: the smallest `prop` over the nodes a path reaches (null when it reaches none)."""

    path: Path
    prop: LiteralString
    kind: Kind = Kind.INT


@dataclass(frozen=True)
class Via:
    """A computed value: `prop` (or one `coordinate` of a point property) of the node a to-one path reaches."""

    path: Path
    prop: LiteralString
    coordinate: LiteralString | None = None
    kind: Kind = Kind.FLOAT


@dataclass(frozen=True)
class Computed:
    """A field of the node type whose value Cypher computes per node: a `Count`, a `Least` or a `Via`.

    A `Sort` names it as its `by` to sort by the same value, so the field and the sort key cannot disagree. A count is
    never null; the others are null when the path reaches nothing.
    """

    field: str
    by: Count | Least | Via
    description: str
    #: The field is deprecated, for this reason (what to use instead).
    deprecation: str | None = None

    @property
    def kind(self) -> Kind:
        return Kind.INT if isinstance(self.by, Count) else self.by.kind

    @property
    def nullable(self) -> bool:
        return not isinstance(self.by, Count)


@dataclass(frozen=True)
class Location:
    """Where a node is on a map: a WGS-84 point property (`prop`) of the node itself, or, with `path`, of the node a
    to-one path from it reaches (a cluster's city).

    The node type gets a `location` field (a `GeoPoint`, null where the point is unknown) described by
    `description`, a `location` filter (distance from a point) described by `where`, and a `DISTANCE` sort key
    (distance from the point the order names). A point index on the label at the end of the path serves the
    distance filters (`cypher/schema.cypher`).
    """

    prop: LiteralString
    description: str
    where: str
    path: Path = ()
    #: The label that holds the point: the node type's own, or the one the path ends at.
    label: LiteralString | None = None

    @property
    def value(self) -> LiteralString:
        """The point over `{n}` (null when there is none)."""
        if not self.path:
            return patterns.property_value(self.prop)
        return patterns.related_value(self.path, self.prop, None)


def camel(field: str) -> str:
    """The GraphQL name of a snake_case field (`city_count` -> `cityCount`), as Strawberry spells it."""
    head, *rest = field.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class Sort:
    """An `orderBy` key as declared: the enum value, what it sorts by (a property field, a `Computed` field by its
    name, or a `Count` or `Least`) and the enum value's description."""

    name: str
    by: str | Count | Least
    description: str | None = None


@dataclass(frozen=True)
class SortKey:
    """An `orderBy` key as the statement builder reads it: the Cypher expression over `{n}` it sorts by."""

    name: str
    expression: LiteralString
    kind: Kind
    #: Every node has the property (the schema makes the field non-null): a keyset on it can bound an index seek.
    required: bool = False
    description: str | None = None
    #: The expression is a point, and the key is its distance in metres from the point the order names.
    distance: bool = False


@dataclass(frozen=True)
class NodeType:
    """One node label and everything the API can ask of it.

    `plural` ("recognition years") and `gloss` ("official lists") word the generated descriptions: "Filter batches
    (official lists).", "A page of batches.", "Number of matching batches.".
    """

    name: LiteralString
    description: str
    plural: str
    props: tuple[Prop, ...]
    _: KW_ONLY
    rels: tuple[Rel, ...] = ()
    #: Fields computed per node (counts over relationships, a related node's value).
    computed: tuple[Computed, ...] = ()
    sorts: tuple[Sort, ...] = ()
    default_sort: tuple[str, ...] = ("NAME",)
    gloss: str | None = None
    #: The description of `<Type>Aggregate` (types with aggregated properties); a standard one when not given.
    aggregate_description: str | None = None
    #: Where the node is, when the graph knows (its `location` field, filter and `DISTANCE` sort key).
    location: Location | None = None
    #: A node type's label is its name.
    label: LiteralString = dataclasses.field(init=False)
    sort_keys: tuple[SortKey, ...] = dataclasses.field(init=False)
    #: The aggregated properties' fields, in declaration order.
    numeric_aggregates: tuple[str, ...] = dataclasses.field(init=False)
    #: The filterable properties (the ones a `where` can name), by field.
    prop_by_field: dict[str, Prop] = dataclasses.field(default_factory=dict, init=False, compare=False)
    rel_by_field: dict[str, Rel] = dataclasses.field(default_factory=dict, init=False, compare=False)
    sort_by_name: dict[str, SortKey] = dataclasses.field(default_factory=dict, init=False, compare=False)
    #: The computed fields' Cypher over `{n}`, by field.
    computed_expressions: dict[str, LiteralString] = dataclasses.field(
        default_factory=dict, init=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", self.name)
        object.__setattr__(
            self, "numeric_aggregates", tuple(p.field for p in self.props if p.aggregate is not None)
        )
        self.prop_by_field.update({p.field: p for p in self.props if p.where is not None})
        self.rel_by_field.update({r.field: r for r in self.rels})
        self.computed_expressions.update({c.field: self._expression(c.by) for c in self.computed})
        keys = tuple(self._sort_key(s) for s in self.sorts)
        if self.location is not None:
            last = self.location.path[-1].label if self.location.path else self.name
            object.__setattr__(self.location, "label", last)
            keys += (
                SortKey("DISTANCE", self.location.value, Kind.FLOAT, False, DISTANCE_SORT, distance=True),
            )
        object.__setattr__(self, "sort_keys", keys)
        self.sort_by_name.update({s.name: s for s in self.sort_keys})

    def prop(self, field: str) -> Prop:
        """The declared property of that field (filterable or not)."""
        for p in self.props:
            if p.field == field:
                return p
        raise KeyError(f"{self.name} has no property {field!r}")

    def _expression(self, by: Count | Least | Via) -> LiteralString:
        """The Cypher over `{n}` of a computed value."""
        if isinstance(by, Count):
            hops = self.rel_by_field[by.over].path if isinstance(by.over, str) else by.over
            return patterns.count(hops, distinct=by.distinct)
        if isinstance(by, Least):
            return patterns.least(by.path, by.prop)
        return patterns.related_value(by.path, by.prop, by.coordinate)

    def _sort_key(self, sort: Sort) -> SortKey:
        by = sort.by
        if isinstance(by, str) and by in self.computed_expressions:
            (c,) = [c for c in self.computed if c.field == by]
            return SortKey(sort.name, self.computed_expressions[by], c.kind, False, sort.description)
        if isinstance(by, str):
            p = self.prop(by)
            required = not (p.nullable or p.is_list)
            if p.enum is not None:
                # An enum is stored as its name, and sorts in the order its values are declared.
                rank = patterns.rank(p.expression, ENUM_VALUES[p.enum])
                return SortKey(sort.name, rank, Kind.INT, required, sort.description)
            expression = patterns.property_value(p.sort_prop) if p.sort_prop else p.expression
            return SortKey(sort.name, expression, p.kind, required, sort.description)
        return SortKey(sort.name, self._expression(by), Kind.INT if isinstance(by, Count) else by.kind, False,
                       sort.description)  # fmt: skip


DISTANCE_SORT = (
    "Distance from the point the order gives in `from` (nearest first ascending); null locations last."
)

S, INT, F, E, D = Kind.STRING, Kind.INT, Kind.FLOAT, Kind.ENUM, Kind.DATE

#: The values of each enum, in the order the GraphQL enum (`graphql/inputs.py`) declares them (a test checks it):
#: an `orderBy` on an enum property sorts in this order, the province's level before the nation's.
ENUM_VALUES: dict[str, tuple[LiteralString, ...]] = {
    "RecognitionLevel": ("PROVINCIAL", "NATIONAL"),
    "NameStatus": ("AS_LISTED", "AS_WORDED_IN_SOURCE", "UNVERIFIED"),
    "FigureKind": (
        "CLUSTERS",
        "SICHUAN_CLUSTERS",
        "CITIES",
        "INDUSTRIES",
        "OUTPUT_VALUE_CNY",
        "ENTERPRISES",
        "QUALITY_SMES",
    ),
    "FigureBound": ("EXACT", "AT_LEAST", "AT_MOST"),
}

_KEY_FIELD = "The node's key: its stable id in the graph (the `id` property in Neo4j), usable in URLs."
_KEY_WHERE = "The node's key (its stable id in the graph)."
_SOURCES = "URLs of the public pages the facts come from."
_LEVEL = "Provincial or national."


def _key() -> Prop:
    return Prop("key", "id", S, _KEY_FIELD, where=_KEY_WHERE, node_field=False)


def _names(name: str = "English name.", name_zh: str = "Chinese name.") -> tuple[Prop, ...]:
    """The key and the two names every named node has; the arguments word the node fields."""
    return (
        _key(),
        Prop(
            "name",
            "name",
            S,
            name,
            where="English name (case-insensitive).",
            case_insensitive=True,
            sort_prop="nameSort",
        ),
        Prop("name_zh", "nameZh", S, name_zh, where="Chinese name.", sort_prop="nameZhSort"),
    )


def _sources() -> Prop:
    return Prop("sources", "sources", S, _SOURCES, is_list=True)


_NAME_SORT = "English name, ignoring case (as the name filters do)."
_NAME_ZH_SORT = "Chinese name in pinyin order (by reading, with tone numbers), not by character code."


def _name_sorts() -> tuple[Sort, ...]:
    return (Sort("KEY", "key"), Sort("NAME", "name", _NAME_SORT), Sort("NAME_ZH", "name_zh", _NAME_ZH_SORT))


#: From a cluster to its city.
_CLUSTER_CITY = out("LOCATED_IN", "County") + out("IN_CITY", "City")

_ADMIN_CODE = Prop(
    "admin_code", "adminCode", S, "GB/T 2260 administrative division code.", where="GB/T 2260 code."
)

TYPES: dict[str, NodeType] = {
    t.name: t
    for t in (
        NodeType(
            "Province",
            "A province (Sichuan).",
            "provinces",
            (*_names(), _ADMIN_CODE, _sources()),
            rels=(
                Rel(
                    "cities",
                    "City",
                    in_("IN_PROVINCE"),
                    many=True,
                    description="The province's prefecture-level divisions.",
                    where="Its cities.",
                ),
            ),
            sorts=_name_sorts(),
        ),
        NodeType(
            "City",
            "A prefecture-level division of Sichuan (地级市 or 自治州).",
            "cities",
            (
                *_names(),
                _ADMIN_CODE,
                Prop(
                    "kind",
                    "kind",
                    S,
                    "Kind of division, in English.",
                    where="Kind of division (English).",
                    case_insensitive=True,
                ),
                Prop(
                    "kind_zh",
                    "kindZh",
                    S,
                    "Kind of division, in Chinese (地级市, 自治州).",
                    where="Kind of division (Chinese).",
                ),
                Prop(
                    "latitude",
                    "location",
                    F,
                    "Approximate latitude of the seat.",
                    nullable=True,
                    coordinate="y",
                    deprecation="Use location { latitude }.",
                ),
                Prop(
                    "longitude",
                    "location",
                    F,
                    "Approximate longitude of the seat.",
                    nullable=True,
                    coordinate="x",
                    deprecation="Use location { longitude }.",
                ),
                _sources(),
            ),
            gloss="prefecture-level divisions",
            location=Location(
                "location",
                "Approximate seat of the division (2 decimals, from the dataset's sources; not survey-grade); null "
                "when the graph has none.",
                "Its seat's location: distance from a point.",
            ),
            rels=(
                Rel(
                    "province",
                    "Province",
                    out("IN_PROVINCE"),
                    many=False,
                    description="The province.",
                    where="Its province.",
                ),
                Rel(
                    "counties",
                    "County",
                    in_("IN_CITY"),
                    many=True,
                    description="The city's counties that have a cluster in the graph.",
                    where="Its counties.",
                ),
                Rel(
                    "clusters",
                    "Cluster",
                    in_("IN_CITY", "County") + in_("LOCATED_IN"),
                    many=True,
                    description="Clusters located in the city (through its counties).",
                    where="Clusters in the city.",
                ),
            ),
            sorts=(
                *_name_sorts(),
                Sort("ADMIN_CODE", "admin_code"),
                Sort("CLUSTER_COUNT", Count("clusters"), "Number of clusters in the city."),
                Sort("COUNTY_COUNT", Count("counties"), "Number of its counties in the graph."),
            ),
        ),
        NodeType(
            "County",
            "A county-level division (县, 区 or county-level city) where a cluster sits.",
            "counties",
            _names(),
            gloss="county-level divisions",
            rels=(
                Rel(
                    "city",
                    "City",
                    out("IN_CITY"),
                    many=False,
                    description="The city the county belongs to.",
                    where="Its city.",
                ),
                Rel(
                    "clusters",
                    "Cluster",
                    in_("LOCATED_IN"),
                    many=True,
                    description="Clusters located in the county.",
                    where="Clusters in the county.",
                ),
            ),
            computed=(Computed("cluster_count", Count("clusters"), "Number of clusters in the county."),),
            sorts=(
                *_name_sorts(),
                Sort("CLUSTER_COUNT", "cluster_count", "Number of clusters in the county."),
            ),
        ),
        NodeType(
            "Industry",
            "One of Sichuan's six advantageous industries (优势产业).",
            "industries",
            (*_names(), _sources()),
            rels=(
                Rel(
                    "clusters",
                    "Cluster",
                    in_("IN_INDUSTRY", edge_props=("inferred",)),
                    many=True,
                    description="Clusters in the industry.",
                    where="Clusters in the industry.",
                ),
                Rel(
                    "cities",
                    "City",
                    in_("IN_INDUSTRY", "Cluster") + out("LOCATED_IN", "County") + out("IN_CITY"),
                    many=True,
                    description="Cities with at least one cluster in the industry.",
                    where="Cities with a cluster in it.",
                ),
            ),
            computed=(
                Computed("cluster_count", Count("clusters"), "Number of clusters in the industry."),
                # Distinct: a city with two clusters in the industry is one city.
                Computed(
                    "city_count", Count("cities", distinct=True), "Number of cities with a cluster in it."
                ),
            ),
            sorts=(
                *_name_sorts(),
                Sort("CLUSTER_COUNT", "cluster_count", "Number of clusters in the industry."),
                Sort("CITY_COUNT", "city_count", "Number of cities with a cluster in it."),
            ),
        ),
        NodeType(
            "Cluster",
            "A special SME industrial cluster (中小企业特色产业集群).",
            "clusters",
            (
                *_names(name_zh="Chinese name, with the dataset's marker when not verified."),
                Prop(
                    "name_status",
                    "nameStatus",
                    E,
                    "How sure the Chinese name is.",
                    enum="NameStatus",
                    where="How sure the name is.",
                ),
                Prop(
                    "alternate_names_zh",
                    "alternateNamesZh",
                    S,
                    "Other Chinese names the sources use (e.g. on the national list).",
                    is_list=True,
                ),
                Prop(
                    "leading_sector",
                    "leadingSector",
                    S,
                    "Leading sector, in English.",
                    nullable=True,
                    where="Leading sector (English).",
                    case_insensitive=True,
                ),
                Prop(
                    "leading_sector_zh",
                    "leadingSectorZh",
                    S,
                    "Leading sector, in Chinese.",
                    nullable=True,
                    where="Leading sector (Chinese).",
                ),
                Prop(
                    "output_value_cny",
                    "outputValueCny",
                    F,
                    "Output value in yuan where a source states one (see the recognition notes).",
                    nullable=True,
                    where="Stated output value, yuan.",
                    aggregate="Stated output values, yuan.",
                ),
                Prop(
                    "enterprise_count",
                    "enterpriseCount",
                    INT,
                    "Number of enterprises a source gives (what was counted is in the notes).",
                    nullable=True,
                    where="Stated number of enterprises.",
                    aggregate="Stated enterprise counts.",
                ),
                _sources(),
            ),
            aggregate_description=(
                "Aggregates over all clusters of the list that match its `where` (not just the page)."
            ),
            location=Location(
                "location",
                "Its city's approximate seat: neither the sources nor the dataset locate a cluster or its county, so "
                "every cluster of a city has the city's point; null when the city has none.",
                "Its city's seat: distance from a point.",
                _CLUSTER_CITY,
            ),
            rels=(
                Rel(
                    "county",
                    "County",
                    out("LOCATED_IN"),
                    many=False,
                    description="The county the cluster sits in.",
                    where="The county it sits in.",
                ),
                Rel(
                    "city",
                    "City",
                    out("LOCATED_IN", "County") + out("IN_CITY"),
                    many=False,
                    description="The city the cluster sits in.",
                    where="The city it sits in.",
                ),
                Rel(
                    "industry",
                    "Industry",
                    out("IN_INDUSTRY", edge_props=("inferred",)),
                    many=False,
                    description="The cluster's industry.",
                    where="Its industry.",
                ),
                Rel(
                    "recognitions",
                    "Recognition",
                    out("RECOGNIZED"),
                    many=True,
                    description="The cluster's recognitions: provincial and/or national, with year and batch.",
                    where="Its recognitions.",
                ),
                Rel(
                    "enterprises",
                    "Enterprise",
                    in_("MEMBER_OF", edge_props=("role", "roleZh", "sources")),
                    many=True,
                    description="Member enterprises, with the role the source gives them.",
                    where="Its member enterprises.",
                ),
                Rel(
                    "province",
                    "Province",
                    out("LOCATED_IN", "County") + out("IN_CITY", "City") + out("IN_PROVINCE"),
                    many=False,
                    description="The province the cluster sits in (through its county and city).",
                    where="The province it sits in.",
                ),
                Rel(
                    "batches",
                    "Batch",
                    out("RECOGNIZED", "Recognition") + out("IN_BATCH"),
                    many=True,
                    description="The official lists (batches) that name the cluster; none for an undated recognition.",
                    where="The batches that name it.",
                ),
            ),
            computed=(
                Computed(
                    "member_count",
                    Count("enterprises"),
                    "Member enterprises in the graph (the sources' own figure is `enterpriseCount`).",
                ),
                Computed("recognition_count", Count("recognitions"), "Number of recognitions."),
                Computed(
                    "first_recognized",
                    Least(out("RECOGNIZED"), "year"),
                    "Year of the first dated recognition; null when no recognition has a stated year.",
                ),
                Computed(
                    "latitude",
                    Via(_CLUSTER_CITY, "location", "y"),
                    "Approximate latitude of its city's seat (the sources do not locate the cluster itself).",
                    "Use location { latitude }.",
                ),
                Computed(
                    "longitude",
                    Via(_CLUSTER_CITY, "location", "x"),
                    "Approximate longitude of its city's seat (the sources do not locate the cluster itself).",
                    "Use location { longitude }.",
                ),
            ),
            sorts=(
                *_name_sorts(),
                Sort("OUTPUT_VALUE_CNY", "output_value_cny", "Stated output value (nulls last)."),
                Sort("ENTERPRISE_COUNT", "enterprise_count", "Stated enterprises (nulls last)."),
                Sort("MEMBER_COUNT", "member_count", "Member enterprises in the graph."),
                Sort("RECOGNITION_COUNT", "recognition_count", "Number of recognitions."),
                Sort("FIRST_RECOGNIZED", "first_recognized", "Year of the first dated recognition."),
            ),
        ),
        NodeType(
            "Enterprise",
            "An enterprise named by a source as a member of a cluster.",
            "enterprises",
            (
                *_names(
                    name="English name (a rendering unless the source gives one).",
                    name_zh="Chinese name as the source gives it.",
                ),
                _sources(),
            ),
            rels=(
                Rel(
                    "clusters",
                    "Cluster",
                    out("MEMBER_OF", edge_props=("role", "roleZh", "sources")),
                    many=True,
                    description="Clusters the enterprise belongs to, with its role in each.",
                    where="Clusters it is a member of.",
                ),
            ),
            computed=(Computed("cluster_count", Count("clusters"), "Number of clusters it belongs to."),),
            sorts=(
                *_name_sorts(),
                Sort("CLUSTER_COUNT", "cluster_count", "Number of clusters it belongs to."),
            ),
        ),
        NodeType(
            "Recognition",
            "One recognition of a cluster: the level, and the year and batch where known.",
            "recognitions",
            (
                _key(),
                Prop("level", "level", E, _LEVEL, enum="RecognitionLevel", where=_LEVEL),
                Prop(
                    "year",
                    "year",
                    INT,
                    "Year of the batch; null when no source states it.",
                    nullable=True,
                    where="Year of the batch (null when unknown).",
                    aggregate="Years of the dated recognitions (the earliest, the latest).",
                    sums=False,
                ),
                Prop("notes", "notes", S, "What the sources say, and what they do not.", nullable=True),
                _sources(),
            ),
            rels=(
                Rel(
                    "cluster",
                    "Cluster",
                    in_("RECOGNIZED"),
                    many=False,
                    description="The recognised cluster.",
                    where="The recognised cluster.",
                ),
                Rel(
                    "batch",
                    "Batch",
                    out("IN_BATCH"),
                    many=False,
                    description="The official list (batch); null when the year is unknown.",
                    where="The batch it belongs to.",
                ),
                Rel(
                    "recognition_year",
                    "RecognitionYear",
                    out("IN_YEAR"),
                    many=False,
                    description="The year of the recognition; null when no source states it.",
                    where="Its year.",
                ),
            ),
            sorts=(
                Sort("KEY", "key"),
                Sort("YEAR", "year"),
                Sort("LEVEL", "level", "Provincial first, then national (the order of RecognitionLevel)."),
            ),
            default_sort=("YEAR", "LEVEL"),
        ),
        NodeType(
            "Batch",
            "An official list of recognised clusters, with its official size.",
            "batches",
            (
                *_names(name="English name of the list.", name_zh="Chinese name of the list."),
                Prop("level", "level", E, _LEVEL, enum="RecognitionLevel", where=_LEVEL),
                Prop("year", "year", INT, "Year of the batch.", where="Year of the batch."),
                Prop(
                    "ordinal",
                    "ordinal",
                    INT,
                    "1 for the first batch of its level, and so on.",
                    where="1 for the first batch, and so on.",
                ),
                Prop("authority", "authority", S, "Who published it, in English."),
                Prop("authority_zh", "authorityZh", S, "Who published it, in Chinese."),
                Prop("published", "published", D, "Publication date, where known.", nullable=True),
                Prop(
                    "official_count",
                    "officialCount",
                    INT,
                    "Official number of clusters on the list (nationwide for national lists).",
                    nullable=True,
                    where="Official size of the list.",
                    aggregate="Official list sizes.",
                ),
                Prop(
                    "official_count_sichuan",
                    "officialCountSichuan",
                    INT,
                    "Official number of Sichuan clusters on the list; null when unknown.",
                    nullable=True,
                    where="Official Sichuan count.",
                    aggregate="Official Sichuan counts.",
                ),
                Prop(
                    "notice",
                    "notice",
                    S,
                    "Number of the official notice that published the list (文号), where a source gives it.",
                    nullable=True,
                ),
                Prop("notes", "notes", S, "What is known of the list.", nullable=True),
                _sources(),
            ),
            gloss="official lists",
            aggregate_description="Aggregates over all batches of the list that match its `where`.",
            rels=(
                Rel(
                    "recognitions",
                    "Recognition",
                    in_("IN_BATCH"),
                    many=True,
                    description="The batch's recognitions.",
                    where="Its recognitions.",
                ),
                Rel(
                    "clusters",
                    "Cluster",
                    in_("IN_BATCH", "Recognition") + in_("RECOGNIZED"),
                    many=True,
                    description="The batch's clusters.",
                    where="Its clusters.",
                ),
                Rel(
                    "recognition_year",
                    "RecognitionYear",
                    out("IN_YEAR"),
                    many=False,
                    description="The year of the batch.",
                    where="Its year.",
                ),
                Rel(
                    "figures",
                    "BatchFigure",
                    out("STATES"),
                    many=True,
                    description="The figures the sources state about the list (its size, cities, industries, output, "
                    "enterprises; an upper bound where only a cap is known), each with what the graph names of it.",
                    where="Its stated figures.",
                ),
            ),
            sorts=(
                Sort("KEY", "key"),
                Sort("YEAR", "year"),
                Sort("LEVEL", "level", "Provincial first, then national (the order of RecognitionLevel)."),
                Sort("ORDINAL", "ordinal"),
                Sort("OFFICIAL_COUNT_SICHUAN", "official_count_sichuan", "Official Sichuan count."),
                Sort("NAMED_COUNT", Count("recognitions"), "Recognitions of the batch the graph names."),
            ),
            default_sort=("YEAR", "LEVEL"),
        ),
        NodeType(
            "BatchFigure",
            "A figure a source states about an official list (how many clusters, cities, enterprises; the output), "
            'with whether it is exact, a lower bound ("over") or an upper bound (a cap).',
            "batch figures",
            (
                _key(),
                Prop(
                    "figure",
                    "figure",
                    E,
                    "What the figure counts or sums.",
                    enum="FigureKind",
                    where="What the figure counts or sums.",
                ),
                Prop("value", "value", F, "The stated value.", where="The stated value."),
                Prop(
                    "unit",
                    "unit",
                    S,
                    "What the value is counted in (clusters, cities/prefectures, yuan, ...).",
                ),
                Prop(
                    "bound",
                    "bound",
                    E,
                    'EXACT, AT_LEAST where the source says "over", AT_MOST where only a cap is known.',
                    enum="FigureBound",
                    where="Exact, lower or upper bound.",
                ),
                Prop(
                    "notes",
                    "notes",
                    S,
                    "What the source says, in its words where they matter.",
                    nullable=True,
                ),
                _sources(),
            ),
            rels=(
                Rel(
                    "batch",
                    "Batch",
                    in_("STATES"),
                    many=False,
                    description="The list the figure is about.",
                    where="The list it is about.",
                ),
            ),
            sorts=(Sort("KEY", "key"), Sort("FIGURE", "figure", "In the order of FigureKind.")),
            default_sort=("FIGURE",),
        ),
        NodeType(
            "RecognitionYear",
            "A year in which clusters were recognised: the timeline's unit.",
            "recognition years",
            (_key(), Prop("year", "year", INT, "The year.", where="The year.")),
            rels=(
                Rel(
                    "batches",
                    "Batch",
                    in_("IN_YEAR"),
                    many=True,
                    description="Batches published in the year.",
                    where="Batches of the year.",
                ),
                Rel(
                    "recognitions",
                    "Recognition",
                    in_("IN_YEAR"),
                    many=True,
                    description="Recognitions of the year.",
                    where="Its recognitions.",
                ),
                Rel(
                    "clusters",
                    "Cluster",
                    in_("IN_YEAR", "Recognition") + in_("RECOGNIZED"),
                    many=True,
                    description="Clusters recognised in the year, optionally at one level or only the new ones.",
                    where="Clusters recognised that year.",
                    args=(
                        MiddleIs("level", "level", "Only this level."),
                        NoneEarlier(
                            "new_only",
                            out("RECOGNIZED", "Recognition"),
                            "year",
                            "true: only clusters with no dated recognition in an earlier year (new in this year); "
                            "false: only those recognised before (not all: omit it for all).",
                        ),
                    ),
                ),
            ),
            # Distinct: a cluster recognised at both levels in one year is one cluster of that year.
            computed=(
                Computed(
                    "cluster_count",
                    Count("clusters", distinct=True),
                    "Number of clusters recognised in the year.",
                ),
            ),
            sorts=(
                Sort("YEAR", "year"),
                Sort("CLUSTER_COUNT", "cluster_count", "Number of clusters recognised in the year."),
            ),
            default_sort=("YEAR",),
        ),
    )
}

#: Node types that the full-text index covers (the `search` union).
SEARCHABLE = ("Cluster", "Enterprise", "City", "County", "Industry", "Province", "Batch")
