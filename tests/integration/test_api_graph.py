"""The graph answers of the GraphQL API — search, related clusters, shortest paths, a city's industries, a year's
clusters and the statistics — against the real dataset in the test Neo4j.

Every expected answer is computed here by an independent Cypher query over the same graph (`run_cypher`), written
for the test rather than taken from `cypher/statements.py`; nothing is copied from an API answer or from an earlier run.
"""

from __future__ import annotations

import base64
import csv
from typing import Any

import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import DATA_DIR, RELATED_CLUSTERS_EXPECTED, gql, gql_data, run_cypher

pytestmark = [
    pytest.mark.integration,
    # The `client` fixture imports starlette.testclient, which warns when httpx2 is missing; the suite turns
    # warnings into errors.
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing an extension instance:DeprecationWarning"),
]

SEARCHABLE = ("Cluster", "Enterprise", "City", "County", "Industry", "Province", "Batch")
LUCENE_SPECIAL = set('+-&|!(){}[]^"~*?:\\/')


def gid(type_name: str, key: str) -> str:
    """A Relay global ID built by hand: base64 of "Type:key"."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def decode_gid(value: str) -> tuple[str, str]:
    type_name, _, key = base64.b64decode(value).decode().partition(":")
    return type_name, key


def error_codes(body: dict[str, Any]) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


# --- search --------------------------------------------------------------------------------------------------

SEARCH_QUERY = """
query Search($text: String!, $first: Int!) {
  search(text: $text, first: $first) {
    score
    node {
      __typename
      ... on Cluster { key }
      ... on Enterprise { key }
      ... on City { key }
      ... on County { key }
      ... on Industry { key }
      ... on Province { key }
      ... on Batch { key }
    }
  }
}
"""


def fulltext(driver: Driver, settings: Settings, lucene_text: str) -> list[dict[str, Any]]:
    """The full-text index's own answer, best first (ties by key, as the order of equal scores is not fixed)."""
    rows = run_cypher(
        driver,
        settings,
        "CALL db.index.fulltext.queryNodes('name_search', $text) YIELD node, score "
        "RETURN node.id AS key, labels(node) AS labels, score",
        text=lucene_text,
    )
    return sorted(rows, key=lambda r: (-r["score"], r["key"]))


def lucene_escaped(text: str) -> str:
    return "".join("\\" + ch if ch in LUCENE_SPECIAL else ch for ch in text)


