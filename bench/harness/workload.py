"""The workload: which variables each bench request carries, and the frontend mix.

Real traffic does not repeat one set of variables: every visitor opens a different cluster, city, page or search
term. So by default each query's requests cycle through a list of variables built from the loaded graph
(`build_pools`, then `cases`): every cluster key (up to `MAX_CASES`), every industry and year that has clusters,
every city, a few hundred search terms taken from the names in the graph, and every page of the deep page's list
(up to `MAX_PAGES`). The list is shuffled with a fixed seed and is the same for every peer, so the peers answer the
same questions in the same order; only the cursors differ, each peer's own for the same page (`suite.page_cursors`).
`--same-variables` keeps one set of variables per query (`same_cases`): every request after the first finds a
warm plan.

The frontend mix (`FRONTEND_MIX`, `mix_cases`) draws the suite's queries with the weights a frontend session sends
them, each with its own variables from the same lists.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver

from .suite import DEEP_PAGE, Params

#: The seed of every shuffle and draw: the same sequence of questions on every run and for every peer.
SEED = 16
#: The longest list of variables per query (cluster keys beyond this many are left out).
MAX_CASES = 5000
#: How many search terms are drawn from the names in the graph.
SEARCH_TERMS = 300
#: How many pages of the deep page's list are walked for cursors (the list's first pages, in order).
MAX_PAGES = 200
#: Requests in the frontend mix's sequence, cycled like a query's list.
MIX_LENGTH = 5000
#: The mix's name in the results (a row's `query`).
MIX = "mix"

#: The frontend mix: how often a frontend session sends each query of the suite, out of 100 requests. A visitor
#: opens a cluster's detail page (`cluster_by_key`) with its related-clusters panel (`related_clusters`) most often;
#: list pages come next (`clusters_page`: the first page of a filtered list, `deep_page`: a later page of the long
#: list), then the search box (`search`, one request per submitted term), a city's page
#: (`city_clusters_enterprises`) and the statistics panel (`stats`).
FRONTEND_MIX: dict[str, int] = {
    "cluster_by_key": 25,
    "related_clusters": 15,
    "clusters_page": 20,
    "deep_page": 10,
    "search": 15,
    "city_clusters_enterprises": 10,
    "stats": 5,
}


@dataclass
class Pools:
    """The values requests draw their variables from, read from the loaded graph."""

    clusters: list[str]
    industry_years: list[tuple[str, int]]
    cities: list[str]
    terms: list[str]
    #: How many pages of the deep page's list the run walks (page 1 needs no cursor).
    pages: int
    sizes: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """What the results record: how many values of each kind, and a few of them."""
        return {
            "clusters": len(self.clusters),
            "industry_years": len(self.industry_years),
            "cities": len(self.cities),
            "search_terms": len(self.terms),
            "search_terms_sample": self.terms[:10],
            "pages": self.pages,
        }


_CLUSTERS = "MATCH (c:Cluster) RETURN c.id AS id ORDER BY c.id LIMIT $limit"
_INDUSTRY_YEARS = """
MATCH (c:Cluster)-[:IN_INDUSTRY]->(i:Industry), (c)-[:RECOGNIZED]->(r:Recognition)
WHERE r.year IS NOT NULL
RETURN DISTINCT i.id AS industry, r.year AS year
ORDER BY industry, year
"""
_CITIES = "MATCH (city:City) RETURN city.id AS id ORDER BY id"
_NAMES = """
CALL () {
  MATCH (c:Cluster) RETURN c.name AS name, c.nameZh AS nameZh ORDER BY c.id LIMIT $limit
  UNION ALL
  MATCH (e:Enterprise) RETURN e.name AS name, e.nameZh AS nameZh ORDER BY e.id LIMIT $limit
}
RETURN name, nameZh
"""
#: A word of an English name worth searching for: letters or digits, three or more.
_WORD = re.compile(r"[^\W_]{3,}")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
#: Words every name has on the synthetic graphs (and the real one's commonest): searched once, not hundreds of times.
_COMMON = {
    "synthetic",
    "cluster",
    "enterprise",
    "industrial",
    "industry",
    "the",
    "and",
    "co",
    "ltd",
    "company",
}


def search_terms(names: list[tuple[str | None, str | None]], count: int, seed: int = SEED) -> list[str]:
    """`count` search terms from the names: words of the English names, and two-character pieces of the Chinese
    ones (about a third), drawn with the seed from the distinct candidates in a fixed order."""
    words: set[str] = set()
    pieces: set[str] = set()
    for name, name_zh in names:
        for word in _WORD.findall(name or ""):
            if word.lower() not in _COMMON:
                words.add(word.lower())
        for run in _CJK.findall(name_zh or ""):
            pieces.update(run[i : i + 2] for i in range(len(run) - 1))
    rng = random.Random(seed)  # noqa: S311 -- a seeded, reproducible draw, not a secret
    zh = sorted(pieces)
    en = sorted(words)
    take_zh = min(len(zh), count // 3)
    chosen = rng.sample(zh, take_zh) + rng.sample(en, min(len(en), count - take_zh))
    chosen += ["cluster"]  # the broad term of --same-variables, among the others
    rng.shuffle(chosen)
    return chosen


def build_pools(driver: Driver, database: str, params: Params) -> Pools:
    """Read the values of the varied workload from the graph (a few statements, before any server starts)."""

    def rows(query: str, **values: Any) -> list[dict[str, Any]]:
        return [r.data() for r in driver.execute_query(query, values, database_=database).records]

    clusters = [r["id"] for r in rows(_CLUSTERS, limit=MAX_CASES)]
    industry_years = [(r["industry"], int(r["year"])) for r in rows(_INDUSTRY_YEARS)]
    cities = [r["id"] for r in rows(_CITIES)]
    names = [(r["name"], r["nameZh"]) for r in rows(_NAMES, limit=MAX_CASES)]
    pages = max(1, min(MAX_PAGES, -(-params.deep_total // params.deep_size)))
    return Pools(clusters, industry_years, cities, search_terms(names, SEARCH_TERMS), pages)


def _shuffled(values: list[Any], seed: int) -> list[Any]:
    out = list(values)
    random.Random(seed).shuffle(out)  # noqa: S311 -- a seeded, reproducible shuffle, not a secret
    return out


def _draws(pools: Pools, name: str) -> list[dict[str, Any]]:
    """Every set of variables of a query (abstract: a page number rather than a peer's cursor), in a fixed order."""
    if name in ("cluster_by_key", "related_clusters"):
        return [{"cluster": c} for c in pools.clusters]
    if name == "clusters_page":
        return [{"industry": i, "year": y} for i, y in pools.industry_years]
    if name == "city_clusters_enterprises":
        return [{"city": c} for c in pools.cities]
    if name == "search":
        return [{"text": t} for t in pools.terms]
    if name == "stats":
        return [{}]
    if name == "deep_page":
        return [{"page": p} for p in range(1, pools.pages + 1)]
    raise KeyError(name)


def cases(pools: Pools, name: str, seed: int = SEED) -> list[dict[str, Any]]:
    """The varied variables of one query: all of its values, shuffled with the seed (and the query's name)."""
    return _shuffled(_draws(pools, name), hash_seed(seed, name))


def same_cases(params: Params, name: str) -> list[dict[str, Any]]:
    """`--same-variables`: the one set of variables per query chosen by `suite.discover` (the deep page's page 20)."""
    if name in ("cluster_by_key", "related_clusters"):
        return [{"cluster": params.cluster}]
    if name == "clusters_page":
        return [{"industry": params.industry, "year": params.year}]
    if name == "city_clusters_enterprises":
        return [{"city": params.city}]
    if name == "search":
        return [{"text": params.text}]
    if name == "stats":
        return [{}]
    if name == "deep_page":
        return [{"page": DEEP_PAGE}]
    raise KeyError(name)


def mix_cases(
    per_query: dict[str, list[dict[str, Any]]], length: int = MIX_LENGTH, seed: int = SEED
) -> list[tuple[str, dict[str, Any]]]:
    """The frontend mix's sequence: `length` draws of (query, variables), each query with its `FRONTEND_MIX`
    weight (among the queries given), each taking the next variables of that query's list."""
    names = [n for n in FRONTEND_MIX if n in per_query]
    if not names:
        return []
    rng = random.Random(hash_seed(seed, MIX))  # noqa: S311 -- a seeded, reproducible draw, not a secret
    picks = rng.choices(names, weights=[FRONTEND_MIX[n] for n in names], k=length)
    taken = dict.fromkeys(names, 0)
    out = []
    for name in picks:
        values = per_query[name]
        out.append((name, values[taken[name] % len(values)]))
        taken[name] += 1
    return out


def hash_seed(seed: int, name: str) -> int:
    """A seed per query that does not depend on Python's string hashing (which changes between processes)."""
    return seed * 1_000_003 + sum((i + 1) * ord(ch) for i, ch in enumerate(name))


def offsets(length: int, rounds: int) -> list[int]:
    """Where in a list the warm-up (first) and each measured round start: spread over the list, so that a round
    does not begin with the variables the warm-up has just planned. The same for every peer."""
    return [(k * length) // (rounds + 1) for k in range(rounds + 1)]
