"""Live queries from real JavaScript clients (tests/clients, from npm): Apollo Client's graphql-ws link and
graphql-sse subscribe, see the answer change after a mutation and after a write straight in Cypher, and
unsubscribe; the server is then left with no subscription."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from neo4j import Driver

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.settings import Settings
from conftest import run_cypher
from serving import running_server

SCRIPT = "live.test.mjs"
NODE_TIMEOUT_S = 180
#: The clusters the script may write and read through the helper.
PREFIX = "live-js-"


@pytest.fixture
def cypher_helper(fresh_dataset_graph: Driver, settings: Settings) -> Iterator[str]:
    """An HTTP endpoint on a free port through which the script writes straight in Cypher (only `live-js-`
    clusters), and reads the keys of those clusters as Neo4j has them."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            action, key, prefix = body.get("action"), body.get("key"), body.get("prefix") or ""
            if not prefix.startswith(PREFIX) or (action != "keys" and not str(key).startswith(prefix)):
                self.send_error(400, "only live-js- clusters")
                return
            if action == "create":
                run_cypher(
                    fresh_dataset_graph,
                    settings,
                    "CREATE (:Cluster {id: $key, name: $key, nameZh: '客户端直写集群'})",
                    key=key,
                )
            elif action == "delete":
                run_cypher(
                    fresh_dataset_graph, settings, "MATCH (c:Cluster {id: $key}) DETACH DELETE c", key=key
                )
            elif action != "keys":
                self.send_error(400, "action is create, delete or keys")
                return
            rows = run_cypher(
                fresh_dataset_graph,
                settings,
                "MATCH (c:Cluster) WHERE c.id STARTS WITH $prefix RETURN c.id AS key ORDER BY key",
                prefix=prefix,
            )
            answer = json.dumps({"keys": [r["key"] for r in rows]}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_apollo_and_graphql_sse_clients_follow_live_answers_and_unsubscribe(
    settings, cypher_helper, npm_clients
):
    """`node --test tests/clients/live.test.mjs` passes against the served API, and afterwards the server holds
    no subscription: both clients unsubscribed cleanly."""
    app = create_app(settings)
    with running_server(app) as address:
        env = {
            "PATH": os.environ["PATH"],
            "CLUSTERGRAPH_HTTP_URL": f"http://{address}/graphql",
            "CLUSTERGRAPH_WS_URL": f"ws://{address}/graphql",
            "CLUSTERGRAPH_EDITOR_TOKEN": create_token(settings, Role.EDITOR),
            "CLUSTERGRAPH_CYPHER_URL": cypher_helper,
        }
        done = subprocess.run(  # noqa: S603 -- a fixed command line
            ["node", "--test", SCRIPT],  # noqa: S607 -- node from PATH, checked by the npm_clients fixture
            cwd=npm_clients,
            env=env,
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT_S,
            check=False,
        )
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
        assert "# pass 2" in done.stdout, done.stdout
        deadline = time.monotonic() + 30
        while app.state.live.subscriber_count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert app.state.live.subscriber_count == 0
        assert app.state.live.queries == {}
