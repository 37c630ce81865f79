"""The graph model's structural declarations render the Cypher the statement builder has always read.

The expected fragments below are written out by hand (they are the strings the model held as text before its
relationships and sort keys were declared as paths and counts); `cypher.patterns` must render exactly them.
"""

from __future__ import annotations

import pytest
from graphql import GraphQLObjectType

from clustergraph.graph_model import TYPES, Kind
from clustergraph.graphql.schema import create_schema

PATTERNS = [
    ("Province", "cities", "({a})<-[:IN_PROVINCE]-({b}:City)"),
    ("City", "province", "({a})-[:IN_PROVINCE]->({b}:Province)"),
    ("City", "counties", "({a})<-[:IN_CITY]-({b}:County)"),
    ("City", "clusters", "({a})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-({b}:Cluster)"),
    ("County", "city", "({a})-[:IN_CITY]->({b}:City)"),
    ("County", "clusters", "({a})<-[:LOCATED_IN]-({b}:Cluster)"),
    ("Industry", "clusters", "({a})<-[{r}:IN_INDUSTRY]-({b}:Cluster)"),
    ("Cluster", "county", "({a})-[:LOCATED_IN]->({b}:County)"),
    ("Cluster", "city", "({a})-[:LOCATED_IN]->(:County)-[:IN_CITY]->({b}:City)"),
    ("Cluster", "industry", "({a})-[{r}:IN_INDUSTRY]->({b}:Industry)"),
    ("Cluster", "recognitions", "({a})-[:RECOGNIZED]->({b}:Recognition)"),
    ("Cluster", "enterprises", "({a})<-[{r}:MEMBER_OF]-({b}:Enterprise)"),
    (
        "Cluster",
        "province",
        "({a})-[:LOCATED_IN]->(:County)-[:IN_CITY]->(:City)-[:IN_PROVINCE]->({b}:Province)",
    ),
    ("Cluster", "batches", "({a})-[:RECOGNIZED]->(:Recognition)-[:IN_BATCH]->({b}:Batch)"),
    (
        "Industry",
        "cities",
        "({a})<-[:IN_INDUSTRY]-(:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->({b}:City)",
    ),
    ("Recognition", "recognition_year", "({a})-[:IN_YEAR]->({b}:RecognitionYear)"),
    ("Enterprise", "clusters", "({a})-[{r}:MEMBER_OF]->({b}:Cluster)"),
    ("Recognition", "cluster", "({a})<-[:RECOGNIZED]-({b}:Cluster)"),
    ("Recognition", "batch", "({a})-[:IN_BATCH]->({b}:Batch)"),
    ("Batch", "recognitions", "({a})<-[:IN_BATCH]-({b}:Recognition)"),
    ("Batch", "clusters", "({a})<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-({b}:Cluster)"),
    ("Batch", "recognition_year", "({a})-[:IN_YEAR]->({b}:RecognitionYear)"),
    ("Batch", "figures", "({a})-[:STATES]->({b}:BatchFigure)"),
    ("BatchFigure", "batch", "({a})<-[:STATES]-({b}:Batch)"),
    ("RecognitionYear", "batches", "({a})<-[:IN_YEAR]-({b}:Batch)"),
    ("RecognitionYear", "recognitions", "({a})<-[:IN_YEAR]-({b}:Recognition)"),
    ("RecognitionYear", "clusters", "({a})<-[:IN_YEAR]-({m}:Recognition)<-[:RECOGNIZED]-({b}:Cluster)"),
]

S, INT, F = Kind.STRING, Kind.INT, Kind.FLOAT


def _names() -> list[tuple[str, str, Kind, bool]]:
    return [
        ("KEY", "{n}.id", S, True),
        ("NAME", "{n}.nameSort", S, True),
        ("NAME_ZH", "{n}.nameZhSort", S, True),
    ]


