"""The endpoint's limits: expensive or oversized requests are refused with a clear error, before any Cypher runs.

"No database work" is checked with the statements the app reports to its `on_statement` hook (`conftest.STATEMENTS`),
which sees every statement a request sends to Neo4j.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from graphql import GraphQLError, get_introspection_query, graphql_sync
from graphql.language.parser import Parser
from neo4j import Driver
from neo4j.exceptions import ClientError

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.db import create_async_driver, read
from clustergraph.errors import format_error
from clustergraph.graphql.schema import create_schema
from clustergraph.settings import Settings
from conftest import STATEMENTS

if TYPE_CHECKING:
    from starlette.testclient import TestClient

pytestmark = [
    pytest.mark.integration,
    # starlette.testclient warns when httpx2 is missing; the suite turns warnings into errors.
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
]

# cities x clusters x enterprises, 100 each: cost 1 + 100 * (2 + 100 * (2 + 100 * 2)) = 2,020,201.
NESTED = "{ cities(first: 100) { nodes { clusters(first: 100) { nodes { enterprises(first: 100) { nodes { name } } } } } } }"
NESTED_COST = 2_020_201

# Page sizes as variables: cost 1 + a * (2 + b * (2 + 2c)). With a=100, b=8: c=30 costs 49,801, c=31 51,401.
PAGED = """
query Paged($a: Int, $b: Int, $c: Int = 31) {
  cities(first: $a) { nodes { clusters(first: $b) { nodes { enterprises(first: $c) { nodes { name } } } } } }
}
"""


@contextmanager
def app_client(settings: Settings, **changes: Any) -> Iterator[TestClient]:
    """The app with some settings changed, its lifespan running."""
    from starlette.testclient import TestClient

    with TestClient(create_app(settings.model_copy(update=changes), on_statement=STATEMENTS)) as test_client:
        yield test_client


def post(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    return response.json()  # type: ignore[no-any-return]


def refused_all(
    client: TestClient, query: str, variables: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """POST a request that must be refused before execution: no data, errors, not one Cypher round trip."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    body = response.json()
    assert STATEMENTS.of(response) == [], "a refused request reached Neo4j"
    assert body.get("data") is None
    assert body["errors"]
    return body["errors"]  # type: ignore[no-any-return]


def refused(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """`refused_all` for a request refused with exactly one error."""
    errors = refused_all(client, query, variables)
    assert len(errors) == 1, errors
    return errors[0]


def deep_query(depth: int) -> str:
    """A valid query nesting `depth` fields that have selections: cluster → city → clusters → nodes → city …"""
    steps = ['cluster(id: "c")', "city", "clusters(first: 1)", "nodes"]
    chain = steps[:1] + [steps[1 + i % 3] for i in range(depth - 1)]
    return "{ " + " { ".join(chain) + " { __typename" + " }" * depth + " }"


def test_a_query_50_deep_is_refused_with_the_depth_limit(client: TestClient) -> None:
    """Depth 50 against a limit of 10: QUERY_TOO_DEEP, the message states the limit."""
    error = refused(client, deep_query(50))
    assert "maximum operation depth of 10" in error["message"]
    assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "limit": 10}


def test_a_query_at_the_depth_limit_passes(client: TestClient) -> None:
    """Depth 10 is allowed (the cluster does not exist, so the answer is null)."""
    body = post(client, deep_query(10))
    assert "errors" not in body, body
    assert body["data"] == {"cluster": None}


def test_a_thousand_aliases_are_refused_with_the_alias_limit(settings: Settings) -> None:
    """1,000 aliases against a limit of 30: TOO_MANY_ALIASES with the limit. The token limit is raised here, since at
    3 tokens an alias the default one refuses such a document first (see the next test)."""
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"
    with app_client(settings, max_tokens=10_000) as client:
        error = refused(client, query)
    assert error["message"] == "1000 aliases found. Allowed: 30"
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "limit": 30}


