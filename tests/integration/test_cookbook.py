"""The README's query cookbook runs as written: every ```graphql block of the "## Query cookbook" section (with the
```json variables block right after it, if any) is sent through the API, must answer without errors, and a key
part of its answer is checked against an independent Cypher query.

Each block is known by its bold title line; CHECKERS maps every title to its check, so a block added, removed or
renamed without its checker fails the suite.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from neo4j import Driver

from clustergraph.playground.cookbook import SECTION, Block, cookbook_section, read_cookbook
from clustergraph.settings import Settings
from conftest import RELATED_CLUSTERS_EXPECTED, ROOT, gql, run_cypher

pytestmark = [
    pytest.mark.integration,
    # The `client` fixture imports starlette.testclient, which warns when httpx2 is missing; the suite turns
    # warnings into errors.
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]

README = ROOT / "README.md"
EXPECTED_BLOCKS = 13

BLOCKS = read_cookbook(README)


@dataclass
class Ctx:
    client: Any
    driver: Driver
    settings: Settings
    block: Block

    def cypher(self, statement: str, **params: Any) -> list[dict[str, Any]]:
        return run_cypher(self.driver, self.settings, statement, **params)


def gid(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def decode_gid(value: str) -> tuple[str, str]:
    type_name, _, key = base64.b64decode(value).decode().partition(":")
    return type_name, key


def literal(block: Block, pattern: str) -> str:
    """A literal argument of the block's document (what the example asks about), found by a regex group."""
    found = re.search(pattern, block.query)
    assert found, f"{block.title!r}: {pattern!r} not in the example any more"
    return found.group(1)


# --- the checks, one per example -----------------------------------------------------------------------------


def check_cluster_cards(data: dict[str, Any], ctx: Ctx) -> None:
    variables = ctx.block.variables
    assert variables is not None, "the frontend example needs its variables block"
    first = variables.get("first", 10)
    rows = ctx.cypher(
        "MATCH (c:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City) WHERE toLower(city.name) = toLower($city) "
        "OPTIONAL MATCH (c)-[:IN_INDUSTRY]->(i:Industry) "
        "RETURN c.id AS key, c.name AS name, c.nameZh AS nameZh, i.id AS industry, city.name AS city "
        "ORDER BY c.name, c.id",
        city=variables["city"],
    )
    assert len(rows) > first, "the example's city should have more clusters than one page"
    cards = data["cards"]
    assert cards["totalCount"] == len(rows)
    assert cards["pageInfo"]["hasNextPage"] is True
    assert len(cards["nodes"]) == first
    for card, row in zip(cards["nodes"], rows, strict=False):
        assert card["__typename"] == "Cluster"
        assert card["id"] == gid("Cluster", row["key"])
        assert (card["key"], card["title"], card["titleZh"]) == (row["key"], row["name"], row["nameZh"])
        assert card["industry"]["__typename"] == "Industry"
        assert card["industry"]["key"] == row["industry"]
        assert card["county"]["city"]["name"] == row["city"]


def check_city_industries(data: dict[str, Any], ctx: Ctx) -> None:
    key = literal(ctx.block, r'city\(id: "([^"]+)"\)')
    rows = ctx.cypher(
        "MATCH (:City {id: $key})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster)-[:IN_INDUSTRY]->(i:Industry) "
        "RETURN i.id AS key, i.name AS name, count(DISTINCT c) AS n",
        key=key,
    )
    expected = [(r["key"], r["n"]) for r in sorted(rows, key=lambda r: (-r["n"], r["name"]))]
    assert len(expected) > 1
    city = data["city"]
    assert [(i["industry"]["key"], i["clusterCount"]) for i in city["industries"]] == expected
    clusters = ctx.cypher(
        "MATCH (:City {id: $key})<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster) RETURN c.id AS key "
        "ORDER BY c.name, c.id",
        key=key,
    )
    assert city["clusters"]["totalCount"] == len(clusters)
    assert [n["key"] for n in city["clusters"]["nodes"]] == [r["key"] for r in clusters]


def check_new_national(data: dict[str, Any], ctx: Ctx) -> None:
    year = int(literal(ctx.block, r"recognitionYear\(year: (\d+)\)"))
    rows = ctx.cypher(
        """
        MATCH (y:RecognitionYear {year: $year})<-[:IN_YEAR]-(r:Recognition {level: 'NATIONAL'})<-[:RECOGNIZED]-(c:Cluster)
        WHERE NOT EXISTS { MATCH (c)-[:RECOGNIZED]->(e:Recognition) WHERE e.year < y.year }
        RETURN DISTINCT c.id AS key, c.name AS name ORDER BY name, key
        """,
        year=year,
    )
    assert rows
    clusters = data["recognitionYear"]["clusters"]
    assert clusters["totalCount"] == len(rows)
    assert [n["key"] for n in clusters["nodes"]] == [r["key"] for r in rows]


