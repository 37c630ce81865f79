"""The query cost estimate (`clustergraph.limits.estimate_cost`) on parsed documents: no database, no HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, get_introspection_query, graphql_sync, parse

from clustergraph.graphql.schema import create_schema
from clustergraph.limits import CostOverLimit, estimate_cost, expanded_field_count
from clustergraph.settings import Settings

# cities: 1 + 100 * (nodes: 1 + clusters: 1 + 100 * (nodes: 1 + enterprises: 1 + 100 * (nodes: 1 + name: 1)))
NESTED = "{ cities(first: 100) { nodes { clusters(first: 100) { nodes { enterprises(first: 100) { nodes { name } } } } } } }"
NESTED_COST = 1 + 100 * (1 + 1 + 100 * (1 + 1 + 100 * (1 + 1)))


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return create_schema(Settings(_env_file=None))._schema


def cost(schema: GraphQLSchema, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> int:
    kwargs.setdefault("default_page_size", 20)
    kwargs.setdefault("max_page_size", 100)
    return estimate_cost(schema, parse(query), variables=variables, **kwargs)


def test_every_field_costs_one_and_lists_without_a_page_count_a_full_page(schema: GraphQLSchema) -> None:
    """Every field costs 1; a list without a page (stats' lists, a city's industries) multiplies what is selected
    under it by the max page size (100), since its length depends on the data."""
    assert cost(schema, "{ stats { labelCounts { label count } } }") == 1 + 1 + 100 * 2
    assert cost(schema, "{ __typename }") == 1
    assert cost(schema, '{ city(id: "x") { industries { clusterCount } } }') == 1 + 1 + 100 * 1


def test_a_page_of_zero_still_costs_its_subtree_once(schema: GraphQLSchema) -> None:
    """first: 0 does not multiply by 0: what is selected under it is planned and its nested lists run."""
    query = "{ clusters(first: 0) { nodes { relatedClusters(first: 100) { cluster { name } } } } }"
    assert cost(schema, query) == 1 + 1 * (1 + 1 + 100 * (1 + 1))
    assert cost(schema, "{ nodes(ids: []) { id } }") == 1 + 1


def test_the_attack_of_thirty_empty_pages_is_over_the_limit(schema: GraphQLSchema) -> None:
    """Thirty aliases of an empty page of clusters, each under it two levels of 100 related clusters: clusters,
    nodes and relatedClusters, then 100 times (cluster, relatedClusters, 100 times (cluster, name)), thirty times:
    606,090, far over the limit of 50,000."""
    one = "clusters(first: 0) { nodes { relatedClusters(first: 100) { cluster { relatedClusters(first: 100) { cluster { name } } } } } }"
    query = "{ " + " ".join(f"a{i}: {one}" for i in range(30)) + " }"
    per_alias = 1 + 1 + 1 + 100 * (1 + 1 + 100 * (1 + 1))
    assert cost(schema, query) == 30 * per_alias
    assert 30 * per_alias > Settings(_env_file=None).max_query_cost


def test_unpaged_lists_cost_at_least_a_page_of_their_real_size(schema: GraphQLSchema) -> None:
    """stats.clustersByCity holds one row per city (21 in the dataset): under the limit only if cities(first: 21)
    is, and costed at least as much as that."""
    inner = "clusters(first: 100) { nodes { enterprises(first: 100) { nodes { name } } } }"
    by_stats = cost(schema, f"{{ stats {{ clustersByCity {{ city {{ {inner} }} }} }} }}")
    by_cities = cost(schema, f"{{ cities(first: 21) {{ nodes {{ {inner} }} }} }}")
    assert by_stats >= by_cities > Settings(_env_file=None).max_query_cost


def test_a_path_costs_its_thirteen_nodes_and_twelve_relationships(schema: GraphQLSchema) -> None:
    """path(from:, to:) looks for at most 12 relationships, so 13 nodes."""
    query = '{ path(from: "a", to: "b") { nodes { id } relationships { type start { id } } } }'
    assert cost(schema, query) == 1 + (1 + 13 * 1) + (1 + 12 * (1 + 1 + 1))


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


def _values(answer: object) -> int:
    """How many values an answer holds: one per key of each object, nested ones included."""
    if isinstance(answer, dict):
        return sum(1 + _values(v) for v in answer.values())
    if isinstance(answer, list):
        return sum(_values(v) for v in answer)
    return 0


def test_introspection_costs_what_it_answers(schema: GraphQLSchema) -> None:
    """GraphiQL's introspection query costs the number of values graphql-core answers for it, under the limit."""
    query = get_introspection_query(descriptions=True)
    answer = graphql_sync(schema, query)
    assert answer.errors is None
    assert cost(schema, query) == _values(answer.data) < Settings(_env_file=None).max_query_cost
    one_type = '{ __type(name: "Cluster") { name fields { name type { kind name ofType { name } } } } }'
    assert cost(schema, one_type) == _values(graphql_sync(schema, one_type).data)


#: The fragments of the introspection bomb: the types, their fields, arguments and input fields, with type refs.
BOMB_FRAGMENTS = (
    " fragment S on __Schema { types { ...T } }"
    " fragment T on __Type { name kind fields(includeDeprecated: true) { name args { name type { ...R } } type { ...R } }"
    " inputFields { name type { ...R } } enumValues(includeDeprecated: true) { name } }"
    " fragment R on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"
)
#: Thirty aliased `__schema` selections through nested fragments: about 1 kB, 5.6 MB of answer.
INTROSPECTION_BOMB = "{ " + " ".join(f"a{i}: __schema {{ ...S }}" for i in range(30)) + " }" + BOMB_FRAGMENTS


def test_an_introspection_bomb_is_over_the_limit(schema: GraphQLSchema) -> None:
    """Thirty `__schema` selections cost thirty times one, which is what graphql-core answers for it."""
    single = "{ __schema { ...S } }" + BOMB_FRAGMENTS
    assert cost(schema, single) == _values(graphql_sync(schema, single).data)
    assert (
        cost(schema, INTROSPECTION_BOMB)
        == 30 * cost(schema, single)
        > Settings(_env_file=None).max_query_cost
    )


def test_the_introspection_walk_stops_past_the_limit(schema: GraphQLSchema) -> None:
    """With a limit, the walk over the schema stops once it has counted past it, whatever the rest would add."""
    with pytest.raises(CostOverLimit) as over:
        cost(schema, get_introspection_query(descriptions=True), limit=1000)
    assert over.value.counted == 1001


def test_near_costs_as_a_page_and_a_location_as_its_fields(schema: GraphQLSchema) -> None:
    """`near` is a list with a page: its size multiplies what each edge selects; a `location` costs its fields
    (the GeoJSON coordinates are one scalar list, not a list of objects)."""
    query = (
        "{ near(latitude: 30.67, longitude: 104.07, radiusKm: 150, first: 7) "
        "{ totalCount edges { distanceKm node { key location { latitude geoJson { type coordinates } } } } } }"
    )
    # near: 1 + 7 * (totalCount 1 + edges 1 + (distanceKm 1 + node 1 + (key 1 + location 1 + (latitude 1
    # + geoJson 1 + (type 1 + coordinates 1)))))
    assert cost(schema, query) == 1 + 7 * (1 + 1 + (1 + 1 + (1 + 1 + (1 + 1 + (1 + 1)))))
    assert cost(schema, query.replace("first: 7", "last: 30")) == 1 + 30 * 10
    default = query.replace(", first: 7", "")
    assert cost(schema, default) == 1 + 20 * 10
