"""How reads reach Neo4j (`clustergraph.db`): one auto-commit transaction each, tried again for a passing failure
for as long as the settings allow, never for a lasting one. Against the real test Neo4j."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import AsyncResult
from neo4j.exceptions import CypherSyntaxError, SessionExpired

from clustergraph.db import _execute_read, create_async_driver, graph_version, read
from clustergraph.settings import Settings

pytestmark = pytest.mark.integration


def _flaky(failures: int, error: Exception) -> tuple[Any, list[int]]:
    """A `take` that raises `error` the first `failures` times, then returns the row; and its call log."""
    calls: list[int] = []

    async def take(result: AsyncResult) -> int:
        calls.append(1)
        if len(calls) <= failures:
            raise error
        record = await result.single(strict=True)
        return int(record["n"])

    return take, calls


async def test_a_passing_failure_is_tried_again(settings: Settings) -> None:
    driver = create_async_driver(settings)
    try:
        take, calls = _flaky(2, SessionExpired("the server went away"))
        value, version = await _execute_read(
            driver, settings.neo4j_database, "RETURN 41 + 1 AS n", {}, None, take, retry_s=5.0
        )
    finally:
        await driver.close()
    assert value == 42
    assert len(calls) == 3
    assert version


@pytest.mark.parametrize(
    ("error", "retry_s"),
    [
        (SessionExpired("the server went away"), 0.0),  # retryable, but no time to retry in
        (CypherSyntaxError("a lasting fault"), 5.0),  # not retryable
    ],
)
async def test_no_retry_without_time_or_for_a_lasting_failure(
    settings: Settings, error: Exception, retry_s: float
) -> None:
    driver = create_async_driver(settings)
    try:
        take, calls = _flaky(1, error)
        with pytest.raises(type(error)):
            await _execute_read(driver, settings.neo4j_database, "RETURN 1 AS n", {}, None, take, retry_s)
    finally:
        await driver.close()
    assert len(calls) == 1


async def test_reads_see_what_was_just_written_and_the_version_moves(
    settings: Settings, empty_graph: Any
) -> None:
    """A read after a write (same driver, its bookmark manager) sees it; the version changes with the write."""
    driver = create_async_driver(settings)
    try:
        before = await graph_version(driver, settings.neo4j_database, "RETURN 1")
        async with driver.session(database=settings.neo4j_database) as session:
            await (await session.run("CREATE (:ReadProbe {n: 7})")).consume()
        rows = await read(driver, settings.neo4j_database, "MATCH (p:ReadProbe) RETURN p.n AS n", {})
        after = await graph_version(driver, settings.neo4j_database, "RETURN 1")
    finally:
        await driver.close()
    assert rows == [{"n": 7}]
    assert after != before