def check_coverage(data: dict[str, Any], ctx: Ctx) -> None:
    key = literal(ctx.block, r'batch\(id: "([^"]+)"\)')
    row = ctx.cypher(
        "MATCH (b:Batch {id: $key}) RETURN b.officialCountSichuan AS official, "
        "[(b)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(c:Cluster) | c] AS clusters",
        key=key,
    )[0]
    batch = data["batch"]
    named = len(row["clusters"])
    assert batch["officialCountSichuan"] == row["official"] == 36
    assert batch["namedCount"] == named
    assert batch["missingCount"] == row["official"] - named
    names = sorted((c["name"], c["id"]) for c in row["clusters"])
    assert [n["key"] for n in batch["clusters"]["nodes"]] == [k for _, k in names]
    figures = ctx.cypher(
        "MATCH (:Batch {id: $key})-[:STATES]->(f:BatchFigure) RETURN f.figure AS figure, f.value AS value, "
        "f.bound AS bound, f.sources AS sources",
        key=key,
    )
    got = {f["figure"]: f for f in batch["figures"]["nodes"]}
    assert {f["figure"]: (f["value"], f["bound"], f["sources"]) for f in figures} == {
        k: (f["value"], f["bound"], f["sources"]) for k, f in got.items()
    }
    assert got["CLUSTERS"]["inGraph"] == named


def check_search(data: dict[str, Any], ctx: Ctx) -> None:
    text = literal(ctx.block, r'search\(text: "([^"]+)"')
    first = int(literal(ctx.block, r"search\(text: \"[^\"]+\", first: (\d+)\)"))
    rows = ctx.cypher(
        "CALL db.index.fulltext.queryNodes('name_search', $text) YIELD node, score "
        "RETURN labels(node)[0] AS label, node.id AS key, score",
        text=text,
    )
    expected = [(r["label"], r["key"]) for r in sorted(rows, key=lambda r: (-r["score"], r["key"]))][:first]
    assert expected
    hits = data["search"]
    assert [decode_gid(h["node"]["id"]) for h in hits] == expected
    assert [h["node"]["__typename"] for h in hits] == [label for label, _ in expected]
    assert all("玻纤" in h["node"]["nameZh"] for h in hits if "nameZh" in h["node"])


def check_related(data: dict[str, Any], ctx: Ctx) -> None:
    key = literal(ctx.block, r'cluster\(id: "([^"]+)"\)')
    first = int(literal(ctx.block, r"relatedClusters\(first: (\d+)\)"))
    rows = ctx.cypher(
        RELATED_CLUSTERS_EXPECTED + "ORDER BY score DESC, shared DESC, county DESC, city DESC, key",
        key=key,
    )
    assert rows
    expected = [
        (
            r["key"],
            float(r["score"]),
            sorted(
                name
                for name, present in (
                    ("SAME_INDUSTRY", r["industry"]),
                    ("SAME_CITY", r["city"]),
                    ("SAME_COUNTY", r["county"]),
                    ("SHARED_ENTERPRISE", r["shared"] > 0),
                )
                if present
            ),
        )
        for r in rows[:first]
    ]
    related = data["cluster"]["relatedClusters"]
    assert [(r["cluster"]["key"], r["score"], sorted(r["reasons"])) for r in related] == expected


def check_path(data: dict[str, Any], ctx: Ctx) -> None:
    start = decode_gid(literal(ctx.block, r'from: "([^"]+)"'))
    end = decode_gid(literal(ctx.block, r'to: "([^"]+)"'))
    assert start[0] == end[0] == "Cluster"
    length = ctx.cypher(
        "MATCH (a:Cluster {id: $a}), (b:Cluster {id: $b}) MATCH p = shortestPath((a)-[*..12]-(b)) "
        "RETURN length(p) AS length",
        a=start[1],
        b=end[1],
    )[0]["length"]
    path = data["path"]
    assert path["length"] == length
    assert decode_gid(path["nodes"][0]["id"]) == start
    assert decode_gid(path["nodes"][-1]["id"]) == end
    assert len(path["relationships"]) == length


