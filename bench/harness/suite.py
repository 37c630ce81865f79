"""The query suite: seven questions, asked of each peer in its own language, with parameters taken from the data.

Each query exists three times: bench/queries/clustergraph/<name>.graphql (ClusterGraph's schema),
bench/queries/neo4j-graphql/<name>.graphql (the schema @neo4j/graphql generates from the same model) and
bench/queries/cypher/<name>.cypher (the hand-written floor). The values the requests carry come from the loaded
graph (`workload.py` draws the varied lists; `discover` chooses the one set of `--same-variables` and the deep
page's size), so the same suite runs on the real dataset and on synthetic ones. `variables` turns a peer-neutral
set of values into one peer's variables (the deep page's cursor in that peer's own format, from `page_cursors`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from neo4j import Driver

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"

#: The suite, in the order of the report.
QUERIES = (
    "cluster_by_key",
    "clusters_page",
    "city_clusters_enterprises",
    "stats",
    "search",
    "related_clusters",
    "deep_page",
)
#: The page that `deep_page` asks for with `--same-variables`, and the largest page size it uses.
DEEP_PAGE = 20
DEEP_PAGE_MAX_SIZE = 50
#: A broad full-text term: it matches the name of every cluster (real and synthetic), and no other node's.
SEARCH_TEXT = "cluster"

CLUSTERGRAPH = "clustergraph"
NEO4J_GRAPHQL = "neo4j-graphql"
RAW = "raw-cypher"
PEERS = (CLUSTERGRAPH, NEO4J_GRAPHQL, RAW)
PEER_LABELS = {CLUSTERGRAPH: "ClusterGraph", NEO4J_GRAPHQL: "@neo4j/graphql", RAW: "raw Cypher"}


@dataclass
class Params:
    """The values the suite's queries take, chosen from the loaded graph."""

    cluster: str
    industry: str
    year: int
    city: str
    text: str
    deep_levels: list[str]
    deep_size: int
    deep_total: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_PICK_CLUSTER = """
MATCH (c:Cluster)
RETURN c.id AS id
ORDER BY COUNT { (c)-[:RECOGNIZED]->() } DESC, COUNT { (c)<-[:MEMBER_OF]-() } DESC, c.id
LIMIT 1
"""
_PICK_INDUSTRY_YEAR = """
MATCH (c:Cluster)-[:IN_INDUSTRY]->(i:Industry), (c)-[:RECOGNIZED]->(r:Recognition)
WHERE r.year IS NOT NULL
RETURN i.id AS industry, r.year AS year, count(DISTINCT c) AS n
ORDER BY n DESC, industry, year
LIMIT 1
"""
_PICK_CITY = """
MATCH (city:City)
RETURN city.id AS id
ORDER BY COUNT { (city)<-[:IN_CITY]-(:County)<-[:LOCATED_IN]-(:Cluster) } DESC, city.id
LIMIT 1
"""
#: Both levels: the deep page's list is every recognised cluster, long enough for a page 20 even in the real data.
DEEP_LEVELS = ("PROVINCIAL", "NATIONAL")
_COUNT_DEEP = """
MATCH (c:Cluster)
WHERE EXISTS { (c)-[:RECOGNIZED]->(r:Recognition) WHERE r.level IN $levels }
RETURN count(c) AS n
"""