def test_aliases_spread_through_fragments_are_counted(client: TestClient) -> None:
    """1,000 aliases written in a few tokens through fragments spread ten times each are still 1,000."""
    ten = " ".join(f"a{i}: __typename" for i in range(10))
    query = (
        "{ ...B ...B ...B ...B ...B ...B ...B ...B ...B ...B }"
        " fragment B on Query { ...A ...A ...A ...A ...A ...A ...A ...A ...A ...A }"
        f" fragment A on Query {{ {ten} }}"
    )
    error = refused(client, query)
    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert "Allowed: 30" in error["message"]


def test_a_document_over_the_token_limit_is_refused(client: TestClient) -> None:
    """2,100 repeated fields against a limit of 2,000 tokens: parsing stops, the message states the limit."""
    query = "{ stats { labelCounts { " + "label " * 2100 + "} } }"
    error = refused(client, query)
    assert "more than 2000 tokens" in error["message"]
    # the same request with 1,000 aliases is refused here too, by the same limit
    error = refused(client, "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }")
    assert "more than 2000 tokens" in error["message"]


def test_a_get_over_the_token_limit_is_refused_by_the_one_bounded_parse(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GET of 30,000 tokens (a mutation, or a query) is refused by the token limit, not parsed whole first to check
    its method: every parse the request runs is bounded by the limit, the error states it and no statement reaches
    Neo4j."""
    limits_of_parses: list[int | None] = []
    parse_document = Parser.parse_document

    def recorded(parser: Parser) -> Any:
        limits_of_parses.append(parser._max_tokens)
        return parse_document(parser)

    monkeypatch.setattr(Parser, "parse_document", recorded)
    for document in ("mutation{" + "a " * 30_000 + "}", "{" + "a " * 30_000 + "}"):
        limits_of_parses.clear()
        response = client.get("/graphql", params={"query": document})
        assert limits_of_parses == [2000]
        assert response.status_code == 200
        assert STATEMENTS.of(response) == []
        (error,) = response.json()["errors"]
        assert "more than 2000 tokens" in error["message"]
        assert "data" not in response.json()


def test_with_the_http_cache_a_request_is_parsed_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the HTTP cache on, the cache's check that the request is a query reuses the request's one parse (bounded
    by the token limit): a new document is parsed once, GET or POST, and a GET over the limit is refused by it."""
    limits_of_parses: list[int | None] = []
    parse_document = Parser.parse_document

    def recorded(parser: Parser) -> Any:
        limits_of_parses.append(parser._max_tokens)
        return parse_document(parser)

    monkeypatch.setattr(Parser, "parse_document", recorded)
    with app_client(settings, http_cache=True) as client:
        for n, method in enumerate(("GET", "POST")):
            query = f"{{ clusters(first: {n + 3}) {{ totalCount }} }}"
            limits_of_parses.clear()
            if method == "GET":
                response = client.get("/graphql", params={"query": query})
            else:
                response = client.post("/graphql", json={"query": query})
            assert "errors" not in response.json(), response.json()
            assert limits_of_parses == [2000]
        limits_of_parses.clear()
        response = client.get("/graphql", params={"query": "{" + "a " * 30_000 + "}"})
        assert "more than 2000 tokens" in response.json()["errors"][0]["message"]
        assert set(limits_of_parses) == {2000}


def test_a_query_over_the_cost_limit_is_refused_with_its_cost(client: TestClient) -> None:
    """Three nested pages of 100: cost 2,020,201 against 50,000, QUERY_TOO_COMPLEX with both numbers."""
    error = refused(client, NESTED)
    assert error["message"].startswith(f"Query cost {NESTED_COST} exceeds the limit 50000")
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": NESTED_COST, "limit": 50000}


def test_a_query_just_under_the_cost_limit_runs(client: TestClient) -> None:
    """Cost 49,801 (page sizes 100, 8 and 30, from variables) is under 50,000: it is answered."""
    body = post(client, PAGED, {"a": 100, "b": 8, "c": 30})
    assert "errors" not in body, body.get("errors")
    assert isinstance(body["data"]["cities"]["nodes"], list)


def test_the_cost_uses_the_variables_for_page_sizes(client: TestClient) -> None:
    """The same document costs what its variables ask for: c=31 (or its default, 31) goes over the limit."""
    error = refused(client, PAGED, {"a": 100, "b": 8, "c": 31})
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 51401, "limit": 50000}
    error = refused(client, PAGED, {"a": 100, "b": 8})
    assert error["extensions"]["cost"] == 51401