def check_paginated(data: dict[str, Any], ctx: Ctx) -> None:
    page = int(literal(ctx.block, r"first: (\d+)"))
    rows = ctx.cypher(
        "MATCH (c:Cluster) WHERE EXISTS { (c)-[:RECOGNIZED]->(:Recognition {level: 'NATIONAL'}) } "
        "RETURN c.id AS key ORDER BY c.name DESC, c.id"
    )
    keys = [r["key"] for r in rows]
    assert len(keys) > page, "the example should have a second page"
    clusters = data["clusters"]
    assert clusters["totalCount"] == len(keys)
    assert [e["node"]["key"] for e in clusters["edges"]] == keys[:page]
    assert clusters["pageInfo"]["hasNextPage"] is True
    assert clusters["pageInfo"]["hasPreviousPage"] is False
    assert clusters["pageInfo"]["endCursor"] == clusters["edges"][-1]["cursor"]
    body = gql(ctx.client, ctx.block.query, {"after": clusters["pageInfo"]["endCursor"]})
    assert "errors" not in body, body["errors"]
    second = body["data"]["clusters"]
    assert [e["node"]["key"] for e in second["edges"]] == keys[page : 2 * page]
    assert second["pageInfo"]["hasPreviousPage"] is True


def check_aggregates(data: dict[str, Any], ctx: Ctx) -> None:
    industry = literal(ctx.block, r'key: \{ eq: "([^"]+)" \}')
    every = ctx.cypher("MATCH (c:Cluster) WHERE c.outputValueCny IS NOT NULL RETURN c.outputValueCny AS v")
    values = [r["v"] for r in every]
    stats = data["stats"]["outputValueCny"]
    assert stats["count"] == len(values)
    assert stats["sum"] == pytest.approx(sum(values))
    assert (stats["min"], stats["max"]) == (pytest.approx(min(values)), pytest.approx(max(values)))
    assert stats["avg"] == pytest.approx(sum(values) / len(values))
    rows = ctx.cypher(
        "MATCH (c:Cluster)-[:IN_INDUSTRY]->(:Industry {id: $industry}) "
        "RETURN count(c) AS n, count(c.outputValueCny) AS outputs, sum(c.outputValueCny) AS outputSum, "
        "count(c.enterpriseCount) AS counts, sum(c.enterpriseCount) AS countSum, max(c.enterpriseCount) AS countMax",
        industry=industry,
    )[0]
    agg = data["equipment"]["aggregate"]
    assert agg["count"] == rows["n"] > 0
    assert agg["outputValueCny"]["count"] == rows["outputs"]
    assert agg["enterpriseCount"]["count"] == rows["counts"]
    if rows["outputs"]:
        assert agg["outputValueCny"]["sum"] == pytest.approx(rows["outputSum"])
    if rows["counts"]:
        assert agg["enterpriseCount"]["sum"] == pytest.approx(rows["countSum"])
        assert agg["enterpriseCount"]["max"] == pytest.approx(rows["countMax"])


def check_roles(data: dict[str, Any], ctx: Ctx) -> None:
    key = literal(ctx.block, r'cluster\(id: "([^"]+)"\)')
    rows = ctx.cypher(
        "MATCH (:Cluster {id: $key})<-[m:MEMBER_OF]-(e:Enterprise) "
        "RETURN e.id AS key, m.role AS role, m.roleZh AS roleZh, COUNT { (e)-[:MEMBER_OF]->(:Cluster) } AS clusters "
        "ORDER BY e.name, e.id",
        key=key,
    )
    assert rows
    enterprises = data["cluster"]["enterprises"]
    assert enterprises["totalCount"] == len(rows)
    got = [
        (e["node"]["key"], e["role"], e["roleZh"], e["node"]["clusters"]["totalCount"])
        for e in enterprises["edges"]
    ]
    assert got == [(r["key"], r["role"], r["roleZh"], r["clusters"]) for r in rows]


def check_industries_by_cities(data: dict[str, Any], ctx: Ctx) -> None:
    rows = ctx.cypher(
        """
        MATCH (i:Industry)
        RETURN i.id AS key,
               COUNT { MATCH (i)<-[:IN_INDUSTRY]-(:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City)
                       RETURN DISTINCT c } AS cities,
               COUNT { (i)<-[:IN_INDUSTRY]-(:Cluster) } AS clusters
        ORDER BY cities DESC, key
        """
    )
    nodes = data["industries"]["nodes"]
    assert [n["key"] for n in nodes] == [r["key"] for r in rows]
    assert [n["clusters"]["totalCount"] for n in nodes] == [r["clusters"] for r in rows]
    assert [n["cityCount"] for n in nodes] == [r["cities"] for r in rows]
    assert [len(n["cities"]["nodes"]) for n in nodes] == [r["cities"] for r in rows]


