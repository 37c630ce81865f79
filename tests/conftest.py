"""Fixtures shared by the whole suite: settings for the test Neo4j, a driver, and a graph in a known state.

The integration tests run against a real Neo4j: `make test` starts one on bolt://127.0.0.1:7688 (its own data
folder) and passes its URI in CLUSTERGRAPH_TEST_NEO4J_URI. The tests wipe that database, so never point this
variable at a server whose data matters.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from neo4j.exceptions import ServiceUnavailable

from clustergraph.db import create_driver, migrate, wipe
from clustergraph.loader import load_dataset
from clustergraph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
TEST_NEO4J_URI = os.environ.get("CLUSTERGRAPH_TEST_NEO4J_URI", "bolt://127.0.0.1:7688")


class StatementLog:
    """The Cypher statements the test apps send, by request id: the `on_statement` hook of `create_app`.

    A test reads what one request sent with `of(response)`, matched by the response's X-Request-ID, so apps and
    tests may share one log. Only the latest `max_requests` requests are kept.
    """

    def __init__(self, max_requests: int = 1000) -> None:
        self.max_requests = max_requests
        self._by_request: OrderedDict[str | None, list[tuple[str, dict[str, Any]]]] = OrderedDict()
        self._lock = threading.Lock()  # the app runs in the test client's thread

    def __call__(self, statement: str, params: Mapping[str, Any], request_id: str | None) -> None:
        with self._lock:
            self._by_request.setdefault(request_id, []).append((statement, dict(params)))
            while len(self._by_request) > self.max_requests:
                self._by_request.popitem(last=False)

    def of(self, response: Any) -> list[str]:
        """The statements sent while answering `response`, in the order they were sent."""
        return [statement for statement, _params in self.sent(response)]

    def sent(self, response: Any) -> list[tuple[str, dict[str, Any]]]:
        """The statements sent while answering `response`, each with its parameters."""
        with self._lock:
            return list(self._by_request.get(response.headers["x-request-id"], []))


#: What every app of the test suite sends (pass `on_statement=STATEMENTS` to `create_app`).
STATEMENTS = StatementLog()


CLIENTS_DIR = ROOT / "tests" / "clients"


@pytest.fixture(scope="session")
def npm_clients() -> Path:
    """tests/clients with its pinned JavaScript clients installed (`npm ci` from the lock file, when node_modules
    is missing); fails (never skips) when node or npm is not there."""
    import shutil
    import subprocess

    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: the JavaScript client tests need Node.js 20+ and npm "
            "(CI installs them, see .ci/run)."
        )
    if not (CLIENTS_DIR / "node_modules").is_dir():
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],  # noqa: S607 -- npm from PATH, checked above
            cwd=CLIENTS_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"`npm ci` in {CLIENTS_DIR} failed:\n{done.stdout}\n{done.stderr}")
    return CLIENTS_DIR


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings for the test Neo4j; the environment's NEO4J_* and any .env file are deliberately ignored.

    The password is CLUSTERGRAPH_TEST_NEO4J_PASSWORD when set; else, like the service's, the one generated at the
    first start of the local instance listening on the test URI (`Settings.neo4j_secret`)."""
    found = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        neo4j_uri=TEST_NEO4J_URI,
        neo4j_password=os.environ.get("CLUSTERGRAPH_TEST_NEO4J_PASSWORD"),
        neo4j_database=os.environ.get("CLUSTERGRAPH_TEST_NEO4J_DATABASE", "neo4j"),
        dataset_dir=DATA_DIR,
        cors_origins=["http://localhost:5173"],
    )
    # Resolved once, so that tests pointing a copy of these settings elsewhere keep the password.
    return found.model_copy(update={"neo4j_password": found.neo4j_secret})


@pytest.fixture(scope="session")
def driver(settings: Settings) -> Iterator[Driver]:
    """A blocking driver on the test Neo4j; fails (never skips) when the server is not there."""
    with create_driver(settings) as drv:
        try:
            drv.verify_connectivity()
        except ServiceUnavailable as exc:
            pytest.fail(
                f"The test Neo4j at {settings.bolt_uri} is not reachable ({exc}). Run the suite with `make test`, "
                "which starts it, or set CLUSTERGRAPH_TEST_NEO4J_URI to a disposable server."
            )
        yield drv


def reset_graph(driver: Driver, settings: Settings) -> None:
    """Delete every node and relationship, then re-apply the constraints and indexes."""
    wipe(driver, settings.neo4j_database)
    migrate(driver, settings.neo4j_database)


def run_cypher(driver: Driver, settings: Settings, query: str, **params: object) -> list[dict]:
    """An independent Cypher query, for computing expected answers in tests."""
    records, _, _ = driver.execute_query(query, params, database_=settings.neo4j_database)  # type: ignore[arg-type]
    return [r.data() for r in records]


