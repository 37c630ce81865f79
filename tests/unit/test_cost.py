"""The query cost estimate (`clustergraph.limits.estimate_cost`) on parsed documents: no database, no HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, get_introspection_query, parse

from clustergraph.graphql.schema import create_schema
from clustergraph.limits import estimate_cost, expanded_field_count
from clustergraph.settings import Settings

# cities: 1 + 100 * (nodes: 1 + clusters: 1 + 100 * (nodes: 1 + enterprises: 1 + 100 * (nodes: 1 + name: 1)))
NESTED = "{ cities(first: 100) { nodes { clusters(first: 100) { nodes { enterprises(first: 100) { nodes { name } } } } } } }"
NESTED_COST = 1 + 100 * (1 + 1 + 100 * (1 + 1 + 100 * (1 + 1)))


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return create_schema(Settings(_env_file=None))._schema


def cost(schema: GraphQLSchema, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> int:
    kwargs.setdefault("default_page_size", 20)
    return estimate_cost(schema, parse(query), variables=variables, **kwargs)


def test_every_field_costs_one_and_plain_lists_do_not_multiply(schema: GraphQLSchema) -> None:
    """Objects and lists without a page add 1 per field: stats + labelCounts + label + count."""
    assert cost(schema, "{ stats { labelCounts { label count } } }") == 4
    assert cost(schema, "{ __typename }") == 1


def test_page_sizes_multiply_down_the_tree(schema: GraphQLSchema) -> None:
    """Three nested pages of 100 multiply: the cost is about 100³ times the leaf."""
    assert cost(schema, NESTED) == NESTED_COST == 2_020_201


def test_a_list_without_first_costs_the_default_page_size(schema: GraphQLSchema) -> None:
    """No first/last: the settings' default page size is the multiplier."""
    query = "{ clusters { nodes { name } } }"
    assert cost(schema, query) == 1 + 20 * 2
    assert cost(schema, query, default_page_size=5) == 1 + 5 * 2


def test_last_is_a_page_size_too(schema: GraphQLSchema) -> None:
    """Paging backwards with last: 7 multiplies by 7."""
    assert cost(schema, "{ clusters(last: 7) { nodes { name } } }") == 1 + 7 * 2


def test_search_and_related_clusters_default_to_ten(schema: GraphQLSchema) -> None:
    """search and relatedClusters take their own default of 10 results, not the default page size."""
    query = '{ search(text: "x") { score node { ... on Cluster { relatedClusters { score } } } } }'
    related = 1 + 10 * 1
    assert cost(schema, query) == 1 + 10 * (1 + 1 + related)
    assert cost(schema, '{ search(text: "x", first: 3) { score } }') == 1 + 3 * 1


def test_page_sizes_come_from_the_request_variables(schema: GraphQLSchema) -> None:
    """A variable page size costs what the request sends, else the variable's default, else the default page."""
    query = "query ($n: Int = 5) { clusters(first: $n) { nodes { name } } }"
    assert cost(schema, query) == 1 + 5 * 2
    assert cost(schema, query, {"n": 50}) == 1 + 50 * 2
    assert cost(schema, query, {"n": 50.0}) == 1 + 50 * 2  # GraphQL's Int takes an integral float
    assert cost(schema, query, {"n": None}) == 1 + 20 * 2  # an explicit null: no page size given
    assert cost(schema, "query ($n: Int) { clusters(first: $n) { nodes { name } } }") == 1 + 20 * 2


def test_named_and_inline_fragments_are_expanded(schema: GraphQLSchema) -> None:
    """The same selection written with fragments costs the same as written out, page sizes included."""
    with_fragments = """
        { cities(first: 100) { ...CityPage } }
        fragment CityPage on CityConnection { nodes { ... on City { clusters(first: 100) { ...Members } } } }
        fragment Members on ClusterConnection { nodes { enterprises(first: 100) { nodes { ...Name } } } }
        fragment Name on Enterprise { name }
    """
    assert cost(schema, with_fragments) == NESTED_COST


def test_a_fragment_spread_twice_counts_twice(schema: GraphQLSchema) -> None:
    """Each spread of a fragment adds its cost (and every branch on a union counts)."""
    once = "{ clusters(first: 10) { nodes { ...F } } } fragment F on Cluster { name key }"
    twice = "{ clusters(first: 10) { nodes { ...F ...F } } } fragment F on Cluster { name key }"
    assert cost(schema, once) == 1 + 10 * (1 + 2)
    assert cost(schema, twice) == 1 + 10 * (1 + 4)
    union = '{ search(text: "x", first: 2) { node { ... on City { name } ... on Cluster { name key } } } }'
    assert cost(schema, union) == 1 + 2 * (1 + 3)


def test_fragments_in_a_chain_are_costed_once_each(schema: GraphQLSchema) -> None:
    """Fragments that spread the next one twice, 60 deep, are costed exactly (2^60 leaves) without walking 2^60."""
    depth = 60
    fragments = "\n".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(depth))
    query = f"{{ ...F0 }}\n{fragments}\nfragment F{depth} on Query {{ __typename }}"
    assert cost(schema, query) == 2**depth
    assert expanded_field_count(parse(query)) == 2**depth


def test_cyclic_fragments_do_not_loop(schema: GraphQLSchema) -> None:
    """A fragment cycle (which validation refuses) is cut instead of recursed forever."""
    query = "{ ...A } fragment A on Query { __typename ...B } fragment B on Query { __typename ...A }"
    assert cost(schema, query) == 2


def test_nodes_by_ids_multiplies_by_the_number_of_ids(schema: GraphQLSchema) -> None:
    """nodes(ids:) returns one node per id: its selection is counted once per id."""
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } } "
    assert cost(schema, query, {"ids": ["a", "b", "c"]}) == 1 + 3 * 1
    assert cost(schema, '{ nodes(ids: ["a", "b"]) { id } }') == 1 + 2 * 1


def test_the_operation_named_in_the_request_is_the_one_costed(schema: GraphQLSchema) -> None:
    """With an operation name, that operation's cost; without one, the most expensive operation's."""
    query = "query Small { clusters(first: 1) { nodes { name } } } query Big { clusters(first: 90) { nodes { name } } }"
    assert cost(schema, query, operation_name="Small") == 3
    assert cost(schema, query, operation_name="Big") == 1 + 90 * 2
    assert cost(schema, query) == 1 + 90 * 2
    assert cost(schema, query, operation_name="Missing") == 0


def test_introspection_is_cheap(schema: GraphQLSchema) -> None:
    """GraphiQL's introspection query has no page sizes: it costs its number of fields, far under the limit."""
    document = parse(get_introspection_query())
    assert estimate_cost(schema, document, default_page_size=20) == expanded_field_count(document)
    assert expanded_field_count(document) < Settings(_env_file=None).max_query_cost