def check_timeline(data: dict[str, Any], ctx: Ctx) -> None:
    rows = ctx.cypher(
        """
        MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition)
        WITH r.year AS year, r.level AS level, collect(DISTINCT c) AS clusters
        RETURN year, level, size(clusters) AS n,
               size([c IN clusters WHERE year IS NOT NULL
                     AND NOT EXISTS { MATCH (c)-[:RECOGNIZED]->(e:Recognition) WHERE e.year < year }]) AS new
        """
    )
    timeline = data["stats"]["timeline"]
    assert {(t["year"], t["level"]): (t["clusterCount"], t["newClusterCount"]) for t in timeline} == {
        (r["year"], r["level"]): (r["n"], r["new"]) for r in rows
    }
    undated = ctx.cypher("MATCH (r:Recognition) WHERE r.year IS NULL RETURN r.level AS level, count(r) AS n")
    assert {u["level"]: u["count"] for u in data["stats"]["undatedRecognitions"] if u["count"]} == {
        r["level"]: r["n"] for r in undated
    }


def check_near_chengdu(data: dict[str, Any], ctx: Ctx) -> None:
    latitude, longitude = (
        float(literal(ctx.block, r"latitude: ([\d.]+)")),
        float(literal(ctx.block, r"longitude: ([\d.]+)")),
    )
    km = float(literal(ctx.block, r"lte: (\d+)"))
    rows = ctx.cypher(
        "MATCH (n:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(c:City) "
        "WHERE EXISTS { (n)-[:RECOGNIZED]->(:Recognition {level: 'NATIONAL'}) } "
        "WITH n, c, point.distance(c.location, point({latitude: $lat, longitude: $lon})) AS d WHERE d <= $m "
        "RETURN n.id AS key, n.outputValueCny AS value, c.location AS at, d",
        lat=latitude,
        lon=longitude,
        m=km * 1000,
    )
    assert rows, "the example should find clusters"
    by_output = sorted(rows, key=lambda r: (r["value"] is None, -(r["value"] or 0), r["key"]))
    assert data["byOutput"]["totalCount"] == len(rows)
    assert [n["key"] for n in data["byOutput"]["nodes"]] == [r["key"] for r in by_output][:20]
    assert [n["outputValueCny"] for n in data["byOutput"]["nodes"]] == [r["value"] for r in by_output][:20]
    nearest = sorted(rows, key=lambda r: (r["d"], r["key"]))
    edges = data["nearest"]["edges"]
    assert data["nearest"]["totalCount"] == len(rows)
    assert [e["node"]["key"] for e in edges] == [r["key"] for r in nearest][:20]
    assert [e["distanceKm"] for e in edges] == pytest.approx([r["d"] / 1000 for r in nearest][:20])
    assert [e["node"]["location"]["geoJson"] for e in edges] == [
        {"type": "Point", "coordinates": [r["at"].longitude, r["at"].latitude]} for r in nearest
    ][:20]


CHECKERS: dict[str, Callable[[dict[str, Any], Ctx], None]] = {
    "Cluster cards for a frontend: fragments, aliases, variables and `__typename`": check_cluster_cards,
    "The clusters of a city, with their industries": check_city_industries,
    "A year's new national clusters": check_new_national,
    "How much of the 2024 provincial list the graph names": check_coverage,
    "Search in Chinese": check_search,
    "Clusters related to a cluster, and why": check_related,
    "The shortest path between two clusters": check_path,
    "A filtered, sorted page of clusters with cursors (pass `endCursor` as `after` for the next page)": (
        check_paginated
    ),
    "Aggregates: stated output values, overall and for one industry": check_aggregates,
    "A cluster's member enterprises and their roles": check_roles,
    "Industries by the number of cities they have clusters in": check_industries_by_cities,
    "The timeline: clusters recognised per year and level, and the recognitions of unknown year": check_timeline,
    "National clusters within 150 km of Chengdu, by output value, and the same nearest first": check_near_chengdu,
}


def test_cookbook_has_one_checked_block_per_example() -> None:
    """The README's cookbook section has exactly the thirteen titled examples that CHECKERS checks, in order; the
    frontend example comes with its variables, and uses fragments, aliases, variables and __typename."""
    assert cookbook_section(README.read_text(encoding="utf-8")), f"README.md has no {SECTION!r} section"
    assert [b.title for b in BLOCKS] == list(CHECKERS)
    assert len(BLOCKS) == EXPECTED_BLOCKS
    frontend = BLOCKS[0]
    assert frontend.variables is not None
    for feature in ("fragment ", "...", "$", "__typename", ": clusters("):
        assert feature in frontend.query, feature


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.index:02d}" for b in BLOCKS])
def test_cookbook_example_answers_like_cypher(
    client: Any, dataset_graph: Driver, settings: Settings, block: Block
) -> None:
    """A cookbook example runs without errors, and its answer agrees with an independent Cypher query."""
    checker = CHECKERS.get(block.title)
    assert checker is not None, f"no checker for the cookbook example {block.title!r}: add one to CHECKERS"
    body = gql(client, block.query, block.variables)
    assert "errors" not in body, body["errors"]
    checker(body["data"], Ctx(client, dataset_graph, settings, block))
