"""Writing a large graph plan in many transactions: one commit per batch of rows.

`loader.write_plan` keeps a whole load in one transaction, so that a bad load leaves nothing behind; its memory
grows with the plan. A synthetic graph of a million enterprises does not fit in one transaction on a modest heap,
and it needs no all-or-nothing guarantee (it goes only into databases used for measuring), so this variant
commits every batch on its own. It runs the same `LOAD_STATEMENTS` in the same order, so the graph it leaves is
the one `write_plan` would leave; a load that stops half-way leaves half a graph.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, LiteralString

from neo4j import Driver, ManagedTransaction, SummaryCounters

from clustergraph.cypher.statements import GRAPH_COUNTS, LOAD_STATEMENTS
from clustergraph.dataset import GraphPlan
from clustergraph.loader import LoadSummary, plan_rows

#: Rows per transaction: large enough to amortise a commit, small enough for a few hundred MB of heap.
BULK_BATCH_SIZE = 10_000

#: Called after each committed batch with (kind, rows written of that kind so far, rows of that kind).
Progress = Callable[[str, int, int], None]


def write_plan_batched(
    driver: Driver,
    database: str,
    plan: GraphPlan,
    batch_size: int = BULK_BATCH_SIZE,
    progress: Progress | None = None,
) -> LoadSummary:
    """Write the plan with one write transaction per batch of rows (not atomic as a whole; see the module)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    summary = LoadSummary()
    started = time.perf_counter()
    with driver.session(database=database) as session:
        for kind, statement in LOAD_STATEMENTS.items():
            rows = plan_rows(plan, kind)
            summary.rows[kind] = len(rows)
            for start in range(0, len(rows), batch_size):
                chunk = rows[start : start + batch_size]

                def work(
                    tx: ManagedTransaction,
                    statement: LiteralString = statement,
                    chunk: list[dict[str, Any]] = chunk,
                ) -> SummaryCounters:
                    return tx.run(statement, rows=chunk).consume().counters

                counters = session.execute_write(work)
                summary.nodes_created += counters.nodes_created
                summary.relationships_created += counters.relationships_created
                summary.relationships_deleted += counters.relationships_deleted
                summary.properties_set += counters.properties_set
                if progress is not None:
                    progress(kind, start + len(chunk), len(rows))
        record = session.run(GRAPH_COUNTS).single(strict=True)
    summary.seconds = time.perf_counter() - started
    summary.total_nodes = record["nodes"]
    summary.total_relationships = record["relationships"]
    return summary
