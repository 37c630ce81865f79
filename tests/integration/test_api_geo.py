"""Geo questions: `location` (GeoPoint and GeoJSON), distance filters, `orderBy: DISTANCE` and `near`, against the
test Neo4j with the real dataset.

Every expected answer is an independent Cypher query with `point.distance` over the stored `City.location` (a
cluster's location is its city's seat: the data locates neither clusters nor counties). Walks follow the API's own
cursors, forward (first/after) and backward (last/before), with several page sizes.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from neo4j import Driver
from test_api_pagination import flatten, walk_backward, walk_forward

from clustergraph.settings import Settings
from conftest import STATEMENTS, gql, gql_data, run_cypher

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
]

#: Chengdu's seat as the dataset gives it (data/cities.csv), a point between cities, and one far to the west.
CHENGDU = {"latitude": 30.67, "longitude": 104.07}
POINTS = [CHENGDU, {"latitude": 29.2, "longitude": 102.9}, {"latitude": 31.9, "longitude": 98.6}]

CLUSTER_DISTANCES = """
MATCH (n:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City)
WITH n, point.distance(c.location, point({latitude: $lat, longitude: $lon})) AS d
WHERE d <= $metres
RETURN n.id AS key, d ORDER BY d, n.id
"""

NEAR_QUERY = """
query($lat: Float!, $lon: Float!, $km: Float!, $where: ClusterWhere,
      $first: Int, $after: String, $last: Int, $before: String) {
  near(latitude: $lat, longitude: $lon, radiusKm: $km, where: $where,
       first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor distanceKm node { key } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def near_page(client: Any, point: dict[str, float], km: float, **variables: Any) -> dict[str, Any]:
    data = gql_data(
        client, NEAR_QUERY, {"lat": point["latitude"], "lon": point["longitude"], "km": km, **variables}
    )
    return data["near"]  # type: ignore[no-any-return]


def cluster_distances(driver: Driver, settings: Settings, point: dict[str, float], km: float) -> list[dict]:
    return run_cypher(
        driver, settings, CLUSTER_DISTANCES, lat=point["latitude"], lon=point["longitude"], metres=km * 1000
    )


@pytest.mark.parametrize(
    ("point", "km"), [(CHENGDU, 150), (POINTS[1], 250), (POINTS[2], 600), (CHENGDU, 20000)]
)
def test_near_answers_the_clusters_and_distances_of_cypher_point_distance(
    client: Any, dataset_graph: Driver, settings: Settings, point: dict[str, float], km: float
) -> None:
    """`near` returns exactly the clusters within the radius that Cypher's point.distance finds, nearest first and
    then by key, each with its distance in km."""
    expected = cluster_distances(dataset_graph, settings, point, km)
    assert expected
    conn = near_page(client, point, km, first=100)
    assert conn["totalCount"] == len(expected)
    assert [e["node"]["key"] for e in conn["edges"]] == [r["key"] for r in expected]
    assert [e["distanceKm"] for e in conn["edges"]] == pytest.approx([r["d"] / 1000 for r in expected])


@pytest.mark.parametrize("size", [1, 3, 7])
@pytest.mark.parametrize(("point", "km"), [(CHENGDU, 150), (POINTS[1], 400)])
def test_near_pages_forward_and_backward_in_cypher_order(
    client: Any, dataset_graph: Driver, settings: Settings, point: dict[str, float], km: float, size: int
) -> None:
    """Following endCursor (first/after) from the start, and startCursor (last/before) from the end, visits each
    cluster within the radius once, in Cypher's order: ties of distance (a city's clusters) are crossed by key."""
    expected = [r["key"] for r in cluster_distances(dataset_graph, settings, point, km)]
    assert len(expected) > size
    fetch = partial(near_page, client, point, km)
    forward = walk_forward(fetch, size, len(expected) + 2)
    backward = walk_backward(fetch, size, len(expected) + 2)
    assert flatten(forward) == expected
    assert flatten(backward) == expected
    assert len(forward) == -(-len(expected) // size)


def test_near_with_a_filter_is_cypher_with_the_same_condition(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """The cookbook's question: national clusters within 150 km of Chengdu; `where` narrows `near` as Cypher's
    condition does."""
    expected = run_cypher(
        dataset_graph,
        settings,
        "MATCH (n:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City) "
        "WHERE EXISTS { (n)-[:RECOGNIZED]->(:Recognition {level: 'NATIONAL'}) } "
        "WITH n, point.distance(c.location, point({latitude: 30.67, longitude: 104.07})) AS d WHERE d <= 150000 "
        "RETURN n.id AS key ORDER BY d, n.id",
    )
    assert expected
    where = {"recognitions": {"some": {"level": {"eq": "NATIONAL"}}}}
    conn = near_page(client, CHENGDU, 150, first=100, where=where)
    assert [e["node"]["key"] for e in conn["edges"]] == [r["key"] for r in expected]
    assert conn["totalCount"] == len(expected)


def test_near_with_a_location_filter_of_its_own_is_a_ring(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """A `where` with its own distance test joins the radius: at least 100 km from Chengdu and within 300 km."""
    expected = [
        r["key"] for r in cluster_distances(dataset_graph, settings, CHENGDU, 300) if r["d"] >= 100_000
    ]
    assert expected
    where = {"location": {"distance": {"from": CHENGDU, "gte": 100}}}
    conn = near_page(client, CHENGDU, 300, first=100, where=where)
    assert [e["node"]["key"] for e in conn["edges"]] == expected
    assert min(e["distanceKm"] for e in conn["edges"]) >= 100


CITY_FILTERS = {
    # where, the Cypher condition on city `c` with `d` its distance in metres from Chengdu
    "within 200 km": ({"location": {"distance": {"from": CHENGDU, "lte": 200}}}, "d <= 200000"),
    "a ring": (
        {"location": {"distance": {"from": CHENGDU, "gt": 100, "lt": 300}}},
        "d > 100000 AND d < 300000",
    ),
    "far": ({"location": {"distance": {"from": CHENGDU, "gte": 300}}}, "d >= 300000"),
    "in an OR": (
        {"OR": [{"location": {"distance": {"from": CHENGDU, "lt": 80}}}, {"name": {"eq": "Xichang"}}]},
        "d < 80000 OR c.name = 'Xichang'",
    ),
    "NOT near": ({"NOT": {"location": {"distance": {"from": CHENGDU, "lte": 250}}}}, "NOT d <= 250000"),
    "with a location": ({"location": {"isNull": False}}, "c.location IS NOT NULL"),
}


@pytest.mark.parametrize("name", list(CITY_FILTERS))
def test_city_distance_filters_match_cypher(
    client: Any, dataset_graph: Driver, settings: Settings, name: str
) -> None:
    """A city's `location` filter keeps the cities Cypher's point.distance keeps."""
    where, condition = CITY_FILTERS[name]
    expected = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:City) WITH c, point.distance(c.location, point({latitude: 30.67, longitude: 104.07})) AS d "
        f"WHERE {condition} RETURN c.id AS key ORDER BY key",
    )
    data = gql_data(
        client,
        "query($w: CityWhere) { cities(where: $w, first: 100, orderBy: [{field: KEY}]) { totalCount nodes { key } } }",
        {"w": where},
    )
    assert [n["key"] for n in data["cities"]["nodes"]] == [r["key"] for r in expected]
    assert data["cities"]["totalCount"] == len(expected)


CLUSTER_FILTERS = {
    "own location": {"location": {"distance": {"from": CHENGDU, "lte": 150}}},
    "through the city": {"city": {"location": {"distance": {"from": CHENGDU, "lte": 150}}}},
    "in an AND, with another test": {
        "AND": [
            {"location": {"distance": {"from": CHENGDU, "lte": 150}}},
            {"outputValueCny": {"isNull": False}},
        ]
    },
}


@pytest.mark.parametrize("name", list(CLUSTER_FILTERS))
def test_cluster_distance_filters_match_cypher(
    client: Any, dataset_graph: Driver, settings: Settings, name: str
) -> None:
    """A cluster's `location` filter, its city's, and one inside AND, keep the clusters whose city's seat is
    within the distance (and, for the AND, that have a stated output value)."""
    extra = " AND n.outputValueCny IS NOT NULL" if name.startswith("in an AND") else ""
    expected = run_cypher(
        dataset_graph,
        settings,
        "MATCH (n:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City) "
        f"WHERE point.distance(c.location, point({{latitude: 30.67, longitude: 104.07}})) <= 150000{extra} "
        "RETURN n.id AS key ORDER BY key",
    )
    assert expected
    for nested in (False, True):
        if nested:  # the same filter on a nested list: each industry's clusters
            data = gql_data(
                client,
                "query($w: ClusterWhere) { industries(first: 100) { nodes { "
                "clusters(where: $w, first: 100, orderBy: [{field: KEY}]) { nodes { key } } } } }",
                {"w": CLUSTER_FILTERS[name]},
            )
            keys = sorted(n["key"] for i in data["industries"]["nodes"] for n in i["clusters"]["nodes"])
        else:
            data = gql_data(
                client,
                "query($w: ClusterWhere) { clusters(where: $w, first: 100, orderBy: [{field: KEY}]) "
                "{ totalCount nodes { key } } }",
                {"w": CLUSTER_FILTERS[name]},
            )
            keys = [n["key"] for n in data["clusters"]["nodes"]]
            assert data["clusters"]["totalCount"] == len(expected)
        assert keys == [r["key"] for r in expected]


ORDER_QUERY = """
query($o: [{type}Order!], $first: Int, $after: String, $last: Int, $before: String) {{
  {list}(orderBy: $o, first: $first, after: $after, last: $last, before: $before) {{
    edges {{ cursor node {{ key }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }}
}}
"""

#: (root list, its type, the Cypher pattern from `n` to the city `c` holding its location).
LOCATED_LISTS = [("cities", "City", "(n:City) WITH n, n AS c"), ("clusters", "Cluster",
                 "(n:Cluster) OPTIONAL MATCH (n)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City) WITH n, c")]  # fmt: skip


def distance_order(
    driver: Driver, settings: Settings, match: str, point: dict[str, float], direction: str, **params: Any
) -> list[str]:
    query = (
        f"MATCH {match} WITH n, point.distance(c.location, point({{latitude: $lat, longitude: $lon}})) AS s "
        f"RETURN n.id AS key ORDER BY s IS NULL, s {direction}, n.id"
    )
    rows = run_cypher(driver, settings, query, lat=point["latitude"], lon=point["longitude"], **params)
    return [r["key"] for r in rows]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("point", POINTS, ids=["chengdu", "between", "west"])
@pytest.mark.parametrize(("list_field", "type_name", "match"), LOCATED_LISTS, ids=["cities", "clusters"])
def test_order_by_distance_walks_both_ways_in_cypher_order(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    list_field: str,
    type_name: str,
    match: str,
    point: dict[str, float],
    direction: str,
) -> None:
    """`orderBy: [{field: DISTANCE, from}]` sorts cities, and clusters, by the distance from the point, ties by
    key; walked forward and backward with cursors it visits each node once in Cypher's order."""
    expected = distance_order(dataset_graph, settings, match, point, direction)
    query = ORDER_QUERY.format(type=type_name, list=list_field)
    order_by = [{"field": "DISTANCE", "direction": direction, "from": point}]

    def fetch(**variables: Any) -> dict[str, Any]:
        return gql_data(client, query, {**variables, "o": order_by})[list_field]  # type: ignore[no-any-return]

    for size in (2, 5):
        assert flatten(walk_forward(fetch, size, len(expected) + 2)) == expected
        assert flatten(walk_backward(fetch, size, len(expected) + 2)) == expected


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_a_nested_list_orders_by_distance_both_ways(
    client: Any, dataset_graph: Driver, settings: Settings, direction: str
) -> None:
    """A nested list (the clusters of the industry with the most) sorted by DISTANCE walks both ways in Cypher's
    order: distance from the point, nulls last, then key."""
    [row] = run_cypher(
        dataset_graph,
        settings,
        "MATCH (i:Industry) RETURN i.id AS key ORDER BY COUNT { (i)<-[:IN_INDUSTRY]-(:Cluster) } DESC, key LIMIT 1",
    )
    point = POINTS[1]
    match = (
        "(:Industry {id: $industry})<-[:IN_INDUSTRY]-(n:Cluster) "
        "OPTIONAL MATCH (n)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City) WITH n, c"
    )
    expected = distance_order(dataset_graph, settings, match, point, direction, industry=row["key"])
    query = """
    query($i: ID!, $o: [ClusterOrder!], $first: Int, $after: String, $last: Int, $before: String) {
      industry(id: $i) { clusters(orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { key } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      } }
    }"""
    order_by = [{"field": "DISTANCE", "direction": direction, "from": point}]

    def fetch(**variables: Any) -> dict[str, Any]:
        data = gql_data(client, query, {**variables, "i": row["key"], "o": order_by})
        return data["industry"]["clusters"]  # type: ignore[no-any-return]

    assert len(expected) > 3
    assert flatten(walk_forward(fetch, 3, len(expected) + 2)) == expected
    assert flatten(walk_backward(fetch, 3, len(expected) + 2)) == expected


def test_order_by_distance_puts_unlocated_cities_last_both_ways(
    client: Any, fresh_dataset_graph: Driver, settings: Settings
) -> None:
    """A city without a location (a write may leave it unset) comes last, nearest-first or farthest-first, and
    walks still visit every city once."""
    run_cypher(fresh_dataset_graph, settings, "MATCH (c:City {id: '510300'}) REMOVE c.location")
    query = ORDER_QUERY.format(type="City", list="cities")
    for direction in ("ASC", "DESC"):
        expected = distance_order(fresh_dataset_graph, settings, LOCATED_LISTS[0][2], CHENGDU, direction)
        assert expected[-1] == "510300"
        order_by = [{"field": "DISTANCE", "direction": direction, "from": CHENGDU}]

        def fetch(o: list[dict[str, Any]] = order_by, **variables: Any) -> dict[str, Any]:
            return gql_data(client, query, {**variables, "o": o})["cities"]  # type: ignore[no-any-return]

        assert flatten(walk_forward(fetch, 4, 10)) == expected
        assert flatten(walk_backward(fetch, 4, 10)) == expected
    data = gql_data(client, '{ city(id: "510300") { location { latitude } latitude } }')
    assert data == {"city": {"location": None, "latitude": None}}


def test_locations_and_geojson_are_the_stored_points(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """Every city's `location` is its stored point, as coordinates and as a GeoJSON Point ([longitude, latitude]);
    a cluster's is its city's; the deprecated latitude and longitude fields agree."""
    cities = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:City) RETURN c.id AS key, c.location.latitude AS lat, c.location.longitude AS lon ORDER BY key",
    )
    data = gql_data(
        client,
        "{ cities(first: 100, orderBy: [{field: KEY}]) { nodes { key latitude longitude "
        "location { latitude longitude geoJson { type coordinates } } } } }",
    )
    assert data["cities"]["nodes"] == [
        {
            "key": c["key"],
            "latitude": c["lat"],
            "longitude": c["lon"],
            "location": {
                "latitude": c["lat"],
                "longitude": c["lon"],
                "geoJson": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
            },
        }
        for c in cities
    ]
    clusters = run_cypher(
        dataset_graph,
        settings,
        "MATCH (n:Cluster) OPTIONAL MATCH (n)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City) "
        "RETURN n.id AS key, c.location.latitude AS lat, c.location.longitude AS lon ORDER BY key",
    )
    data = gql_data(
        client,
        "{ clusters(first: 100, orderBy: [{field: KEY}]) { nodes { key location { geoJson { coordinates } } } } }",
    )
    assert [(n["key"], n["location"]["geoJson"]["coordinates"]) for n in data["clusters"]["nodes"]] == [
        (c["key"], [c["lon"], c["lat"]]) for c in clusters
    ]


def _operators(plan: Any) -> list[str]:
    return [f"{plan['operatorType'].split('@')[0]} {plan['args'].get('Details', '')}"] + [
        op for child in plan.get("children", []) for op in _operators(child)
    ]


@pytest.mark.parametrize(
    "query",
    [
        "{ near(latitude: 30.67, longitude: 104.07, radiusKm: 150, first: 5) "
        "{ totalCount edges { distanceKm node { key } } } }",
        "{ cities(where: {location: {distance: {from: {latitude: 30.67, longitude: 104.07}, lte: 150}}}) "
        "{ nodes { key } } }",
        "{ clusters(where: {location: {distance: {from: {latitude: 30.67, longitude: 104.07}, lte: 150}}}, "
        "orderBy: [{field: OUTPUT_VALUE_CNY, direction: DESC}]) { nodes { key } } }",
    ],
    ids=["near", "cities", "clusters"],
)
def test_distance_questions_seek_the_point_index(
    client: Any, dataset_graph: Driver, settings: Settings, query: str
) -> None:
    """The statement the service sends for a distance question finds its cities by a seek of the City.location
    point index (PROFILE of that very statement): no label scan of cities."""
    response = client.post("/graphql", json={"query": query})
    assert "errors" not in response.json(), response.json()
    ((statement, params),) = STATEMENTS.sent(response)
    _, summary, _ = dataset_graph.execute_query(
        "PROFILE " + statement, params, database_=settings.neo4j_database
    )  # type: ignore[arg-type]
    operators = _operators(summary.profile)
    seeks = [op for op in operators if op.startswith("NodeIndexSeekByRange POINT INDEX")]
    assert seeks, operators
    assert "point.distance(location" in seeks[0], operators
    assert not any(op.startswith(("NodeByLabelScan", "AllNodesScan")) for op in operators), operators


REFUSED = {
    "latitude above 90": (
        "{ near(latitude: 91, longitude: 104, radiusKm: 10) { totalCount } }",
        "latitude: 91 is not a latitude",
    ),
    "longitude below -180": (
        "{ near(latitude: 30, longitude: -181.5, radiusKm: 10) { totalCount } }",
        "longitude: -181.5 is not a longitude",
    ),
    "radius 0": ("{ near(latitude: 30, longitude: 104, radiusKm: 0) { totalCount } }", "radiusKm: 0 km"),
    "negative radius": (
        "{ near(latitude: 30, longitude: 104, radiusKm: -5) { totalCount } }",
        "radiusKm: -5 km",
    ),
    "radius too large": (
        "{ near(latitude: 30, longitude: 104, radiusKm: 30000) { totalCount } }",
        "radiusKm: 30000 km is more than the maximum 20040 km",
    ),
    "filter latitude": (
        "{ cities(where: {location: {distance: {from: {latitude: 100, longitude: 104}, lte: 5}}}) { totalCount } }",
        "where.location.distance.from.latitude: 100 is not a latitude",
    ),
    "nested filter longitude": (
        "{ clusters(where: {OR: [{location: {distance: {from: {latitude: 30, longitude: 200}, lte: 5}}}]}) "
        "{ totalCount } }",
        "where.OR[0].location.distance.from.longitude: 200 is not a longitude",
    ),
    "negative bound": (
        "{ cities(where: {location: {distance: {from: {latitude: 30, longitude: 104}, gt: -1}}}) { totalCount } }",
        "where.location.distance.gt: -1 km is not a distance",
    ),
    "no bound": (
        "{ cities(where: {location: {distance: {from: {latitude: 30, longitude: 104}}}}) { totalCount } }",
        "where.location.distance: give at least one of lt, lte, gt, gte",
    ),
    "DISTANCE without from": (
        "{ cities(orderBy: [{field: DISTANCE}]) { totalCount } }",
        "orderBy[0].from: DISTANCE needs the point to measure from",
    ),
    "from on another key": (
        "{ cities(orderBy: [{field: NAME, from: {latitude: 30, longitude: 104}}]) { totalCount } }",
        "orderBy[0].from: only DISTANCE takes a point, not NAME",
    ),
    "order point out of range": (
        "{ cities(orderBy: [{field: DISTANCE, from: {latitude: -95, longitude: 104}}]) { totalCount } }",
        "orderBy[0].from.latitude: -95 is not a latitude",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_invalid_geo_input_is_a_clear_error_on_its_field(
    client: Any, dataset_graph: Driver, name: str
) -> None:
    """A point out of range, a radius not above 0 or beyond the maximum, a filter without a bound, DISTANCE without
    its point: BAD_USER_INPUT on the field, saying which argument and which value."""
    query, message = REFUSED[name]
    body = gql(client, query)
    (error,) = body["errors"]
    assert message in error["message"], error
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert list(body["data"].values()) == [None]


def test_a_cursor_of_another_point_is_refused(client: Any, dataset_graph: Driver) -> None:
    """A `near` cursor holds the distance from its point: used with another point it is refused, not misread."""
    conn = near_page(client, CHENGDU, 300, first=2)
    body = gql(
        client,
        NEAR_QUERY,
        {"lat": 29.2, "lon": 102.9, "km": 300, "first": 2, "after": conn["pageInfo"]["endCursor"]},
    )
    (error,) = body["errors"]
    assert "after: the cursor was made for another list or orderBy" in error["message"]
