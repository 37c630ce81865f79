"""Each query of cypher/explore.cypher returns rows on the real dataset; the style sheet covers each label."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from neo4j import Driver

from clustergraph.settings import Settings

pytestmark = pytest.mark.integration

CYPHER_DIR = Path(__file__).resolve().parents[2] / "cypher"
EXPLORE_FILE = CYPHER_DIR / "explore.cypher"
GRASS_FILE = CYPHER_DIR / "clustergraph.grass"


@dataclass(frozen=True)
class ExploreQuery:
    """One statement of explore.cypher and the comment line that introduces it."""

    description: str
    statement: str

    @property
    def slug(self) -> str:
        words = re.sub(r"[^a-z0-9]+", "-", self.description.lower()).strip("-")
        return words[:60].rstrip("-") or "query"


def parse_explore(text: str) -> list[ExploreQuery]:
    """Split the file into statements: `//` lines are comments, a `;` at the end of a line ends a statement.

    A statement is described by the first line of the comment block right above it; a blank line ends a block.
    """
    queries: list[ExploreQuery] = []
    comments: list[str] = []
    body: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.lstrip()
        if stripped.startswith("//"):
            if not body:
                comments.append(stripped.removeprefix("//").strip())
            continue
        if not stripped:
            if not body:
                comments = []
            continue
        body.append(line)
        if line.endswith(";"):
            statement = "\n".join(body).removesuffix(";").strip()
            queries.append(ExploreQuery(description=comments[0] if comments else "", statement=statement))
            comments, body = [], []
    assert not body, f"explore.cypher ends inside a statement: {' '.join(body)[:80]!r}"
    return queries


QUERIES = parse_explore(EXPLORE_FILE.read_text(encoding="utf-8"))


def test_explore_file_has_described_queries() -> None:
    assert len(QUERIES) >= 12
    for index, query in enumerate(QUERIES):
        assert query.description, f"statement {index} has no comment line above it"


@pytest.mark.parametrize(
    "query", QUERIES, ids=[f"{index:02d}-{query.slug}" for index, query in enumerate(QUERIES)]
)
def test_explore_query_returns_rows(dataset_graph: Driver, settings: Settings, query: ExploreQuery) -> None:
    records, _, _ = dataset_graph.execute_query(
        query.statement, database_=settings.neo4j_database, routing_="r"
    )
    assert records, f"no rows for: {query.description}"


def grass_selectors(text: str) -> tuple[set[str], set[str]]:
    """The node labels and relationship types a GraSS style sheet gives a rule to."""
    labels = set(re.findall(r"^\s*node\.([A-Za-z_][A-Za-z0-9_]*)\s*\{", text, flags=re.MULTILINE))
    types = set(re.findall(r"^\s*relationship\.([A-Za-z_][A-Za-z0-9_]*)\s*\{", text, flags=re.MULTILINE))
    return labels, types


def test_grass_styles_every_label_and_relationship_type(dataset_graph: Driver, settings: Settings) -> None:
    styled_labels, styled_types = grass_selectors(GRASS_FILE.read_text(encoding="utf-8"))
    records, _, _ = dataset_graph.execute_query(
        "CALL db.labels() YIELD label RETURN collect(label) AS labels",
        database_=settings.neo4j_database,
        routing_="r",
    )
    labels = set(records[0]["labels"])
    assert labels, "the loaded graph has no labels"
    assert labels <= styled_labels, f"labels without a style: {sorted(labels - styled_labels)}"
    records, _, _ = dataset_graph.execute_query(
        "CALL db.relationshipTypes() YIELD relationshipType RETURN collect(relationshipType) AS types",
        database_=settings.neo4j_database,
        routing_="r",
    )
    types = set(records[0]["types"])
    assert types <= styled_types, f"relationship types without a style: {sorted(types - styled_types)}"
