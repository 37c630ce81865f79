"""How many Cypher round trips one GraphQL request costs, whatever the size of the graph: one statement answers
all of a query's root fields (see `graphql/engine.py`).

A round trip is a statement the app reports to its `on_statement` hook (`conftest.STATEMENTS`), which sees every
statement the service sends; the tests count those of one request.
"""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver

from clustergraph.loader import write_plan
from clustergraph.settings import Settings
from clustergraph.synthetic import SCALES, generate
from conftest import gql_data, gql_sent, run_cypher

pytestmark = [
    pytest.mark.integration,
    # The `client` fixture imports starlette.testclient, which warns when httpx2 is missing; the suite turns
    # warnings into errors.
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]

CITY_PAGE, CLUSTER_PAGE, ENTERPRISE_PAGE = 25, 30, 15

#: Three list levels (cities, clusters, enterprises) and two to-one fields at one level (county, industry).
NESTED = f"""
{{
  cities(first: {CITY_PAGE}) {{
    nodes {{
      name
      clusters(first: {CLUSTER_PAGE}) {{
        nodes {{
          name
          county {{ name }}
          industry {{ name }}
          enterprises(first: {ENTERPRISE_PAGE}) {{ nodes {{ name }} }}
        }}
      }}
    }}
  }}
}}
"""

SHAPE = """
CALL () { MATCH (city:City) RETURN count(city) AS cities }
CALL () {
  MATCH (city:City) OPTIONAL MATCH (city)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster)
  WITH city, count(DISTINCT c) AS n RETURN max(n) AS clustersPerCity
}
CALL () {
  MATCH (c:Cluster) RETURN count(c) AS clusters, max(COUNT { (c)<-[:MEMBER_OF]-(:Enterprise) }) AS membersPerCluster
}
CALL () { MATCH (:Enterprise)-[m:MEMBER_OF]->(:Cluster) RETURN count(m) AS memberships }
RETURN cities, clustersPerCity, clusters, membersPerCluster, memberships
"""


def round_trips(client: Any, document: str) -> tuple[int, dict[str, Any]]:
    """(round trips made while answering `document`, the response body)."""
    statements, body = gql_sent(client, document)
    return len(statements), body


def nested_run(client: Any, driver: Driver, settings: Settings) -> dict[str, Any]:
    """Run NESTED; return its round trips, the rows it returned and the graph's shape from Cypher."""
    shape = run_cypher(driver, settings, SHAPE)[0]
    assert shape["cities"] <= CITY_PAGE, shape
    assert shape["clustersPerCity"] <= CLUSTER_PAGE, shape
    assert shape["membersPerCluster"] <= ENTERPRISE_PAGE, shape
    trips, body = round_trips(client, NESTED)
    assert "errors" not in body, body["errors"]
    cities = body["data"]["cities"]["nodes"]
    clusters = [c for city in cities for c in city["clusters"]["nodes"]]
    enterprises = [e for c in clusters for e in c["enterprises"]["nodes"]]
    rows = {"cities": len(cities), "clusters": len(clusters), "memberships": len(enterprises)}
    # Every page is large enough for the whole graph, so the answer holds all of it.
    assert rows == {k: shape[k] for k in rows}, (rows, shape)
    assert all(c["county"] and c["industry"] for c in clusters)
    return {"round_trips": trips, "rows": rows}


@pytest.fixture
def real_dataset_run(client: Any, dataset_graph: Driver, settings: Settings) -> dict[str, Any]:
    """NESTED on the real dataset (run before `empty_graph` empties the database)."""
    return nested_run(client, dataset_graph, settings)


def test_nested_query_round_trips_do_not_grow_with_the_graph(
    client: Any, real_dataset_run: dict[str, Any], empty_graph: Driver, settings: Settings
) -> None:
    """A three-level query (cities > clusters > county, industry, enterprises) costs one round trip, on the real
    dataset and on a synthetic graph ten times larger, which really returns about ten times more clusters and
    memberships."""
    write_plan(empty_graph, settings.neo4j_database, generate(SCALES["small"]))
    large = nested_run(client, empty_graph, settings)
    assert real_dataset_run["round_trips"] == 1
    assert large["round_trips"] == 1
    real = real_dataset_run
    assert large["rows"]["clusters"] >= 8 * real["rows"]["clusters"], (real["rows"], large)
    assert large["rows"]["memberships"] >= 8 * real["rows"]["memberships"], (real["rows"], large)


def test_total_count_alone_is_one_round_trip(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """A query asking only a list's totalCount runs exactly one round trip (no page of rows is read)."""
    trips, body = round_trips(client, "{ clusters { totalCount } }")
    expected = run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN count(c) AS n")[0]["n"]
    assert body == {"data": {"clusters": {"totalCount": expected}}}
    assert trips == 1


def test_nested_total_counts_are_one_round_trip(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """The totalCount of a nested list, for every parent: still one round trip."""
    trips, body = round_trips(
        client,
        f"{{ cities(first: {CITY_PAGE}) {{ nodes {{ key clusters {{ totalCount }} }} }} }}",
    )
    assert "errors" not in body, body["errors"]
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (city:City) RETURN city.id AS key, "
        "COUNT { MATCH (city)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster) RETURN DISTINCT c } AS n",
    )
    assert {n["key"]: n["clusters"]["totalCount"] for n in body["data"]["cities"]["nodes"]} == {
        r["key"]: r["n"] for r in rows
    }
    assert trips == 1


def test_sibling_root_fields_are_one_statement(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """Two aliased root lists (a: clusters, b: clusters), each answering its own order: one statement answers both."""
    document = """
    {
      a: clusters(first: 5, orderBy: [{field: NAME, direction: ASC}]) { nodes { key } }
      b: clusters(first: 5, orderBy: [{field: NAME, direction: DESC}]) { nodes { key } }
    }
    """
    trips, body = round_trips(client, document)
    assert "errors" not in body, body["errors"]
    ascending = [
        r["key"]
        for r in run_cypher(
            dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key ORDER BY c.name, c.id"
        )
    ]
    descending = [
        r["key"]
        for r in run_cypher(
            dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key ORDER BY c.name DESC, c.id"
        )
    ]
    assert [n["key"] for n in body["data"]["a"]["nodes"]] == ascending[:5]
    assert [n["key"] for n in body["data"]["b"]["nodes"]] == descending[:5]
    assert trips == 1


def test_many_sibling_root_fields_do_not_share_a_session(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """Ten aliased root fields of different kinds, all read at once, all answer correctly."""
    counts = {
        r["label"]: r["n"]
        for r in run_cypher(
            dataset_graph, settings, "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n"
        )
    }
    fields = {
        "provinces": "Province",
        "cities": "City",
        "counties": "County",
        "industries": "Industry",
        "clusters": "Cluster",
        "enterprises": "Enterprise",
        "recognitions": "Recognition",
        "batches": "Batch",
        "recognitionYears": "RecognitionYear",
    }
    document = (
        "{ " + " ".join(f"{f}: {f} {{ totalCount }}" for f in fields) + " again: clusters { totalCount } }"
    )
    data = gql_data(client, document)
    assert {f: data[f]["totalCount"] for f in fields} == {
        f: counts.get(label, 0) for f, label in fields.items()
    }
    assert data["again"]["totalCount"] == counts["Cluster"]