#: Type -> its sort keys in enum order: (name, expression, kind, required).
SORT_KEYS: dict[str, list[tuple[str, str, Kind, bool]]] = {
    "Province": _names(),
    "City": [
        *_names(),
        ("ADMIN_CODE", "{n}.adminCode", S, True),
        ("CLUSTER_COUNT", "COUNT { ({n})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(:Cluster) }", INT, False),
        ("COUNTY_COUNT", "COUNT { ({n})<-[:IN_CITY]-(:County) }", INT, False),
        # The point; the statement builder measures its distance from the order's point.
        ("DISTANCE", "{n}.location", F, False),
    ],
    "County": [*_names(), ("CLUSTER_COUNT", "COUNT { ({n})<-[:LOCATED_IN]-(:Cluster) }", INT, False)],
    "Industry": [
        *_names(),
        ("CLUSTER_COUNT", "COUNT { ({n})<-[:IN_INDUSTRY]-(:Cluster) }", INT, False),
        (
            "CITY_COUNT",
            "COUNT { MATCH ({n})<-[:IN_INDUSTRY]-(:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City)"
            " RETURN DISTINCT c }",
            INT,
            False,
        ),
    ],
    "Cluster": [
        *_names(),
        ("OUTPUT_VALUE_CNY", "{n}.outputValueCny", F, False),
        ("ENTERPRISE_COUNT", "{n}.enterpriseCount", INT, False),
        ("MEMBER_COUNT", "COUNT { ({n})<-[:MEMBER_OF]-(:Enterprise) }", INT, False),
        ("RECOGNITION_COUNT", "COUNT { ({n})-[:RECOGNIZED]->(:Recognition) }", INT, False),
        (
            "FIRST_RECOGNIZED",
            "COLLECT { MATCH ({n})-[:RECOGNIZED]->(r) WHERE r.year IS NOT NULL RETURN r.year ORDER BY r.year LIMIT 1 }[0]",
            INT,
            False,
        ),
        (
            "DISTANCE",
            "COLLECT { MATCH ({n})-[:LOCATED_IN]->(:County)-[:IN_CITY]->(v:City) RETURN v.location LIMIT 1 }[0]",
            F,
            False,
        ),
    ],
    "Enterprise": [*_names(), ("CLUSTER_COUNT", "COUNT { ({n})-[:MEMBER_OF]->(:Cluster) }", INT, False)],
    "Recognition": [
        ("KEY", "{n}.id", S, True),
        ("YEAR", "{n}.year", INT, False),
        ("LEVEL", "CASE {n}.level WHEN 'PROVINCIAL' THEN 0 WHEN 'NATIONAL' THEN 1 END", INT, True),
    ],
    "Batch": [
        ("KEY", "{n}.id", S, True),
        ("YEAR", "{n}.year", INT, True),
        ("LEVEL", "CASE {n}.level WHEN 'PROVINCIAL' THEN 0 WHEN 'NATIONAL' THEN 1 END", INT, True),
        ("ORDINAL", "{n}.ordinal", INT, True),
        ("OFFICIAL_COUNT_SICHUAN", "{n}.officialCountSichuan", INT, False),
        ("NAMED_COUNT", "COUNT { ({n})<-[:IN_BATCH]-(:Recognition) }", INT, False),
    ],
    "BatchFigure": [
        ("KEY", "{n}.id", S, True),
        (
            "FIGURE",
            "CASE {n}.figure WHEN 'CLUSTERS' THEN 0 WHEN 'SICHUAN_CLUSTERS' THEN 1 WHEN 'CITIES' THEN 2 "
            "WHEN 'INDUSTRIES' THEN 3 WHEN 'OUTPUT_VALUE_CNY' THEN 4 WHEN 'ENTERPRISES' THEN 5 "
            "WHEN 'QUALITY_SMES' THEN 6 END",
            INT,
            True,
        ),
    ],
    "RecognitionYear": [
        ("YEAR", "{n}.year", INT, True),
        # Counts clusters, not recognitions: a cluster recognised at both levels in one year counts once.
        (
            "CLUSTER_COUNT",
            "COUNT { MATCH ({n})<-[:IN_YEAR]-(:Recognition)<-[:RECOGNIZED]-(c:Cluster) RETURN DISTINCT c }",
            INT,
            False,
        ),
    ],
}


@pytest.mark.parametrize(
    ("type_name", "field", "pattern"), PATTERNS, ids=[f"{t}.{f}" for t, f, _ in PATTERNS]
)
def test_relationship_patterns_render_as_before(type_name: str, field: str, pattern: str) -> None:
    """Each relationship's path of hops renders to its pattern from `({a})` to `({b}:Target)`."""
    assert TYPES[type_name].rel_by_field[field].pattern == pattern


def test_every_relationship_is_covered() -> None:
    """The table above lists every relationship of the model, so none goes unchecked."""
    assert {(t.name, r.field) for t in TYPES.values() for r in t.rels} == {(t, f) for t, f, _ in PATTERNS}


@pytest.mark.parametrize("type_name", list(SORT_KEYS))
def test_sort_keys_render_as_before(type_name: str) -> None:
    """Property keys read the property; counts and least values render to their COUNT/COLLECT subqueries; kinds
    (an enum sorts as text) and `required` (a non-null property) follow the properties."""
    keys = TYPES[type_name].sort_keys
    assert [(k.name, k.expression, k.kind, k.required) for k in keys] == SORT_KEYS[type_name]
    assert set(TYPES[type_name].sort_by_name) == {k[0] for k in SORT_KEYS[type_name]}