def test_fragments_are_counted_in_the_cost(client: TestClient) -> None:
    """The over-limit query written with named and inline fragments costs exactly the same."""
    query = """
        { cities(first: 100) { ...CityPage } }
        fragment CityPage on CityConnection { nodes { ... on City { clusters(first: 100) { ...Members } } } }
        fragment Members on ClusterConnection { nodes { enterprises(first: 100) { nodes { ...Name } } } }
        fragment Name on Enterprise { name }
    """
    error = refused(client, query)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": NESTED_COST, "limit": 50000}


def test_fragments_that_expand_exponentially_are_refused_after_parsing(client: TestClient) -> None:
    """40 fragments each spreading the next twice (2^40 fields in 400 tokens) are refused before validation."""
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    query = f"{{ ...F0 }} {fragments} fragment F40 on Query {{ __typename }}"
    error = refused(client, query)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "fields": 2**40, "limit": 50000}
    assert f"selects {2**40} fields" in error["message"]


def test_a_200_kb_body_is_refused_with_413(client: TestClient) -> None:
    """A body of about 200 kB against a limit of 100,000 bytes: 413, the size and the limit in the message."""
    response = client.post("/graphql", json={"query": "{ __typename }", "variables": {"pad": "x" * 200_000}})
    assert response.status_code == 413
    size = int(response.request.headers["content-length"])
    (error,) = response.json()["errors"]
    assert error["message"] == f"The request body is {size} bytes: the limit is 100000 bytes."
    assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "limit": 100000}
    assert STATEMENTS.of(response) == []


def test_a_chunked_body_is_counted_as_it_is_read(client: TestClient) -> None:
    """Without a Content-Length, the bytes are counted as they arrive and 413 comes once past the limit."""
    chunks = [b'{"query": "{ __typename }", "variables": {"pad": "', b"x" * 150_000, b'"}}']
    response = client.post("/graphql", content=iter(chunks), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    (error,) = response.json()["errors"]
    assert error["message"] == "The request body is larger than that: the limit is 100000 bytes."


def test_a_body_under_the_limit_is_served(client: TestClient) -> None:
    """A 90 kB body is read and answered normally."""
    response = client.post("/graphql", json={"query": "{ __typename }", "variables": {"pad": "x" * 90_000}})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_introspection_and_graphiql_are_served_by_default(client: TestClient) -> None:
    """Outside production, introspection answers and a browser gets GraphiQL."""
    body = post(client, "{ __schema { queryType { name } } }")
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


def test_graphiqls_introspection_query_is_answered(client: TestClient) -> None:
    """The standard introspection query (the one GraphiQL sends) is answered whole: every type of the schema."""
    body = post(client, get_introspection_query(descriptions=True))
    assert "errors" not in body, body.get("errors")
    expected = {t.name for t in create_schema()._schema.type_map.values()}
    assert {t["name"] for t in body["data"]["__schema"]["types"]} == expected


#: Thirty aliased `__schema` selections through nested fragments: 1 kB that answered 5.6 MB.
INTROSPECTION_BOMB = (
    "{ "
    + " ".join(f"a{i}: __schema {{ ...S }}" for i in range(30))
    + " } fragment S on __Schema { types { ...T } }"
    " fragment T on __Type { name kind fields(includeDeprecated: true) { name args { name type { ...R } } type { ...R } }"
    " inputFields { name type { ...R } } enumValues(includeDeprecated: true) { name } }"
    " fragment R on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"
)


def _values(answer: object) -> int:
    """How many values an answer holds: one per key of each object, nested ones included."""
    if isinstance(answer, dict):
        return sum(1 + _values(v) for v in answer.values())
    if isinstance(answer, list):
        return sum(_values(v) for v in answer)
    return 0


def test_an_introspection_bomb_is_refused_before_execution(client: TestClient) -> None:
    """Thirty `__schema` selections (1 kB, megabytes of answer) cost what they would answer and are refused with
    QUERY_TOO_COMPLEX before anything runs; the cost is the number of values graphql-core answers for them."""
    assert len(INTROSPECTION_BOMB) < 1100
    error = refused(client, INTROSPECTION_BOMB)
    answer = graphql_sync(create_schema()._schema, INTROSPECTION_BOMB).data
    assert len(orjson.dumps(answer)) > 2_000_000
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": _values(answer), "limit": 50000}


#: Thirty empty pages of clusters, each with two levels of 100 related clusters under it.
EMPTY_PAGE = (
    "clusters(first: 0) { nodes { relatedClusters(first: 100) { cluster { relatedClusters(first: 100)"
    " { cluster { name } } } } } }"
)
EMPTY_PAGES = "{ " + " ".join(f"a{i}: {EMPTY_PAGE}" for i in range(30)) + " }"


def test_empty_pages_with_nested_lists_are_refused(client: TestClient) -> None:
    """first: 0 costs its subtree once: thirty of them, two levels of 100 related clusters each, cost 606,090."""
    error = refused(client, EMPTY_PAGES)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 30 * 20203, "limit": 50000}


