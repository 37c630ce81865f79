"""The committed schema artifact and the schema's documentation: schema/schema.graphql is what the code exports,
and every type, field and argument of the API says what it is."""

from __future__ import annotations

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    is_specified_scalar_type,
)
from strawberry.printer import print_schema

from clustergraph.graphql.schema import create_schema, schema_sdl
from conftest import ROOT

SCHEMA_FILE = ROOT / "schema" / "schema.graphql"


def own_types(schema: GraphQLSchema) -> list[GraphQLNamedType]:
    """The schema's types, without the introspection types and the built-in scalars."""
    return [
        t
        for name, t in sorted(schema.type_map.items())
        if not name.startswith("__") and not is_specified_scalar_type(t)
    ]


def test_schema_file_matches_the_code() -> None:
    """schema/schema.graphql is exactly the SDL that `schema_sdl()` (and so `clustergraph export-schema`)
    produces."""
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == schema_sdl(), (
        "schema/schema.graphql is out of date with the code: run `make export-schema` and commit the result"
    )


def test_schema_can_be_built_more_than_once() -> None:
    """create_schema() can be called again in one process (an app per settings, the SDL export, tests) and
    builds the same schema each time."""
    first = create_schema()
    second = create_schema()
    assert print_schema(first) == print_schema(second)


def test_every_type_and_field_has_a_description() -> None:
    """Every type of the schema (object, interface, union, enum, input, custom scalar) has a description, and so
    does every field of every object, interface and input type."""
    schema = create_schema()._schema
    types = own_types(schema)
    assert {"Query", "Cluster", "ClusterWhere", "SearchResult", "RecognitionLevel"} <= {t.name for t in types}
    missing: list[str] = []
    for t in types:
        if not (t.description or "").strip():
            missing.append(t.name)
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            missing.extend(
                f"{t.name}.{name}" for name, f in t.fields.items() if not (f.description or "").strip()
            )
    assert not missing, f"without a description: {', '.join(missing)}"


def test_every_argument_has_a_description() -> None:
    """Every argument of every field says what it takes."""
    schema = create_schema()._schema
    missing = [
        f"{t.name}.{field_name}({arg_name}:)"
        for t in own_types(schema)
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)
        for field_name, field in t.fields.items()
        for arg_name, arg in field.args.items()
        if not (arg.description or "").strip()
    ]
    assert not missing, f"without a description: {', '.join(missing)}"
