"""Writing a validated dataset into Neo4j: parameterised `UNWIND ... MERGE` batches inside one transaction."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neo4j import Driver, ManagedTransaction

from .cypher.statements import GRAPH_COUNTS, LOAD_STATEMENTS
from .dataset import GraphPlan, read_dataset
from .sort_keys import with_sort_keys

#: Rows per UNWIND statement: big enough to amortise a round trip, small enough to keep each statement's
#: parameter map modest. All batches of one load share a single transaction.
BATCH_SIZE = 5_000


@dataclass
class LoadSummary:
    """What a load did: rows per kind, what changed in the graph, and the graph's totals afterwards."""

    rows: dict[str, int] = field(default_factory=dict)
    nodes_created: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    total_nodes: int = 0
    total_relationships: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        rate = (self.nodes_created + self.relationships_created) / self.seconds if self.seconds else 0.0
        return [
            "rows: " + ", ".join(f"{kind} {count}" for kind, count in self.rows.items()),
            f"created: {self.nodes_created} nodes, {self.relationships_created} relationships "
            f"(deleted {self.relationships_deleted} outdated relationships; {self.properties_set} properties set)",
            f"graph now: {self.total_nodes} nodes, {self.total_relationships} relationships",
            f"time: {self.seconds:.2f}s ({rate:,.0f} created nodes+relationships/s)",
        ]


def plan_rows(plan: GraphPlan, kind: str) -> list[dict[str, Any]]:
    """The rows of one kind of `plan` as `LOAD_STATEMENTS[kind]` takes them: named rows also carry the sort keys
    of their names (see `sort_keys`)."""
    return [with_sort_keys(row) for row in getattr(plan, kind)]


def write_plan(driver: Driver, database: str, plan: GraphPlan, batch_size: int = BATCH_SIZE) -> LoadSummary:
    """Write the whole plan in one write transaction: all of it lands, or none of it does."""
    summary = LoadSummary()

    def work(tx: ManagedTransaction) -> None:
        for kind, statement in LOAD_STATEMENTS.items():
            rows = plan_rows(plan, kind)
            summary.rows[kind] = len(rows)
            for start in range(0, len(rows), batch_size):
                counters = tx.run(statement, rows=rows[start : start + batch_size]).consume().counters
                summary.nodes_created += counters.nodes_created
                summary.relationships_created += counters.relationships_created
                summary.relationships_deleted += counters.relationships_deleted
                summary.properties_set += counters.properties_set

    started = time.perf_counter()
    with driver.session(database=database) as session:
        session.execute_write(work)
        record = session.run(GRAPH_COUNTS).single(strict=True)
    summary.seconds = time.perf_counter() - started
    summary.total_nodes = record["nodes"]
    summary.total_relationships = record["relationships"]
    return summary


def load_dataset(driver: Driver, database: str, directory: Path) -> LoadSummary:
    """Validate every file of the dataset in `directory`, then write it (raises `DatasetError` if any row is bad)."""
    plan = read_dataset(directory)
    return write_plan(driver, database, plan)
