"""The checks and Cypher of geo inputs (`cypher.builder`): points, distances, the DISTANCE order and its cursors."""

from __future__ import annotations

import math

import pytest

from clustergraph.cypher.builder import (
    MAX_DISTANCE_KM,
    Params,
    QueryInputError,
    check_km,
    check_point,
    decode_cursor,
    encode_cursor,
    resolve_order,
    where_condition,
)
from clustergraph.graph_model import TYPES


@pytest.mark.parametrize(("lat", "lon"), [(-90, -180), (90, 180), (0, 0), (30.67, 104.07)])
def test_points_on_the_globe_are_taken(lat: float, lon: float) -> None:
    assert check_point(lat, lon, "lat", "lon") == (float(lat), float(lon))


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (90.001, 0, "lat: 90.001 is not a latitude"),
        (-91, 0, "lat: -91 is not a latitude"),
        (0, 180.5, "lon: 180.5 is not a longitude"),
        (0, -200, "lon: -200 is not a longitude"),
        (math.nan, 0, "lat: nan is not a finite number"),
        (0, math.inf, "lon: inf is not a finite number"),
    ],
)
def test_points_off_the_globe_are_refused_naming_the_argument(lat: float, lon: float, message: str) -> None:
    with pytest.raises(QueryInputError, match=message):
        check_point(lat, lon, "lat", "lon")


def test_distances_are_bounded() -> None:
    """0 is a distance for a filter's bound, not for a radius; beyond half the Earth's circumference is refused."""
    assert check_km(0, "gte") == 0
    assert check_km(MAX_DISTANCE_KM, "radiusKm", above_zero=True) == MAX_DISTANCE_KM
    with pytest.raises(QueryInputError, match=r"radiusKm: 0 km is not a distance: give more than 0$"):
        check_km(0, "radiusKm", above_zero=True)
    with pytest.raises(QueryInputError, match="lte: -1 km is not a distance: give 0 or more"):
        check_km(-1, "lte")
    with pytest.raises(QueryInputError, match="is more than the maximum"):
        check_km(MAX_DISTANCE_KM + 1, "lte")


def test_a_distance_filter_is_point_distance_in_metres_over_parameters() -> None:
    """Request values (the point, the bound in km) are parameters; the bound is converted to metres."""
    params = Params()
    where = {"location": {"distance": {"from_": {"latitude": 30.67, "longitude": 104.07}, "lte": 150}}}
    condition = where_condition(TYPES["City"], where, "c", params)
    assert condition == "(point.distance(c.location, point({latitude: $p0, longitude: $p1})) <= $p2)"
    assert params.values == {"p0": 30.67, "p1": 104.07, "p2": 150_000.0}
    params = Params()
    condition = where_condition(TYPES["Cluster"], {"location": {"is_null": True}}, "n", params)
    assert condition == (
        "(COLLECT { MATCH (n)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(v:City) RETURN v.location LIMIT 1 }[0] IS NULL)"
    )


def test_a_distance_order_needs_its_point_and_its_cursors_are_bound_to_it() -> None:
    """DISTANCE takes the point of its item; a cursor made from one point is refused for another."""
    cities = TYPES["City"]
    with pytest.raises(QueryInputError, match=r"orderBy\[0\].from: DISTANCE needs the point"):
        resolve_order(cities, [("DISTANCE", False)])
    with pytest.raises(QueryInputError, match=r"orderBy\[1\].from: only DISTANCE takes a point, not NAME"):
        resolve_order(cities, [("DISTANCE", False), ("NAME", False)], {0: (30.0, 104.0), 1: (30.0, 104.0)})
    here = resolve_order(cities, [("DISTANCE", False)], {0: (30.67, 104.07)})
    there = resolve_order(cities, [("DISTANCE", False)], {0: (29.2, 102.9)})
    cursor = encode_cursor(here, [1234.5, "510100"])
    assert decode_cursor(here, cursor, "after") == [1234.5, "510100"]
    with pytest.raises(QueryInputError, match="after: the cursor was made for another list or orderBy"):
        decode_cursor(there, cursor, "after")
