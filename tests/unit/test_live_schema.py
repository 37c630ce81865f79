"""The `Subscription` type is derived from `Query`: every root query field, with the same arguments and result
type; and a live query's document is run as a query with every character but its keyword in place."""

from __future__ import annotations

from graphql import parse, print_type

from clustergraph.graphql.schema import create_schema
from clustergraph.live import as_query


def test_every_root_query_field_is_a_subscription_field_with_the_same_arguments_and_type():
    schema = create_schema()._schema
    query, subscription = schema.query_type, schema.subscription_type
    assert subscription is not None
    assert list(subscription.fields) == list(query.fields)
    for name, field in query.fields.items():
        live = subscription.fields[name]
        assert str(live.type) == str(field.type), name
        assert {a: str(arg.type) for a, arg in live.args.items()} == {
            a: str(arg.type) for a, arg in field.args.items()
        }, name
        assert {a: arg.default_value for a, arg in live.args.items()} == {
            a: arg.default_value for a, arg in field.args.items()
        }, name
        assert live.description is not None
        assert live.description.startswith(field.description or ""), name
    assert "type Subscription" in print_type(subscription)


def test_a_live_document_runs_as_a_query_with_its_locations_kept():
    text = "fragment F on Cluster { key }\n  subscription Live($k: ID!) { cluster(id: $k) { ...F } }"
    operation = parse(text).definitions[1]
    converted = as_query(text, operation)  # type: ignore[arg-type]
    assert len(converted) == len(text)
    assert converted == text.replace("subscription", "query       ")
    assert parse(converted).definitions[1].operation.value == "query"  # type: ignore[attr-defined]
