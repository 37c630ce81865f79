"""The engine reads filters as graphql-core coerced them (`engine.plain_input`), skipping Strawberry's conversion
to input objects; it must give exactly what Strawberry's own conversion gives (`inputs.filter_dict` of Strawberry's
input objects)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import coerce_input_value
from strawberry.types.arguments import convert_argument

from clustergraph.graphql import inputs
from clustergraph.graphql.engine import _field_table, plain_input
from clustergraph.graphql.schema import create_schema

SCHEMA = create_schema()

FILTERS: list[tuple[str, dict[str, Any]]] = [
    ("ClusterWhere", {}),
    ("ClusterWhere", {"name": {"startsWith": "a"}, "nameZh": {"eq": None}}),
    (
        "ClusterWhere",
        {
            "industry": {"key": {"eq": "x"}},
            "recognitions": {"some": {"year": {"eq": 2020}, "level": {"eq": "NATIONAL"}}},
            "nameStatus": {"in": ["UNVERIFIED", "AS_LISTED"]},
            "OR": [{"name": {"contains": "pump"}}, {"NOT": {"outputValueCny": {"gte": 1.5}}}],
            "AND": [{"city": {"nameZh": {"eq": "成都市"}}}, {}],
            "enterprises": {"count": {"gt": 2}},
        },
    ),
    ("EnterpriseWhere", {"clusters": {"none": {"key": {"in": ["a", "b"]}}}, "name": {"isNull": False}}),
    ("RecognitionWhere", {"level": {"in": ["PROVINCIAL"]}, "year": {"lte": 2023, "gt": 2019}}),
    ("RecognitionYearWhere", {"year": {"in": [2020, 2021]}}),
]


@pytest.mark.parametrize(("type_name", "value"), FILTERS)
def test_plain_input_equals_filter_dict_of_strawberry_objects(type_name: str, value: dict[str, Any]) -> None:
    gql_type = SCHEMA._schema.type_map[type_name]
    coerced = coerce_input_value(value, gql_type)
    assert isinstance(coerced, dict), coerced  # a valid input (an invalid one comes back Undefined)
    converted = convert_argument(
        coerced, getattr(inputs, type_name), SCHEMA.schema_converter.scalar_registry, SCHEMA.config
    )
    expected = inputs.filter_dict(converted)
    assert plain_input(coerced, gql_type, _field_table(SCHEMA)) == expected
    assert expected or not value  # the comparison is not between two empty maps by accident