def search_hits(client: Any, text: str, first: int = 100) -> list[dict[str, Any]]:
    return gql_data(client, SEARCH_QUERY, {"text": text, "first": first})["search"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("text", ["电磁", "玻纤", "pump", "electromagnetic"])
def test_search_matches_the_fulltext_index_best_first(
    client: Any, dataset_graph: Driver, settings: Settings, text: str
) -> None:
    """search(text:) returns the nodes the `name_search` index finds, in its order (scores descending), each
    with the union member (__typename) of its label."""
    expected = fulltext(dataset_graph, settings, text)
    assert expected, f"the index finds nothing for {text!r}: the dataset no longer exercises this case"
    hits = search_hits(client, text)
    assert [h["node"]["key"] for h in hits] == [r["key"] for r in expected]
    assert [h["score"] for h in hits] == pytest.approx([r["score"] for r in expected])
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    for hit, row in zip(hits, expected, strict=True):
        labels = [label for label in row["labels"] if label in SEARCHABLE]
        assert [hit["node"]["__typename"]] == labels


def test_search_first_limits_the_hits(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """search(first: 1) returns only the best hit."""
    expected = fulltext(dataset_graph, settings, "玻纤")
    assert len(expected) > 1
    hits = search_hits(client, "玻纤", first=1)
    assert [h["node"]["key"] for h in hits] == [expected[0]["key"]]


@pytest.mark.parametrize("text", ["", "   "])
def test_search_refuses_empty_text(client: Any, text: str) -> None:
    """search with empty (or blank) text is a BAD_USER_INPUT error."""
    body = gql(client, SEARCH_QUERY, {"text": text, "first": 10})
    assert error_codes(body) == ["BAD_USER_INPUT"], body


def test_search_refuses_first_over_the_maximum(client: Any, settings: Settings) -> None:
    """search(first:) above the maximum page size is a BAD_USER_INPUT error."""
    body = gql(client, SEARCH_QUERY, {"text": "pump", "first": settings.max_page_size + 1})
    assert error_codes(body) == ["BAD_USER_INPUT"], body


@pytest.mark.parametrize("text", ['pump" OR *:*', "pump OR *:*", ")(", "*:*", "name:pump~"])
def test_search_escapes_lucene_operators(
    client: Any, dataset_graph: Driver, settings: Settings, text: str
) -> None:
    """Hostile search text neither fails nor matches everything: Lucene operators are taken literally (the hits
    are those of the same text with every operator character escaped)."""
    total = run_cypher(
        dataset_graph,
        settings,
        "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) RETURN count(n) AS n",
        labels=list(SEARCHABLE),
    )[0]["n"]
    body = gql(client, SEARCH_QUERY, {"text": text, "first": 100})
    assert "errors" not in body, body["errors"]
    hits = body["data"]["search"]
    assert len(hits) < total
    expected = fulltext(dataset_graph, settings, lucene_escaped(text))
    assert [h["node"]["key"] for h in hits] == [r["key"] for r in expected]


def words_hits(driver: Driver, settings: Settings, text: str) -> set[str]:
    """The nodes any word of `text` finds in the index: each whitespace-separated word queried on its own,
    lower-cased (as the analyzer indexes it) with its operator characters escaped."""
    keys: set[str] = set()
    for word in text.split():
        keys |= {r["key"] for r in fulltext(driver, settings, lucene_escaped(word.lower()))}
    return keys


def first_chinese_cluster_name() -> str:
    with (DATA_DIR / "clusters.csv").open(encoding="utf-8") as f:
        return next(csv.DictReader(f))["name_zh"]


@pytest.mark.parametrize("phrase", ["pump AND valve", first_chinese_cluster_name()])
def test_search_as_you_type_answers_every_prefix_with_what_its_words_find(
    client: Any, dataset_graph: Driver, settings: Settings, phrase: str
) -> None:
    """Typing a phrase one character at a time ("p", "pu", ..., "pump A", "pump AN", "pump AND", ...): every
    prefix answers without an error and finds exactly the nodes its words find (AND is a word, not an operator)."""
    found_any = False
    for end in range(1, len(phrase) + 1):
        prefix = phrase[:end]
        body = gql(client, SEARCH_QUERY, {"text": prefix, "first": 100})
        assert "errors" not in body, (prefix, body["errors"])
        keys = [h["node"]["key"] for h in body["data"]["search"]]
        assert len(keys) == len(set(keys)), prefix
        expected = words_hits(dataset_graph, settings, prefix)
        assert set(keys) == expected, prefix
        found_any = found_any or bool(expected)
    assert found_any, f"no prefix of {phrase!r} finds anything: the dataset no longer exercises this case"


@pytest.mark.parametrize(
    "text",
    [
        "pump AND furniture",
        "pump NOT valve",
        "NOT pump",
        "pump OR",
        "pump AND",
        "AND",
        "OR",
        "NOT",
        "pump && valve",
    ],
)
def test_search_reads_operator_words_as_words(
    client: Any, dataset_graph: Driver, settings: Settings, text: str
) -> None:
    """AND, OR and NOT in the text are plain words: `pump AND furniture` finds what `pump` or `furniture` finds,
    `pump NOT valve` keeps the pump-valve cluster, and the words alone answer (with nothing) instead of failing."""
    body = gql(client, SEARCH_QUERY, {"text": text, "first": 100})
    assert "errors" not in body, body["errors"]
    keys = {h["node"]["key"] for h in body["data"]["search"]}
    assert keys == words_hits(dataset_graph, settings, text)
    if "pump" in text:
        assert {r["key"] for r in fulltext(dataset_graph, settings, "pump")} <= keys


def test_search_ignores_accents(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """`garze` (and `GARZE`, `Garzê`) finds every node whose English name has the word Garzê."""
    expected = {
        r["key"]
        for r in run_cypher(
            dataset_graph, settings, "MATCH (n) WHERE n.name CONTAINS 'Garzê' RETURN n.id AS key"
        )
    }
    assert expected, "the dataset no longer has a name with Garzê"
    for text in ("garze", "GARZE", "Garzê"):
        assert expected <= {h["node"]["key"] for h in search_hits(client, text)}, text


def test_search_finds_a_cluster_by_another_chinese_name_and_by_its_leading_sector(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """A cluster's alternate Chinese names and its leading sector (both languages) are searched too."""
    [row] = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster) WHERE size(c.alternateNamesZh) > 0 AND c.leadingSector IS NOT NULL "
        "RETURN c.id AS key, c.alternateNamesZh[0] AS other, c.leadingSector AS sector, "
        "c.leadingSectorZh AS sectorZh ORDER BY c.id LIMIT 1",
    )
    [names] = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster {id: $key}) RETURN c.name AS en, c.nameZh AS zh",
        key=row["key"],
    )

    def new_bigram(text: str) -> str:
        """Two Chinese characters of `text` that the cluster's own Chinese name does not have."""
        return next(
            text[i : i + 2]
            for i in range(len(text) - 1)
            if text[i : i + 2] not in names["zh"]
            and all("\u4e00" <= ch <= "\u9fff" for ch in text[i : i + 2])
        )

    words = [w.strip("(),/") for w in row["sector"].split()]
    sector_word = next(w for w in words if len(w) > 3 and w.lower() not in names["en"].lower())
    for text in (new_bigram(row["other"]), new_bigram(row["sectorZh"]), sector_word):
        assert row["key"] in {h["node"]["key"] for h in search_hits(client, text)}, text