#: The Cypher sort values of the names, for the expected orders: NAME ignores case, NAME_ZH is pinyin order. A
#: query using `PINYIN` takes the `pinyin_readings` of the graph as its `$pinyin` parameter.
NAME_SORT = "toLower(n.name)"
#: A level's place in the order the schema declares (provincial, then national).
LEVEL_RANK = "CASE n.level WHEN 'PROVINCIAL' THEN 0 WHEN 'NATIONAL' THEN 1 END"
PINYIN = "$pinyin[elementId(n)]"


def pinyin_readings(driver: Driver, settings: Settings) -> dict[str, list[str]]:
    """Every Chinese name's reading as a list of pinyin syllables with tone numbers (pypinyin), by element id;
    Cypher orders such lists syllable by syllable, as a dictionary does."""
    from pypinyin import Style, lazy_pinyin

    rows = run_cypher(
        driver, settings, "MATCH (n) WHERE n.nameZh IS NOT NULL RETURN elementId(n) AS id, n.nameZh AS zh"
    )
    return {
        r["id"]: [
            s.strip().lower()
            for s in lazy_pinyin(r["zh"], style=Style.TONE3, neutral_tone_with_five=True)
            if s.strip()
        ]
        for r in rows
    }


def _restore_dataset(driver: Driver, settings: Settings) -> None:
    reset_graph(driver, settings)
    load_dataset(driver, settings.neo4j_database, DATA_DIR)


@pytest.fixture
def empty_graph(driver: Driver, settings: Settings) -> Iterator[Driver]:
    """An empty database with the schema applied; the shared dataset is restored afterwards."""
    reset_graph(driver, settings)
    yield driver
    _restore_dataset(driver, settings)


@pytest.fixture(scope="session")
def _dataset_loaded(driver: Driver, settings: Settings) -> Driver:
    _restore_dataset(driver, settings)
    return driver


@pytest.fixture
def dataset_graph(_dataset_loaded: Driver, settings: Settings) -> Driver:
    """The real dataset, loaded once per session. Tests that write must use `fresh_dataset_graph` instead."""
    return _dataset_loaded


@pytest.fixture
def fresh_dataset_graph(
    driver: Driver, settings: Settings, request: pytest.FixtureRequest
) -> Iterator[Driver]:
    """The real dataset, loaded for this test alone; the shared copy is restored afterwards."""
    _restore_dataset(driver, settings)
    yield driver
    _restore_dataset(driver, settings)


@pytest.fixture(scope="session")
def client(settings: Settings, _dataset_loaded: Driver) -> Iterator[Any]:
    """The app, its lifespan running (driver opened, schema applied), over the real dataset."""
    from starlette.testclient import TestClient

    from clustergraph.app import create_app

    with TestClient(create_app(settings, on_statement=STATEMENTS)) as test_client:
        yield test_client


def gql(client: Any, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """POST a GraphQL request and return the decoded body (the HTTP status is checked by callers that care)."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}}, **kwargs)
    return response.json()  # type: ignore[no-any-return]


def gql_sent(
    client: Any, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[list[str], dict[str, Any]]:
    """`gql`, and the Cypher statements the request sent (for an app created with `on_statement=STATEMENTS`)."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}}, **kwargs)
    return STATEMENTS.of(response), response.json()


def gql_data(client: Any, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a GraphQL request that must succeed; return its `data`."""
    body = gql(client, query, variables)
    assert "errors" not in body, body.get("errors")
    return body["data"]  # type: ignore[no-any-return]


#: Related clusters computed independently of the service's statement: every pair scored by what it shares
#: (1 per industry, city, county; 2 per shared enterprise). Used by the API tests and the cookbook's checks.
RELATED_CLUSTERS_EXPECTED = """
MATCH (c:Cluster {id: $key}), (o:Cluster) WHERE o <> c
OPTIONAL MATCH (c)-[:IN_INDUSTRY]->(ci:Industry)
OPTIONAL MATCH (o)-[:IN_INDUSTRY]->(oi:Industry)
OPTIONAL MATCH (c)-[:LOCATED_IN]->(cc:County)-[:IN_CITY]->(ccity:City)
OPTIONAL MATCH (o)-[:LOCATED_IN]->(oc:County)-[:IN_CITY]->(ocity:City)
WITH o, coalesce(ci = oi, false) AS industry, coalesce(ccity = ocity, false) AS city,
     coalesce(cc = oc, false) AS county,
     COUNT { MATCH (c)<-[:MEMBER_OF]-(e:Enterprise)-[:MEMBER_OF]->(o) RETURN DISTINCT e } AS shared
WITH o, industry, city, county, shared,
     CASE WHEN industry THEN 1 ELSE 0 END + CASE WHEN city THEN 1 ELSE 0 END
     + CASE WHEN county THEN 1 ELSE 0 END + 2 * shared AS score
WHERE score > 0
RETURN o.id AS key, o.name AS name, score, industry, city, county, shared
"""