def test_argument_conditions_and_edge_properties_render_as_before() -> None:
    """The `level` and `newOnly` arguments of a year's clusters, and the relationships that carry edge data."""
    clusters_of_year = TYPES["RecognitionYear"].rel_by_field["clusters"]
    assert clusters_of_year.arg_conditions == (
        ("level", "{m}.level = {value}"),
        (
            "new_only",
            "NOT EXISTS { MATCH ({b})-[:RECOGNIZED]->(earlier:Recognition) WHERE earlier.year < {a}.year }",
        ),
    )
    carrying = {(t.name, r.field): r.edge_props for t in TYPES.values() for r in t.rels if r.edge_props}
    assert carrying == {
        ("Industry", "clusters"): ("inferred",),
        ("Cluster", "industry"): ("inferred",),
        ("Cluster", "enterprises"): ("role", "roleZh", "sources"),
        ("Enterprise", "clusters"): ("role", "roleZh", "sources"),
    }


def test_filterable_and_aggregated_properties() -> None:
    """`prop_by_field` holds what a `where` can name; `numeric_aggregates` the aggregated number fields."""
    cluster = TYPES["Cluster"]
    assert {f: (p.prop, p.kind, p.case_insensitive) for f, p in cluster.prop_by_field.items()} == {
        "key": ("id", S, False),
        "name": ("name", S, True),
        "name_zh": ("nameZh", S, False),
        "name_status": ("nameStatus", Kind.ENUM, False),
        "leading_sector": ("leadingSector", S, True),
        "leading_sector_zh": ("leadingSectorZh", S, False),
        "output_value_cny": ("outputValueCny", F, False),
        "enterprise_count": ("enterpriseCount", INT, False),
    }
    assert {t.name: t.numeric_aggregates for t in TYPES.values() if t.numeric_aggregates} == {
        "Cluster": ("output_value_cny", "enterprise_count"),
        "Recognition": ("year",),
        "Batch": ("official_count", "official_count_sichuan"),
    }
    assert {t.name: t.default_sort for t in TYPES.values() if t.default_sort != ("NAME",)} == {
        "Recognition": ("YEAR", "LEVEL"),
        "Batch": ("YEAR", "LEVEL"),
        "BatchFigure": ("FIGURE",),
        "RecognitionYear": ("YEAR",),
    }


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def test_plain_fields_are_named_after_their_property() -> None:
    """A plain node field's GraphQL name is its Neo4j property: both read paths map one to the other by name."""
    mismatched = [
        f"{t.name}.{p.field} ({p.prop})"
        for t in TYPES.values()
        for p in t.props
        if p.node_field and p.coordinate is None and _camel(p.field) != p.prop
    ]
    assert not mismatched


def test_the_schema_says_what_the_model_says() -> None:
    """The node types' fields (the relationship fields and `key` too, written by hand in `graphql.types`) and the
    list arguments carry the descriptions the model declares."""
    schema = create_schema()._schema
    differing: list[str] = []
    for t in TYPES.values():
        gql = schema.type_map[t.name]
        assert isinstance(gql, GraphQLObjectType)
        if gql.description != t.description:
            differing.append(t.name)
        declared = {p.field: p.description for p in t.props} | {r.field: r.description for r in t.rels}
        for field, description in declared.items():
            if gql.fields[_camel(field)].description != description:
                differing.append(f"{t.name}.{_camel(field)}")
        for rel in t.rels:
            for arg in rel.args:
                if gql.fields[_camel(rel.field)].args[_camel(arg.name)].description != arg.description:
                    differing.append(f"{t.name}.{_camel(rel.field)}({_camel(arg.name)}:)")
    assert not differing, f"the schema's description differs from the model's: {', '.join(differing)}"


def test_enums_sort_in_the_order_the_graphql_enums_declare() -> None:
    """The model's enum values are those of the GraphQL enums, in their declared order (PROVINCIAL first)."""
    from clustergraph.graph_model import ENUM_VALUES
    from clustergraph.graphql.inputs import ENUMS

    assert set(ENUM_VALUES) == set(ENUMS)
    for name, (enum, _) in ENUMS.items():
        assert ENUM_VALUES[name] == tuple(v.value for v in enum)
    assert ENUM_VALUES["RecognitionLevel"][0] == "PROVINCIAL"