def test_search_finds_an_official_list_by_its_name(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """Batches are in the search union: a batch's Chinese name finds that batch, typed Batch."""
    [row] = run_cypher(
        dataset_graph, settings, "MATCH (b:Batch) RETURN b.id AS key, b.nameZh AS zh ORDER BY b.id LIMIT 1"
    )
    hits = search_hits(client, row["zh"])
    assert {"__typename": "Batch", "key": row["key"]} in [h["node"] for h in hits]


# --- related clusters ----------------------------------------------------------------------------------------


RELATED_QUERY = """
query Related($id: ID!, $first: Int!) {
  cluster(id: $id) {
    relatedClusters(first: $first) { cluster { key } score reasons sharedEnterpriseCount }
  }
}
"""


def expected_related(driver: Driver, settings: Settings, key: str) -> list[dict[str, Any]]:
    """1 point per shared industry, city and county, 2 per shared enterprise; score desc, then shared enterprises
    desc, then same county, then same city, then key."""
    rows = run_cypher(driver, settings, RELATED_CLUSTERS_EXPECTED, key=key)
    out = []
    for r in sorted(
        rows, key=lambda r: (-r["score"], -r["shared"], not r["county"], not r["city"], r["key"])
    ):
        reasons = [
            name
            for name, present in (
                ("SAME_INDUSTRY", r["industry"]),
                ("SAME_CITY", r["city"]),
                ("SAME_COUNTY", r["county"]),
                ("SHARED_ENTERPRISE", r["shared"] > 0),
            )
            if present
        ]
        out.append(
            {"key": r["key"], "score": float(r["score"]), "reasons": sorted(reasons), "shared": r["shared"]}
        )
    return out


def api_related(client: Any, key: str, first: int) -> list[dict[str, Any]]:
    data = gql_data(client, RELATED_QUERY, {"id": gid("Cluster", key), "first": first})
    return [
        {
            "key": r["cluster"]["key"],
            "score": r["score"],
            "reasons": sorted(r["reasons"]),
            "shared": r["sharedEnterpriseCount"],
        }
        for r in data["cluster"]["relatedClusters"]
    ]


def test_related_clusters_rank_every_cluster_like_cypher(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """Cluster.relatedClusters: for every cluster, the related keys, scores (1 per shared industry, city and
    county, 2 per shared enterprise), reasons and shared-enterprise counts, ordered by score desc, name, key.
    A cluster in the same county is in the same city too, so it scores for both."""
    keys = [
        r["key"]
        for r in run_cypher(dataset_graph, settings, "MATCH (c:Cluster) RETURN c.id AS key ORDER BY key")
    ]
    assert keys
    mismatches = {}
    for key in keys:
        expected = expected_related(dataset_graph, settings, key)
        got = api_related(client, key, settings.max_page_size)
        if got != expected[: settings.max_page_size]:
            mismatches[key] = {"api": got[:4], "cypher": expected[:4]}
    assert not mismatches, mismatches


def test_related_clusters_first_keeps_the_best(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """relatedClusters(first: 2) is the first two of the full ranking."""
    key = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City) "
        "WITH city, collect(c.id) AS keys ORDER BY size(keys) DESC, city.id LIMIT 1 RETURN keys[0] AS key",
    )[0]["key"]
    expected = expected_related(dataset_graph, settings, key)
    assert len(expected) > 2
    assert [r["key"] for r in api_related(client, key, 2)] == [r["key"] for r in expected[:2]]


def test_related_clusters_count_shared_enterprises(
    client: Any, fresh_dataset_graph: Driver, settings: Settings
) -> None:
    """An enterprise that belongs to two clusters makes them related with SHARED_ENTERPRISE and 2 points (the
    real dataset has no such enterprise, so the test adds one membership to a fresh copy)."""
    pair = run_cypher(
        fresh_dataset_graph,
        settings,
        """
        MATCH (e:Enterprise)-[:MEMBER_OF]->(a:Cluster)-[:IN_INDUSTRY]->(ia:Industry),
              (a)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(ca:City)
        MATCH (b:Cluster)-[:IN_INDUSTRY]->(ib:Industry), (b)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(cb:City)
        WHERE ia <> ib AND ca <> cb
        RETURN e.id AS enterprise, a.id AS a, b.id AS b ORDER BY e.id, b.id LIMIT 1
        """,
    )
    assert pair, "no enterprise and unrelated cluster pair in the dataset"
    p = pair[0]
    run_cypher(
        fresh_dataset_graph,
        settings,
        "MATCH (e:Enterprise {id: $e}), (b:Cluster {id: $b}) "
        "MERGE (e)-[m:MEMBER_OF]->(b) SET m.role = 'Test member', m.roleZh = '测试成员', m.sources = []",
        e=p["enterprise"],
        b=p["b"],
    )
    for key, other in ((p["a"], p["b"]), (p["b"], p["a"])):
        expected = expected_related(fresh_dataset_graph, settings, key)
        assert {"key": other, "score": 2.0, "reasons": ["SHARED_ENTERPRISE"], "shared": 1} in expected
        assert api_related(client, key, settings.max_page_size) == expected[: settings.max_page_size]


# --- shortest paths ------------------------------------------------------------------------------------------

PATH_QUERY = """
query Path($from: ID!, $to: ID!) {
  path(from: $from, to: $to) {
    length
    nodes { __typename id }
    relationships { type start { __typename id } end { __typename id } }
  }
}
"""

#: (label, Cypher expression choosing the node) pairs: endpoints of the paths to check.
PATH_ENDPOINTS = [
    (("Cluster", "min(n.id)"), ("Cluster", "max(n.id)")),
    (("RecognitionYear", "min(n.id)"), ("Enterprise", "min(n.id)")),
    (("Province", "min(n.id)"), ("Recognition", "max(n.id)")),
    (("Industry", "min(n.id)"), ("Batch", "max(n.id)")),
    (("County", "min(n.id)"), ("Enterprise", "max(n.id)")),
    (("City", "max(n.id)"), ("Cluster", "min(n.id)")),
]


def pick(driver: Driver, settings: Settings, label: str, expression: str) -> str:
    return run_cypher(driver, settings, f"MATCH (n:{label}) RETURN {expression} AS key")[0]["key"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("start", "end"), PATH_ENDPOINTS, ids=[f"{a[0]}-{b[0]}" for a, b in PATH_ENDPOINTS])
def test_path_is_a_shortest_path(
    client: Any,
    dataset_graph: Driver,
    settings: Settings,
    start: tuple[str, str],
    end: tuple[str, str],
) -> None:
    """path(from, to): its length is Cypher's shortestPath length, the nodes run from `from` to `to`, and each
    relationship exists in the graph between two consecutive nodes of the path."""
    a = (start[0], pick(dataset_graph, settings, *start))
    b = (end[0], pick(dataset_graph, settings, *end))
    expected = run_cypher(
        dataset_graph,
        settings,
        f"MATCH (a:{a[0]} {{id: $a}}), (b:{b[0]} {{id: $b}}) "
        "MATCH p = shortestPath((a)-[*..12]-(b)) RETURN length(p) AS length",
        a=a[1],
        b=b[1],
    )
    assert expected, f"no path between {a} and {b} in the graph"
    path = gql_data(client, PATH_QUERY, {"from": gid(*a), "to": gid(*b)})["path"]
    assert path is not None
    assert path["length"] == expected[0]["length"]
    nodes = [decode_gid(n["id"]) for n in path["nodes"]]
    assert [n["__typename"] for n in path["nodes"]] == [t for t, _ in nodes]
    assert nodes[0] == a
    assert nodes[-1] == b
    assert len(nodes) == path["length"] + 1
    assert len(path["relationships"]) == path["length"]
    for i, rel in enumerate(path["relationships"]):
        s, e = decode_gid(rel["start"]["id"]), decode_gid(rel["end"]["id"])
        assert {s, e} == {nodes[i], nodes[i + 1]}, (
            f"relationship {i} does not join path nodes {i} and {i + 1}"
        )
        exists = run_cypher(
            dataset_graph,
            settings,
            f"MATCH (s:{s[0]} {{id: $s}})-[r]->(e:{e[0]} {{id: $e}}) WHERE type(r) = $type RETURN count(r) AS n",
            s=s[1],
            e=e[1],
            type=rel["type"],
        )[0]["n"]
        assert exists, f"no {rel['type']} relationship from {s} to {e}"


def test_path_to_itself_has_length_zero(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """path(from: x, to: x) is the one node x and no relationship."""
    key = pick(dataset_graph, settings, "Cluster", "min(n.id)")
    path = gql_data(client, PATH_QUERY, {"from": gid("Cluster", key), "to": gid("Cluster", key)})["path"]
    assert path == {
        "length": 0,
        "nodes": [{"__typename": "Cluster", "id": gid("Cluster", key)}],
        "relationships": [],
    }


@pytest.mark.parametrize("bad", ["not-an-id!!", gid("NoSuchType", "x"), "", "Q2x1c3Rlcg"])
def test_path_refuses_malformed_ids(client: Any, dataset_graph: Driver, settings: Settings, bad: str) -> None:
    """path with an ID that is not a global ID of this API is a BAD_USER_INPUT error."""
    key = pick(dataset_graph, settings, "Cluster", "min(n.id)")
    for variables in ({"from": bad, "to": gid("Cluster", key)}, {"from": gid("Cluster", key), "to": bad}):
        body = gql(client, PATH_QUERY, variables)
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert body["data"] == {"path": None}


def test_path_reports_unknown_nodes(client: Any, dataset_graph: Driver, settings: Settings) -> None:
    """path with a well-formed global ID of a node that is not in the graph is an error naming that ID (not a
    silent null, which would read as "the two nodes are not connected")."""
    key = pick(dataset_graph, settings, "Cluster", "min(n.id)")
    missing = gid("Cluster", "no-such-cluster-in-the-graph")
    assert not run_cypher(
        dataset_graph, settings, "MATCH (c:Cluster {id: 'no-such-cluster-in-the-graph'}) RETURN c"
    )
    for variables in ({"from": missing, "to": gid("Cluster", key)}, {"from": missing, "to": missing}):
        body = gql(client, PATH_QUERY, variables)
        assert body.get("errors"), f"no error for an unknown node: {body}"
        assert any(missing in e["message"] or "no-such-cluster" in e["message"] for e in body["errors"]), body
        assert body["data"] == {"path": None}


# --- a city's industries, a year's clusters ------------------------------------------------------------------


def test_city_industries_count_clusters_per_industry(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """City.industries: for every city, each industry of its clusters with the number of clusters, most first
    (then by industry name); cities without clusters have none."""
    rows = run_cypher(
        dataset_graph,
        settings,
        """
        MATCH (city:City)
        OPTIONAL MATCH (city)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster)-[:IN_INDUSTRY]->(i:Industry)
        WITH city, i, count(DISTINCT c) AS n
        RETURN city.id AS city, i.id AS industry, i.name AS name, n
        """,
    )
    expected: dict[str, list[tuple[str, int, str]]] = {}
    for r in rows:
        expected.setdefault(r["city"], [])
        if r["industry"] is not None:
            expected[r["city"]].append((r["industry"], r["n"], r["name"]))
    expected_lists = {
        city: [(k, n) for k, n, _ in sorted(items, key=lambda x: (-x[1], x[2]))]
        for city, items in expected.items()
    }
    data = gql_data(
        client, "{ cities(first: 100) { nodes { key industries { industry { key } clusterCount } } } }"
    )
    got = {
        c["key"]: [(i["industry"]["key"], i["clusterCount"]) for i in c["industries"]]
        for c in data["cities"]["nodes"]
    }
    assert got == expected_lists
    assert any(len(v) > 1 for v in got.values()), "no city with two industries: the ordering goes unchecked"


YEAR_CLUSTERS_QUERY = """
query YearClusters($year: Int!, $level: RecognitionLevel, $newOnly: Boolean, $recognized: RecognizedWhen) {
  recognitionYear(year: $year) {
    clusters(level: $level, recognized: $recognized, newOnly: $newOnly, first: 100) { totalCount nodes { key } }
  }
}
"""

YEAR_CLUSTERS_EXPECTED = """
MATCH (y:RecognitionYear {year: $year})<-[:IN_YEAR]-(r:Recognition)<-[:RECOGNIZED]-(c:Cluster)
WHERE $level IS NULL OR r.level = $level
WITH DISTINCT y, c
WITH c, EXISTS { MATCH (c)-[:RECOGNIZED]->(e:Recognition) WHERE e.year IS NOT NULL AND e.year < y.year } AS earlier
WHERE $newOnly IS NULL OR $newOnly = (NOT earlier)
RETURN c.id AS key ORDER BY c.name, c.id
"""


def check_year_clusters(client: Any, driver: Driver, settings: Settings) -> int:
    """Compare every year x level x novelty combination with Cypher, asked with `recognized` (ALL, NEW, EARLIER)
    and with the deprecated `newOnly` (unset, true, false); return how many "recognised before" rows."""
    years = [
        r["year"] for r in run_cypher(driver, settings, "MATCH (y:RecognitionYear) RETURN y.year AS year")
    ]
    assert years
    recognised_before = 0
    for year in years:
        for level in (None, "PROVINCIAL", "NATIONAL"):
            for new_only in (None, True, False):
                expected = [
                    r["key"]
                    for r in run_cypher(
                        driver, settings, YEAR_CLUSTERS_EXPECTED, year=year, level=level, newOnly=new_only
                    )
                ]
                if new_only is False:
                    recognised_before += len(expected)
                recognized = {None: "ALL", True: "NEW", False: "EARLIER"}[new_only]
                for variables in (
                    {"year": year, "level": level, "recognized": recognized},
                    {"year": year, "level": level, "newOnly": new_only},
                ):
                    got = gql_data(client, YEAR_CLUSTERS_QUERY, variables)["recognitionYear"]["clusters"]
                    assert [n["key"] for n in got["nodes"]] == expected, variables
                    assert got["totalCount"] == len(expected), variables
    return recognised_before


def test_recognition_year_clusters_by_level_and_novelty(
    client: Any, dataset_graph: Driver, settings: Settings
) -> None:
    """RecognitionYear.clusters(level:, recognized:): for every year, level (any, provincial, national) and
    novelty (ALL; NEW = no dated recognition in an earlier year; EARLIER = recognised before; the same with the
    deprecated newOnly unset, true, false), the clusters by name."""
    check_year_clusters(client, dataset_graph, settings)


def test_recognition_year_clusters_new_only_false(
    client: Any, fresh_dataset_graph: Driver, settings: Settings
) -> None:
    """RecognitionYear.clusters(newOnly: false) lists the clusters recognised in an earlier year, and newOnly:
    true leaves them out; stats.timeline counts them as not new. No cluster of the real dataset has two dated
    recognitions, so a fresh copy dates one undated recognition in the last batch year of its level."""
    changed = run_cypher(
        fresh_dataset_graph,
        settings,
        """
        MATCH (c:Cluster)-[:RECOGNIZED]->(undated:Recognition), (c)-[:RECOGNIZED]->(dated:Recognition)
        WHERE undated.year IS NULL AND dated.year IS NOT NULL
        MATCH (b:Batch {level: undated.level})-[:IN_YEAR]->(y:RecognitionYear) WHERE b.year > dated.year
        WITH c, undated, b, y ORDER BY c.id, b.year DESC LIMIT 1
        SET undated.year = b.year
        MERGE (undated)-[:IN_BATCH]->(b)
        MERGE (undated)-[:IN_YEAR]->(y)
        RETURN c.id AS key, b.year AS year, undated.level AS level
        """,
    )
    assert changed, "no cluster with one dated and one undated recognition to work with"
    assert check_year_clusters(client, fresh_dataset_graph, settings) > 0
    c = changed[0]
    entry = [
        t
        for t in gql_data(client, STATS_QUERY)["stats"]["timeline"]
        if t["year"] == c["year"] and t["level"] == c["level"]
    ]
    assert len(entry) == 1
    assert entry[0]["newClusterCount"] < entry[0]["clusterCount"]


# --- statistics ----------------------------------------------------------------------------------------------

STATS_QUERY = """
{
  stats {
    labelCounts { label count }
    relationshipTypeCounts { type count }
    relationshipCounts { label count }
    clustersByIndustry { industry { key } count }
    clustersByCity { city { key } count }
    clustersByLevel { level count }
    undatedRecognitions { level count }
    timeline { year level clusterCount newClusterCount }
    outputValueCny { count sum min max avg }
    coverage { batch { key } officialCountSichuan officialCount namedCount missingCount ratio }
  }
}
"""


@pytest.fixture(scope="module")
def stats(client: Any) -> dict[str, Any]:
    return gql_data(client, STATS_QUERY)["stats"]  # type: ignore[no-any-return]


def counts_descending(items: list[int]) -> bool:
    return items == sorted(items, reverse=True)


def test_stats_label_counts(stats: dict[str, Any], dataset_graph: Driver, settings: Settings) -> None:
    """stats.labelCounts: the number of nodes of each label."""
    rows = run_cypher(
        dataset_graph, settings, "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n"
    )
    assert {r["label"]: r["count"] for r in stats["labelCounts"] if r["count"]} == {
        r["label"]: r["n"] for r in rows
    }


def test_stats_relationship_counts(stats: dict[str, Any], dataset_graph: Driver, settings: Settings) -> None:
    """stats.relationshipTypeCounts: the number of relationships of each type (`type`, `count`); the deprecated
    relationshipCounts gives the same under `label`."""
    rows = run_cypher(dataset_graph, settings, "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")
    got = {r["type"]: r["count"] for r in stats["relationshipTypeCounts"] if r["count"]}
    assert got == {r["type"]: r["n"] for r in rows}
    deprecated = {r["label"]: r["count"] for r in stats["relationshipCounts"] if r["count"]}
    assert deprecated == got


def test_stats_clusters_by_industry(stats: dict[str, Any], dataset_graph: Driver, settings: Settings) -> None:
    """stats.clustersByIndustry: every industry with its number of clusters, most first."""
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (i:Industry) RETURN i.id AS key, size([(i)<-[:IN_INDUSTRY]-(c:Cluster) | c]) AS n",
    )
    got = [(r["industry"]["key"], r["count"]) for r in stats["clustersByIndustry"]]
    assert dict(got) == {r["key"]: r["n"] for r in rows}
    assert len(got) == len(rows)
    assert counts_descending([n for _, n in got])


def test_stats_clusters_by_city(stats: dict[str, Any], dataset_graph: Driver, settings: Settings) -> None:
    """stats.clustersByCity: all cities, those without clusters included, with their clusters, most first."""
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (city:City) OPTIONAL MATCH (city)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(c:Cluster) "
        "RETURN city.id AS key, count(DISTINCT c) AS n",
    )
    got = [(r["city"]["key"], r["count"]) for r in stats["clustersByCity"]]
    assert dict(got) == {r["key"]: r["n"] for r in rows}
    assert len(got) == len(rows)
    assert 0 in dict(got).values(), "every city has a cluster: the cities without one go unchecked"
    assert counts_descending([n for _, n in got])


def test_stats_clusters_by_level(stats: dict[str, Any], dataset_graph: Driver, settings: Settings) -> None:
    """stats.clustersByLevel: clusters with at least one recognition at each level."""
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition) RETURN r.level AS level, count(DISTINCT c) AS n",
    )
    assert {r["level"]: r["count"] for r in stats["clustersByLevel"]} == {r["level"]: r["n"] for r in rows}


