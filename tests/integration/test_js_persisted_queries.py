"""The real Apollo Client (tests/clients, pinned by its lock file) with its persisted-query link, against the
service served by uvicorn: a query by hash over GET, the link's retry with the document, then a hit and a 304 on
the repeats (tests/clients/apollo_persisted_queries.test.mjs). The expected answer is computed in Cypher here and
handed to the JavaScript test, which asserts it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import run_cypher
from serving import wait_until_healthy

pytestmark = pytest.mark.integration

FIRST = 3
DIRECT_CLUSTERS = """
MATCH (c:Cluster) WITH c ORDER BY c.id
WITH collect({key: c.id, name: c.name}) AS rows
RETURN size(rows) AS totalCount, rows[0..$first] AS nodes
"""


@contextlib.contextmanager
def served(settings: Settings, workdir: Path, **env: str) -> Iterator[str]:
    """The app under uvicorn on a socket bound to a free port (port 0, handed over as a file descriptor, so no
    other process can take the port meanwhile), configured by `env`; yields the /graphql URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
    environment = {
        **os.environ,
        "NEO4J_URI": settings.neo4j_uri or "",
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": password,
        "NEO4J_DATABASE": settings.neo4j_database,
        "METRICS": "false",
        **env,
    }
    log = (workdir / "uvicorn.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603 -- fixed argv
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "clustergraph.app:create_app",
            "--fd",
            str(sock.fileno()),
            "--log-level",
            "warning",
        ],
        env=environment,
        cwd=workdir,  # no .env of the project is read
        pass_fds=(sock.fileno(),),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    sock.close()  # the server holds its own copy
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, proc, workdir / "uvicorn.log")
        yield f"{base}/graphql"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _node_test(clients: Path, script: str, workdir: Path, **env: str) -> tuple[str, list[dict[str, Any]]]:
    done = subprocess.run(  # noqa: S603 -- fixed argv
        ["node", "--test", str(clients / script)],  # noqa: S607 -- node from PATH, checked by npm_clients
        cwd=clients,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    uvicorn = (workdir / "uvicorn.log").read_text()
    assert done.returncode == 0, f"{output}\n--- uvicorn ---\n{uvicorn}"
    return output, json.loads(Path(env["CLUSTERGRAPH_REPORT"]).read_text(encoding="utf-8"))


def test_apollo_client_runs_a_query_by_hash_over_get_then_hits_and_revalidates(
    npm_clients: Path, settings: Settings, dataset_graph: Driver, tmp_path: Path
) -> None:
    row = run_cypher(dataset_graph, settings, DIRECT_CLUSTERS, first=FIRST)[0]
    expected = {"clusters": {"totalCount": row["totalCount"], "nodes": row["nodes"]}}
    with served(settings, tmp_path, HTTP_CACHE="true", EDGE_CACHE_MAX_AGE_S="60") as url:
        output, exchanges = _node_test(
            npm_clients,
            "apollo_persisted_queries.test.mjs",
            tmp_path,
            CLUSTERGRAPH_URL=url,
            CLUSTERGRAPH_EXPECTED=json.dumps(expected),
            CLUSTERGRAPH_FIRST=str(FIRST),
            CLUSTERGRAPH_REPORT=str(tmp_path / "exchanges.json"),
        )
    assert "# pass 1" in output, output
    assert "# fail 0" in output, output
    miss, retry, hit, revalidated = exchanges
    assert (miss["method"], miss["codes"], miss["cacheControl"]) == (
        "GET",
        ["PERSISTED_QUERY_NOT_FOUND"],
        "no-store",
    )
    assert (retry["method"], retry["status"]) == ("POST", 200)
    assert (hit["status"], hit["xCache"]) == (200, "HIT")
    assert hit["cacheControl"] == "public, max-age=60"
    assert "Authorization" in hit["vary"]
    assert revalidated["status"] == 304
    # The stable URL a CDN keys on: the operation's name, its variables and the hash; no document.
    assert hit["url"].startswith(url + "?")
    assert "query=" not in hit["url"]
    assert "sha256Hash" in httpx.URL(hit["url"]).params["extensions"]