def test_a_list_without_a_page_is_refused_like_the_same_page(client: TestClient) -> None:
    """stats.clustersByCity (one row per city) under which two pages of 100 nest is refused, as the same selection
    through cities(first: 21) is: the unpaged list counts a full page."""
    inner = "clusters(first: 100) { nodes { enterprises(first: 100) { nodes { name } } } }"
    by_stats = refused(client, f"{{ stats {{ clustersByCity {{ city {{ {inner} }} }} }} }}")
    by_cities = refused(client, f"{{ cities(first: 21) {{ nodes {{ {inner} }} }} }}")
    assert by_stats["extensions"]["code"] == by_cities["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert by_stats["extensions"]["cost"] >= by_cities["extensions"]["cost"]


@pytest.fixture(scope="module")
def production_client(settings: Settings, _dataset_loaded: Driver) -> Iterator[TestClient]:
    with app_client(settings, production=True) as test_client:
        yield test_client


def test_production_refuses_introspection(production_client: TestClient) -> None:
    """In production, __schema and __type are refused (validation error naming the field); __typename still works."""
    errors = refused_all(production_client, "{ __schema { queryType { name } } }")
    assert errors[0]["message"] == (
        "GraphQL introspection has been disabled, but the requested query contained the field '__schema'."
    )
    errors = refused_all(production_client, '{ __type(name: "Cluster") { name } }')
    assert "introspection has been disabled" in errors[0]["message"]
    assert "'__type'" in errors[0]["message"]
    assert post(production_client, "{ __typename }") == {"data": {"__typename": "Query"}}


#: A misspelt field, and a misspelt enum value in a variable: graphql-core suggests the right names.
MISSPELT = [
    ('{ clustr(id: "x") { name } }', None, "Cannot query field 'clustr' on type 'Query'."),
    (
        "query ($l: RecognitionLevel) { recognitionYear(year: 2024) { clusters(level: $l) { totalCount } } }",
        {"l": "NATIONL"},
        "Variable '$l' has invalid value: Value 'NATIONL' does not exist in 'RecognitionLevel' enum.",
    ),
]


def test_production_gives_no_suggestions(production_client: TestClient, client: TestClient) -> None:
    """In production, validation and variable errors do not suggest names of the schema ("Did you mean ...?");
    elsewhere they do."""
    for query, variables, message in MISSPELT:
        (error,) = refused_all(production_client, query, variables)
        assert error["message"] == message
        (error,) = refused_all(client, query, variables)
        assert error["message"].startswith(message.rstrip("."))
        assert "Did you mean" in error["message"]


def test_production_does_not_serve_graphiql(production_client: TestClient) -> None:
    """In production a browser asking for /graphql gets 404, not GraphiQL."""
    page = production_client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "graphiql" not in page.text.lower()


def test_production_still_answers_queries(production_client: TestClient) -> None:
    """Production mode changes introspection and the IDE only: ordinary queries are answered."""
    body = post(production_client, "{ clusters(first: 2) { nodes { name } } }")
    assert "errors" not in body, body.get("errors")
    assert len(body["data"]["clusters"]["nodes"]) <= 2


def test_a_request_past_its_deadline_gets_a_timeout_error(settings: Settings) -> None:
    """With a 1 ms budget, a query that needs Neo4j is stopped and answered with code TIMEOUT and the limit (504
    when the request's deadline passes first, or the Neo4j transaction's own timeout error)."""
    with app_client(settings, request_timeout_s=0.001) as client:
        response = client.post(
            "/graphql", json={"query": "{ clusters(first: 50) { nodes { name city { name } } } }"}
        )
    assert response.status_code in {200, 504}
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert error["extensions"]["limit"] == 0.001
    assert "0.001 s" in error["message"]


def test_a_deadline_passed_while_neo4j_is_unreachable_reports_it_unavailable(settings: Settings) -> None:
    """When the deadline passes while the driver is still retrying a Neo4j that refuses connections, the answer
    says the database is unavailable (503, SERVICE_UNAVAILABLE) rather than asking for a smaller query."""
    with app_client(settings, neo4j_uri="bolt://127.0.0.1:1", request_timeout_s=0.5) as client:
        response = client.post("/graphql", json={"query": "{ clusters { totalCount } }"})
    assert response.status_code == 503
    (error,) = response.json()["errors"]
    assert error == {
        "message": "The graph database is unavailable; try again shortly.",
        "extensions": {"code": "SERVICE_UNAVAILABLE"},
    }


async def test_a_neo4j_transaction_timeout_is_reported_as_timeout(settings: Settings) -> None:
    """Neo4j ending a transaction at its timeout (Neo.ClientError.Transaction.TransactionTimedOut…) is shown to
    the client as code TIMEOUT with a clear message, not as an internal error."""
    driver = create_async_driver(settings)
    try:
        with pytest.raises(ClientError) as caught:
            # Far longer than the 2 s between two checks of Neo4j's transaction monitor, which stops it first.
            await read(
                driver,
                settings.neo4j_database,
                "UNWIND range(1, 500000000) AS x RETURN count(x) AS n",
                {},
                timeout_s=0.001,
            )
    finally:
        await driver.close()
    assert (caught.value.code or "").startswith("Neo.ClientError.Transaction.TransactionTimedOut")
    formatted = format_error(GraphQLError("x", original_error=caught.value), 0.001)
    assert formatted["extensions"] == {"code": "TIMEOUT", "limit": 0.001}
    assert formatted["message"].startswith("The graph database took longer than the limit of 0.001 s")


# --- malformed input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "kind"), [('"abc"', "a string"), ("123", "a number"), ("null", "null")])
def test_a_json_body_that_is_not_an_object_is_a_400(client: TestClient, body: str, kind: str) -> None:
    """A body that is JSON but not an object is refused with 400, a message naming what it is, and the request id
    (in the error and the header); nothing runs."""
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["message"].startswith("The JSON of the request must be an object")
    assert error["message"].endswith(f"not {kind}.")
    assert error["extensions"] == {"code": "BAD_REQUEST", "requestId": response.headers["x-request-id"]}
    assert STATEMENTS.of(response) == []


def test_a_body_with_an_infinite_number_is_a_400_that_says_so(client: TestClient) -> None:
    """1e400 in the JSON is no double: 400, the parser's reason in the message, the request id."""
    body = '{"query": "query ($v: Float) { clusters(where: {outputValueCny: {gt: $v}}) { totalCount } }",'
    response = client.post(
        "/graphql", content=body + ' "variables": {"v": 1e400}}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["message"].startswith("The JSON of the request does not parse: number is infinity")
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]


def test_an_int_variable_out_of_range_is_a_request_error(client: TestClient) -> None:
    """first: 1e23 as a variable is refused by the variable's coercion (a GraphQL request error naming the variable
    and the Int range), not by a failing cost estimate."""
    response = client.post(
        "/graphql",
        json={"query": "query ($n: Int) { clusters(first: $n) { totalCount } }", "variables": {"n": 1e23}},
    )
    assert response.status_code == 200
    assert STATEMENTS.of(response) == []
    (error,) = response.json()["errors"]
    assert error["message"] == (
        "Variable '$n' has invalid value: Int cannot represent non 32-bit signed integer value: 1e+23"
    )


def test_page_sizes_past_the_int_range_in_the_document_are_refused_with_a_clear_cost(
    client: TestClient,
) -> None:
    """Three nested pages of 2,000,000,000 written in the document: refused (the cost states the limit), and the
    cost in the extensions stays a number a JSON client reads exactly."""
    inner = "clusters(first: 2000000000) { nodes { enterprises(first: 2000000000) { nodes { name } } } }"
    error = refused(client, f"{{ cities(first: 2000000000) {{ nodes {{ {inner} }} }} }}")
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 2**53, "limit": 50000}


