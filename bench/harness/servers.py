"""The three servers under test, started as child processes, and their memory.

Each server runs in a process group of its own (so that stopping it stops its workers), on 127.0.0.1, with two
worker processes (the machine's cores): ClusterGraph as in production (`clustergraph serve`, WORKERS=2,
LOG_LEVEL=warning, GRAPHIQL=false, PRODUCTION=true with a fresh JWT_SECRET; METRICS=true, so that the run can read
the plan cache's hits and misses from /metrics), @neo4j/graphql under Apollo Server in two Node.js cluster
workers, and the raw-Cypher floor under uvicorn with two workers.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .suite import CLUSTERGRAPH, NEO4J_GRAPHQL, RAW

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
NODE_PEER = ROOT / "bench" / "peers" / "neo4j-graphql"
RAW_PEER = ROOT / "bench" / "peers" / "raw_cypher.py"
PORTS = {CLUSTERGRAPH: 8100, NEO4J_GRAPHQL: 8101, RAW: 8102}
PATHS = {CLUSTERGRAPH: "/graphql", NEO4J_GRAPHQL: "/graphql", RAW: "/"}


@dataclass
class Server:
    """A running peer: its process (group leader), URL and log file."""

    peer: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    started_s: float = 0.0
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid


#: ClusterGraph settings the bench passes on from its environment.
CLUSTERGRAPH_OVERRIDES = (
    "PLAN_CACHE_SIZE",
    "HTTP_CACHE",
    "HTTP_CACHE_SIZE",
    "HTTP_CACHE_MAX_STALENESS_MS",
    "METRICS",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the smoke mode's, so parallel runs do not collide)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _base_env(uri: str, user: str, password: str, database: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "JAVA_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({"NEO4J_URI": uri, "NEO4J_USER": user, "NEO4J_PASSWORD": password, "NEO4J_DATABASE": database})
    return env


def command(peer: str, port: int, workers: int) -> tuple[list[str], dict[str, str], Path]:
    """(argv, extra environment, working directory) of a peer."""
    if peer == CLUSTERGRAPH:
        env = {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WORKERS": str(workers),
            "LOG_LEVEL": "warning",
            "GRAPHIQL": "false",
            # The bench measures the service, not its fair-use limit (its clients would spend their budget).
            "RATE_LIMIT": "false",
            "PRODUCTION": "true",
            # Production refuses the development signing key; reads need no token, so any fresh secret will do.
            "JWT_SECRET": secrets.token_urlsafe(32),
            # /metrics on, for the plan cache's hits and misses of each run (`METRICS=false make bench` turns
            # it off; the run then reports no hit rates).
            "METRICS": "true",
        }
        # The bench's own environment may turn ClusterGraph's plan cache off, or its HTTP cache
        # on, to measure the difference (e.g. `PLAN_CACHE_SIZE=0 make bench`, `HTTP_CACHE=true make bench`).
        env.update({name: os.environ[name] for name in CLUSTERGRAPH_OVERRIDES if name in os.environ})
        return [str(VENV_BIN / "clustergraph"), "serve"], env, ROOT
    if peer == NEO4J_GRAPHQL:
        env = {"HOST": "127.0.0.1", "PORT": str(port), "WORKERS": str(workers), "NODE_ENV": "production"}
        return ["node", "index.mjs"], env, NODE_PEER
    if peer == RAW:
        argv = [str(VENV_BIN / "python"), str(RAW_PEER), "--port", str(port), "--workers", str(workers)]
        return argv, {}, ROOT
    raise KeyError(peer)


def start(
    peer: str,
    uri: str,
    password: str,
    log_dir: Path,
    workers: int = 2,
    user: str = "neo4j",
    database: str = "neo4j",
    port: int | None = None,
    timeout_s: float = 90.0,
) -> Server:
    """Start a peer and return once it answers a GraphQL (or raw) request."""
    port = port or PORTS[peer]
    argv, extra, cwd = command(peer, port, workers)
    env = {**_base_env(uri, user, password, database), **extra}
    log = log_dir / f"{peer}.log"
    started = time.perf_counter()
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 -- fixed argv
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}{PATHS[peer]}"
    probe = {"query": "stats", "variables": {}} if peer == RAW else {"query": "{ __typename }"}
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{peer} exited during start-up; see {log}:\n{_tail(log)}")
            try:
                if client.post(url, json=probe).status_code == 200:
                    return Server(peer, process, url, log, time.perf_counter() - started)
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
    stop(Server(peer, process, url, log))
    raise RuntimeError(f"{peer} did not answer on {url} within {timeout_s:.0f}s; see {log}:\n{_tail(log)}")


def describe_exit(server: Server) -> str:
    """Whether a server is still running, and the end of its log: for error messages."""
    code = server.process.poll()
    state = "is still running" if code is None else f"exited with {code}"
    return f"{server.peer} (pid {server.pid}) {state}; the end of {server.log}:\n{_tail(server.log)}"


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(server: Server, timeout_s: float = 20.0) -> None:
    """SIGTERM the server's process group (the server and its workers), SIGKILL it after the timeout."""
    if server.process.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        server.process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


# --- memory ------------------------------------------------------------------------------------------------


def _status(pid: int) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = value.strip()
    except OSError:
        pass
    return out


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it, from /proc (children of children included)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        ppid = _status(int(entry.name)).get("PPid")
        if ppid and ppid.isdigit():
            children.setdefault(int(ppid), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _kb(value: str | None) -> int:
    return int(value.split()[0]) if value else 0


def peak_rss_kb(pid: int) -> dict[str, int]:
    """Peak resident memory (VmHWM) of a process and each of its descendants, and their sum, in KiB."""
    per_process = {p: _kb(_status(p).get("VmHWM")) for p in descendants(pid)}
    return {
        "total": sum(per_process.values()),
        "processes": len(per_process),
        "largest": max(per_process.values(), default=0),
    }


def current_rss_kb(pid: int) -> int:
    return sum(_kb(_status(p).get("VmRSS")) for p in descendants(pid))