def test_stats_undated_recognitions(stats: dict[str, Any], dataset_graph: Driver, settings: Settings) -> None:
    """stats.undatedRecognitions: recognitions without a year, per level."""
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (r:Recognition) WHERE r.year IS NULL RETURN r.level AS level, count(r) AS n",
    )
    assert rows, "no undated recognition in the dataset"
    got = {r["level"]: r["count"] for r in stats["undatedRecognitions"] if r["count"]}
    assert got == {r["level"]: r["n"] for r in rows}


def test_stats_timeline(stats: dict[str, Any], dataset_graph: Driver, settings: Settings) -> None:
    """stats.timeline: per year (null for unknown) and level, the clusters recognised and how many of them had
    no dated recognition in an earlier year; in chronological order, the unknown year last."""
    rows = run_cypher(
        dataset_graph,
        settings,
        """
        MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition)
        WITH r.year AS year, r.level AS level, collect(DISTINCT c) AS clusters
        RETURN year, level, size(clusters) AS n,
               size([c IN clusters WHERE year IS NOT NULL
                     AND NOT EXISTS { MATCH (c)-[:RECOGNIZED]->(e:Recognition) WHERE e.year < year }]) AS new
        """,
    )
    expected = {(r["year"], r["level"]): (r["n"], r["new"]) for r in rows}
    got = {(t["year"], t["level"]): (t["clusterCount"], t["newClusterCount"]) for t in stats["timeline"]}
    assert got == expected
    years = [t["year"] for t in stats["timeline"]]
    dated = [y for y in years if y is not None]
    assert years == dated + [None] * (len(years) - len(dated))
    assert dated == sorted(dated)


