"""The app served for real in tests: uvicorn on a free loopback port, in a thread of the test process (so that a
test can look at the app's state, its live queries for instance)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

#: How long a server may take to start or stop: a readiness bound, never a timing assertion, so generous enough
#: for a loaded machine (two workers of `clustergraph serve` have taken 37 s to start there).
SERVER_START_S = 120.0


@contextlib.contextmanager
def running_server(app: Starlette) -> Iterator[str]:
    """Serve `app` (its lifespan runs) on 127.0.0.1 and a port the system picked; yields "127.0.0.1:<port>"."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # As `clustergraph serve` does: uvicorn's own X-Forwarded-For rewriting off (the app reads it, `ratelimit`).
    config = uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=False)
    server = uvicorn.Server(config)
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


def wait_until_healthy(base: str, proc: Popen[Any], log: Path) -> None:
    """Wait (up to SERVER_START_S) until the server process `proc` answers 200 at `base`/healthz; fail with its
    log when it exits first or never does."""
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"the server did not answer /healthz within {SERVER_START_S:g} s: {log.read_text()}")
        time.sleep(0.1)