def discover(driver: Driver, database: str) -> Params:
    """Choose the suite's parameters: the most recognised cluster, the largest industry-year and city, and so on."""

    def one(query: str, **params: Any) -> dict[str, Any]:
        records = driver.execute_query(query, params, database_=database).records
        if not records:
            raise RuntimeError("the bench database is empty: load a dataset first")
        return records[0].data()

    cluster = one(_PICK_CLUSTER)["id"]
    industry_year = one(_PICK_INDUSTRY_YEAR)
    city = one(_PICK_CITY)["id"]
    total = int(one(_COUNT_DEEP, levels=list(DEEP_LEVELS))["n"])
    size = min(DEEP_PAGE_MAX_SIZE, max(1, total // DEEP_PAGE))
    return Params(
        cluster=cluster,
        industry=industry_year["industry"],
        year=int(industry_year["year"]),
        city=city,
        text=SEARCH_TEXT,
        deep_levels=list(DEEP_LEVELS),
        deep_size=size,
        deep_total=total,
    )


def document(peer: str, name: str) -> str:
    """The text a peer receives for a query: a GraphQL document, or the raw peer's query name."""
    if peer == RAW:
        return name
    return (QUERIES_DIR / peer / f"{name}.graphql").read_text()


def cypher_text(name: str) -> str:
    return (QUERIES_DIR / "cypher" / f"{name}.cypher").read_text()


def variables(
    peer: str, name: str, case: dict[str, Any], params: Params, cursors: list[Any] | None = None
) -> dict[str, Any]:
    """The variables of one request for one peer. `case` is the peer-neutral set of variables
    (`workload.cases`); for the deep page it names a page, and `cursors[page - 1]` is where that page starts in
    the peer's own terms (None for page 1)."""
    if name != "deep_page":
        return dict(case)
    cursor = (cursors or [None])[case["page"] - 1] if case["page"] > 1 else None
    base: dict[str, Any] = {"levels": params.deep_levels, "size": params.deep_size}
    if peer == RAW:
        after_name, after_id = cursor if cursor is not None else (None, None)
        return {**base, "afterName": after_name, "afterId": after_id}
    return {**base, "after": cursor}


def body(
    peer: str, name: str, case: dict[str, Any], params: Params, cursors: list[Any] | None = None
) -> dict[str, Any]:
    return {"query": document(peer, name), "variables": variables(peer, name, case, params, cursors)}


class SuiteError(RuntimeError):
    """A peer answered a suite query with an error, or not at all."""


def post(client: httpx.Client, url: str, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        response = client.post(url, json=payload)
    except httpx.HTTPError as exc:  # a peer that times out or drops the connection answers nothing
        raise SuiteError(f"{url}: no answer ({type(exc).__name__}: {exc})") from exc
    try:
        data: dict[str, Any] = response.json()
    except ValueError as exc:
        raise SuiteError(f"{url}: HTTP {response.status_code}, not JSON: {response.text[:300]}") from exc
    if response.status_code != 200 or data.get("errors") or data.get("data") is None:
        raise SuiteError(f"{url}: HTTP {response.status_code}: {str(data)[:600]}")
    return data


def _deep_page_rows(peer: str, data: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    """(rows of the page, the cursor after its last row) from a deep_page answer."""
    if peer == CLUSTERGRAPH:
        page = data["data"]["clusters"]
        return page["nodes"], page["pageInfo"]["endCursor"]
    if peer == NEO4J_GRAPHQL:
        page = data["data"]["clustersConnection"]
        return [e["node"] for e in page["edges"]], page["pageInfo"]["endCursor"]
    rows = data["data"][0]["nodes"]
    return rows, ((rows[-1]["name"], rows[-1]["id"]) if rows else None)


def page_cursors(
    client: httpx.Client, peer: str, url: str, params: Params, pages: int
) -> tuple[list[Any], str | None]:
    """Walk the deep page's list from page 1 to page `pages` as a client would. Returns where each page the peer
    answered starts, in its own cursors (`[None, after page 1, after page 2, ...]`), and why the walk stopped
    before page `pages` (None when every page answered)."""
    cursors: list[Any] = [None]
    while True:
        page = len(cursors)
        try:
            answer = post(client, url, body(peer, "deep_page", {"page": page}, params, cursors))
        except SuiteError as exc:
            return cursors[:-1], f"page {page}: {exc}"
        rows, cursor = _deep_page_rows(peer, answer)
        if not rows or cursor is None:
            return cursors[:-1], f"page {page} is empty: the list has {params.deep_total} rows"
        if page == pages:
            return cursors, None
        cursors.append(cursor)


def identities(value: Any) -> Counter[str]:
    """Every node id or key in an answer, counted: a shape-free way to compare the peers' answers."""
    found: Counter[str] = Counter()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, item in v.items():
                if k in ("id", "key") and isinstance(item, str):
                    found[item] += 1
                else:
                    walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)

    walk(value)
    return found