def test_stats_output_value(stats: dict[str, Any], dataset_graph: Driver, settings: Settings) -> None:
    """stats.outputValueCny: count, sum, min, max and average over the clusters that state an output value."""
    values = [
        r["v"]
        for r in run_cypher(
            dataset_graph,
            settings,
            "MATCH (c:Cluster) WHERE c.outputValueCny IS NOT NULL RETURN c.outputValueCny AS v",
        )
    ]
    assert values
    agg = stats["outputValueCny"]
    assert agg["count"] == len(values)
    assert agg["sum"] == pytest.approx(sum(values))
    assert agg["min"] == pytest.approx(min(values))
    assert agg["max"] == pytest.approx(max(values))
    assert agg["avg"] == pytest.approx(sum(values) / len(values))


def test_stats_coverage(stats: dict[str, Any], dataset_graph: Driver, settings: Settings) -> None:
    """stats.coverage: for each batch, the official Sichuan count, the recognitions the graph names, the
    difference and the ratio (null where the official count is unknown)."""
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (b:Batch) RETURN b.id AS key, b.officialCountSichuan AS official, "
        "size([(b)<-[:IN_BATCH]-(r:Recognition) | r]) AS named",
    )
    expected = {
        r["key"]: {
            "officialCountSichuan": r["official"],
            "namedCount": r["named"],
            "missingCount": r["official"] - r["named"] if r["official"] is not None else None,
            "ratio": r["named"] / r["official"] if r["official"] else None,
        }
        for r in rows
    }
    got = {c["batch"]["key"]: {k: v for k, v in c.items() if k != "batch"} for c in stats["coverage"]}
    assert got.keys() == expected.keys()
    for key, exp in expected.items():
        assert got[key]["officialCountSichuan"] == exp["officialCountSichuan"], key
        assert got[key]["officialCount"] == exp["officialCountSichuan"], key  # the deprecated name
        assert got[key]["namedCount"] == exp["namedCount"], key
        assert got[key]["missingCount"] == exp["missingCount"], key
        assert got[key]["ratio"] == (pytest.approx(exp["ratio"]) if exp["ratio"] is not None else None), key


def test_stats_coverage_of_the_2024_provincial_list_matches_the_csv(stats: dict[str, Any]) -> None:
    """The coverage of the 2024 provincial list: officially 36 clusters, and as many named as clusters.csv has
    provincial rows of 2024 (counted here with the csv module); the official count is the one batches.csv gives."""
    with (DATA_DIR / "clusters.csv").open(encoding="utf-8", newline="") as f:
        named = sum(
            1
            for row in csv.DictReader(f)
            if row["level"] == "provincial" and row["recognition_year"] == "2024"
        )
    with (DATA_DIR / "batches.csv").open(encoding="utf-8", newline="") as f:
        batches = {row["id"]: row for row in csv.DictReader(f)}
    official = int(batches["provincial-2024"]["official_count_sichuan"])
    assert official == 36
    coverage = {c["batch"]["key"]: c for c in stats["coverage"]}["provincial-2024"]
    assert coverage["officialCountSichuan"] == official
    assert coverage["namedCount"] == named
    assert coverage["missingCount"] == official - named