def nested_where(depth: int) -> dict[str, Any]:
    where: dict[str, Any] = {"name": {"eq": "x"}}
    for _ in range(depth):
        where = {"city": {"clusters": {"some": where}}}
    return where


def test_variables_nested_200_levels_are_a_400_naming_where(client: TestClient) -> None:
    """A `where` variable nested 200 levels (600 objects) is refused with 400, saying where it goes too deep, instead
    of an unexpected error."""
    response = client.post(
        "/graphql",
        json={
            "query": "query ($w: ClusterWhere) { clusters(where: $w) { totalCount } }",
            "variables": {"w": nested_where(200)},
        },
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["message"].startswith("The JSON at variables.w.city.clusters.some.city")
    assert error["message"].endswith("nests deeper than 64 levels.")
    assert error["extensions"] == {"code": "BAD_REQUEST", "requestId": response.headers["x-request-id"]}
    # a GET's variables are checked the same way
    response = client.get(
        "/graphql",
        params={
            "query": "query ($w: ClusterWhere) { clusters(where: $w) { totalCount } }",
            "variables": orjson.dumps({"w": nested_where(30)}).decode(),
        },
    )
    assert response.status_code == 400
    assert "nests deeper than 64 levels" in response.json()["errors"][0]["message"]


def test_a_where_within_the_json_depth_gets_the_filter_depth_error(client: TestClient) -> None:
    """Ten levels of relationship filters (within the JSON depth) get the API's own filter-depth error."""
    response = client.post(
        "/graphql",
        json={
            "query": "query ($w: ClusterWhere) { clusters(where: $w) { totalCount } }",
            "variables": {"w": nested_where(10)},
        },
    )
    (error,) = response.json()["errors"]
    assert error["message"].endswith("filters nest deeper than 8 levels")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" + "0" * 400])
def test_an_infinite_number_in_a_filter_is_refused(client: TestClient, number: str) -> None:
    """A number no Float holds, written in a filter, is refused before anything runs, saying it is too large."""
    error = refused(client, f"{{ clusters(where: {{outputValueCny: {{gt: {number}}}}}) {{ totalCount }} }}")
    assert "is too large: a Float holds finite numbers" in error["message"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}


def test_an_infinite_number_in_a_mutation_is_refused(client: TestClient, settings: Settings) -> None:
    """outputValueCny: 1e400 in createCluster is refused before the mutation runs: nothing is written."""
    headers = {"Authorization": f"Bearer {create_token(settings, Role.EDITOR)}"}
    query = """mutation { createCluster(input: {key: "inf-cluster", name: "Inf", nameZh: "无穷", countyKey: "pidu-district",
      industryKey: "electronic-information", outputValueCny: 1e400}) { cluster { key } errors { message } } }"""
    response = client.post("/graphql", json={"query": query}, headers=headers)
    assert STATEMENTS.of(response) == []
    (error,) = response.json()["errors"]
    assert (
        error["message"] == "The number 1e400 is too large: a Float holds finite numbers up to about 1.8e308."
    )
    assert "data" not in response.json()
