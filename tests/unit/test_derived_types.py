"""The schema's model-shaped types come from the model: a property declared once appears everywhere it should.

A copy of the model with two more properties on `Cluster` (a text and a number) is turned into types with
`build_types`; the schema built from them has each as a `Cluster` field, a `ClusterWhere` filter and a
`ClusterSortField` value, and the number as a `ClusterAggregate` field.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, print_type
from strawberry.schema.config import StrawberryConfig

from clustergraph.graph_model import TYPES, Kind, NodeType, Prop, Sort
from clustergraph.graphql.inputs import NameStatus
from clustergraph.graphql.schema import create_schema
from clustergraph.graphql.types import ModelTypes, build_types

MOTTO = Prop("motto", "motto", Kind.STRING, "The cluster's motto.", nullable=True, where="Its motto.")
EXPORT_SHARE = Prop(
    "export_share",
    "exportShare",
    Kind.FLOAT,
    "Share of the output exported.",
    nullable=True,
    where="Share exported.",
    aggregate="Shares exported.",
)


def model_with_two_more_properties() -> dict[str, NodeType]:
    cluster = TYPES["Cluster"]
    extended = dataclasses.replace(
        cluster,
        props=(*cluster.props, MOTTO, EXPORT_SHARE),
        sorts=(
            *cluster.sorts,
            Sort("MOTTO", "motto"),
            Sort("EXPORT_SHARE", "export_share", "Share exported."),
        ),
    )
    return {**TYPES, "Cluster": extended}


def _read(source: Any, name: str) -> Any:
    return source[name] if isinstance(source, dict) else getattr(source, name)


def schema_of(built: ModelTypes) -> strawberry.Schema:
    """A schema of the derived types, with one root list of clusters answered from a fixed page (the derived node
    class, in maps by Python field name: the service's engine is not part of this test)."""
    numbers = {"count": 0, "sum": None, "min": None, "max": None, "avg": None}
    share = {"count": 1, "sum": 0.25, "min": 0.25, "max": 0.25, "avg": 0.25}
    cluster_cls = built.nodes["Cluster"]
    values = {
        "name": "Pumps",
        "name_zh": "泵",
        "name_status": NameStatus.AS_LISTED,
        "motto": "Flow",
        "export_share": 0.25,
    }
    fields = {f.name for f in dataclasses.fields(cluster_cls)}
    node = cluster_cls(id="c1", **{k: v for k, v in values.items() if k in fields})
    page = {
        "nodes": [node],
        "aggregate": {
            "count": 1,
            "output_value_cny": numbers,
            "enterprise_count": numbers,
            "export_share": share,
        },
    }

    def clusters() -> Any:
        return page

    clusters.__annotations__ = {"return": built.connections["Cluster"]}
    query = strawberry.type(
        type("Query", (), {"clusters": strawberry.field(resolver=clusters, description="Clusters.")}),
        description="The root.",
    )
    return strawberry.Schema(query=query, types=built.all(), config=StrawberryConfig(default_resolver=_read))


def test_two_more_properties_appear_as_fields_filters_sort_keys_and_aggregates() -> None:
    """`motto` and `exportShare` are fields of Cluster and ClusterWhere, MOTTO and EXPORT_SHARE sort keys, and
    exportShare (a number) a NumericAggregate of ClusterAggregate; the text is not aggregated."""
    schema = schema_of(build_types(model_with_two_more_properties()))._schema
    node, where = schema.type_map["Cluster"], schema.type_map["ClusterWhere"]
    sort, aggregate = schema.type_map["ClusterSortField"], schema.type_map["ClusterAggregate"]
    assert isinstance(node, GraphQLObjectType)
    assert isinstance(where, GraphQLInputObjectType)
    assert isinstance(sort, GraphQLEnumType)
    assert isinstance(aggregate, GraphQLObjectType)

    assert str(node.fields["motto"].type) == "String"
    assert node.fields["motto"].description == "The cluster's motto."
    assert str(node.fields["exportShare"].type) == "Float"
    assert str(where.fields["motto"].type) == "StringFilter"
    assert where.fields["motto"].description == "Its motto."
    assert str(where.fields["exportShare"].type) == "FloatFilter"
    assert {"MOTTO", "EXPORT_SHARE"} <= set(sort.values)
    assert sort.values["EXPORT_SHARE"].description == "Share exported."
    assert str(aggregate.fields["exportShare"].type) == "NumericAggregate!"
    assert aggregate.fields["exportShare"].description == "Shares exported."
    assert "motto" not in aggregate.fields


def test_a_schema_of_the_derived_types_answers_with_the_new_properties() -> None:
    """The derived node and aggregate classes carry the new values from a page to the answer."""
    result = schema_of(build_types(model_with_two_more_properties())).execute_sync(
        "{ clusters { nodes { name motto exportShare nameStatus } aggregate { count exportShare { sum } } } }"
    )
    assert result.errors is None
    assert result.data == {
        "clusters": {
            "nodes": [{"name": "Pumps", "motto": "Flow", "exportShare": 0.25, "nameStatus": "AS_LISTED"}],
            "aggregate": {"count": 1, "exportShare": {"sum": 0.25}},
        }
    }


def test_the_default_model_builds_the_types_of_the_app_schema() -> None:
    """Built on their own from the model, the inputs, sort enums, orders and aggregates print exactly as the app's
    schema prints them, and so do the node types' property fields."""
    built = build_types()
    derived = schema_of(built)._schema
    app = create_schema()._schema
    inputs = built.inputs
    names = [
        *(f"{n}Where" for n in inputs.where),
        *(f"{n}ListFilter" for n in inputs.list_filter),
        *(f"{n}SortField" for n in inputs.sort_field),
        *(f"{n}Order" for n in inputs.order),
        *(f"{n}Aggregate" for n in built.aggregates),
    ]
    assert [n for n in names if print_type(derived.type_map[n]) != print_type(app.type_map[n])] == []
    for type_name in TYPES:
        own, full = derived.type_map[type_name], app.type_map[type_name]
        assert isinstance(own, GraphQLObjectType)
        assert isinstance(full, GraphQLObjectType)
        for name, field in own.fields.items():
            assert (str(field.type), field.description) == (
                str(full.fields[name].type),
                full.fields[name].description,
            )
