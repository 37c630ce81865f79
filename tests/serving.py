"""The app served for real in tests: uvicorn on a free loopback port, in a thread of the test process, and the
npm clients of tests/clients installed when missing."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette

CLIENTS_DIR = Path(__file__).resolve().parent / "clients"
#: How long the server may take to start or stop.
SERVER_START_S = 30.0


@contextlib.contextmanager
def running_server(app: Starlette) -> Iterator[str]:
    """Serve `app` (its lifespan runs) on 127.0.0.1 and a port the system picked; yields "127.0.0.1:<port>"."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start serving the app")
        time.sleep(0.02)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(SERVER_START_S)
        sock.close()


def npm_clients() -> Path:
    """tests/clients with its locked packages installed (`npm ci` when node_modules is missing); fails, never
    skips, when Node.js or npm is not installed."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(
                f"`{tool}` is not installed: the client tests need Node.js 20+ with npm "
                "(`apt-get install -y nodejs npm`; .ci/run installs them)."
            )
    if not (CLIENTS_DIR / "node_modules").is_dir():
        done = subprocess.run(  # noqa: S603 -- a fixed command line
            [shutil.which("npm") or "npm", "ci", "--no-audit", "--no-fund"],
            cwd=CLIENTS_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"`npm ci` in {CLIENTS_DIR} failed:\n{done.stdout}\n{done.stderr}")
    return CLIENTS_DIR
