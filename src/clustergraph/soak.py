"""A soak test: concurrent clients mix reads and authenticated writes while Neo4j is stopped and started again.

Everything runs on this machine's loopback: a Neo4j instance of its own (`soak`, ports from the settings), the
API served by uvicorn in a child process, and the clients. Requests are bounded in number and time. At the end it
checks that every write acknowledged to a client is in the graph exactly once, and that no client ever saw an
unmasked internal error, and prints the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from . import neo4j_server
from .auth import Role, create_token
from .cypher.statements import ENTERPRISES_FOUND
from .db import create_driver, migrate, wipe
from .loader import load_dataset
from .settings import Settings

READS = (
    "{ clusters(first: 10) { totalCount nodes { key name county { name } industry { name } } } }",
    "{ cities(first: 5, orderBy: [{field: CLUSTER_COUNT, direction: DESC}]) { nodes { name clusters(first: 5) "
    "{ nodes { name enterprises(first: 5) { nodes { name } } } } } } }",
    "{ stats { labelCounts { label count } coverage { batch { key } namedCount } } }",
    '{ search(text: "pump", first: 5) { score node { __typename } } }',
)
WRITE = """mutation($input: CreateEnterpriseInput!) {
  createEnterprise(input: $input) { enterprise { key } errors { code } } }"""
#: Error codes a client may see while Neo4j is away: clear, expected refusals.
CLEAR_CODES = {"SERVICE_UNAVAILABLE", "TIMEOUT", "BAD_USER_INPUT"}


@dataclass
class SoakReport:
    """What the soak saw and checked."""

    sent: int = 0
    answered: int = 0
    refused_clearly: int = 0
    unmasked: int = 0
    http_errors: int = 0
    writes_acknowledged: int = 0
    acknowledged_missing: int = 0
    acknowledged_duplicated: int = 0
    unacknowledged_present: int = 0
    recovery_s: float | None = None
    codes: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.unmasked == 0
            and self.acknowledged_missing == 0
            and self.acknowledged_duplicated == 0
            and self.recovery_s is not None
            and self.answered > 0
        )

    def lines(self) -> list[str]:
        recovery = f"{self.recovery_s:.2f}s" if self.recovery_s is not None else "never"
        return [
            f"requests sent: {self.sent}",
            f"answered: {self.answered}",
            f"refused with a clear error: {self.refused_clearly} {dict(self.codes)}",
            f"unmasked internal errors seen by clients: {self.unmasked}",
            f"HTTP errors without a GraphQL body: {self.http_errors}",
            f"writes acknowledged: {self.writes_acknowledged}; missing from the graph: {self.acknowledged_missing}; "
            f"present more than once: {self.acknowledged_duplicated}",
            f"writes not acknowledged but present (committed as the connection dropped): {self.unacknowledged_present}",
            f"seconds until the service answered again after Neo4j was back: {recovery}",
            "result: " + ("PASS" if self.ok else "FAIL"),
        ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def soak_settings(base: Settings) -> Settings:
    """The soak's own local Neo4j: another instance, other ports, its data wiped at every soak, its password its
    own (generated at its first start, see `neo4j_server.start`)."""
    return base.model_copy(update={
        "neo4j_uri": None, "neo4j_password": None, "local_neo4j_instance": "soak", "local_neo4j_bolt_port": 7689,
        "local_neo4j_http_port": 7476, "local_neo4j_heap": "512m", "local_neo4j_pagecache": "128m",
    })  # fmt: skip


def _classify(
    report: SoakReport, response: httpx.Response | None, error: str | None
) -> dict[str, Any] | None:
    if response is None:
        report.http_errors += 1
        if len(report.examples) < 5 and error:
            report.examples.append(error)
        return None
    try:
        body = response.json()
    except ValueError:
        report.http_errors += 1
        return None
    errors = body.get("errors") or []
    if not errors:
        report.answered += 1
        return body  # type: ignore[no-any-return]
    codes = [(e.get("extensions") or {}).get("code") for e in errors]
    leaked = any(
        code not in CLEAR_CODES
        or "Traceback" in e.get("message", "")
        or "neo4j" in e.get("message", "").lower()
        for code, e in zip(codes, errors, strict=True)
    )
    if leaked:
        report.unmasked += 1
        if len(report.examples) < 5:
            report.examples.append(str(errors)[:300])
    else:
        report.refused_clearly += 1
        report.codes.update(str(c) for c in codes)
    return None


async def _client(
    worker: int,
    url: str,
    token: str,
    deadline: float,
    max_requests: int,
    report: SoakReport,
    acknowledged: list[str],
    attempted: list[str],
) -> None:
    rng = random.Random(worker)  # noqa: S311 -- a workload mix, not security
    async with httpx.AsyncClient(timeout=30.0) as http:
        n = 0
        while time.monotonic() < deadline and n < max_requests:
            n += 1
            report.sent += 1
            is_write = rng.random() < 0.3
            if is_write:
                key = f"soak-{worker}-{n}"
                attempted.append(key)
                payload = {"query": WRITE, "variables": {"input": {"key": key, "name": f"Soak {key}",
                                                                 "nameZh": f"压测{key}"}}}  # fmt: skip
                headers = {"Authorization": f"Bearer {token}"}
            else:
                payload = {"query": rng.choice(READS)}
                headers = {}
            response, error = None, None
            try:
                response = await http.post(url, json=payload, headers=headers)
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            body = _classify(report, response, error)
            if is_write and body is not None:
                result = body["data"]["createEnterprise"]
                if result["enterprise"] is not None and not result["errors"]:
                    acknowledged.append(result["enterprise"]["key"])
                    report.writes_acknowledged += 1


async def _wait_answering(url: str, deadline: float) -> bool:
    async with httpx.AsyncClient(timeout=5.0) as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                body = (await http.post(url, json={"query": "{ clusters { totalCount } }"})).json()
                if not body.get("errors"):
                    return True
            await asyncio.sleep(0.1)
    return False


async def _run(settings: Settings, url: str, seconds: float, clients: int, max_requests: int) -> tuple[
    SoakReport, list[str], list[str]
]:  # fmt: skip
    report = SoakReport()
    token = create_token(
        settings, Role.EDITOR, ttl_s=min(max(int(seconds) * 10, 600), settings.jwt_max_lifetime_s)
    )
    acknowledged: list[str] = []
    attempted: list[str] = []
    started = time.monotonic()
    deadline = started + seconds
    workers = [
        asyncio.create_task(_client(i, url, token, deadline, max_requests, report, acknowledged, attempted))
        for i in range(clients)
    ]
    await asyncio.sleep(seconds / 3)
    await asyncio.to_thread(neo4j_server.stop, settings)
    await asyncio.sleep(seconds / 6)
    await asyncio.to_thread(neo4j_server.start, settings)
    back = time.monotonic()
    if await _wait_answering(url, back + 120):
        report.recovery_s = time.monotonic() - back
    await asyncio.gather(*workers)
    return report, acknowledged, attempted


def run_soak(base: Settings, seconds: float = 30.0, clients: int = 8, max_requests: int = 5_000,
             dataset: Path | None = None) -> SoakReport:  # fmt: skip
    """Run the whole soak and return its report (the local soak Neo4j is stopped at the end)."""
    settings = soak_settings(base)
    neo4j_server.start(settings)
    api: subprocess.Popen[bytes] | None = None
    try:
        with create_driver(settings) as driver:
            wipe(driver, settings.neo4j_database)
            migrate(driver, settings.neo4j_database)
            load_dataset(driver, settings.neo4j_database, dataset or settings.dataset_dir)
        port = _free_port()
        env = {**os.environ, "NEO4J_URI": settings.bolt_uri, "NEO4J_PASSWORD": settings.neo4j_secret.get_secret_value(),
               "JWT_SECRET": settings.jwt_secret.get_secret_value(), "LOG_LEVEL": "warning"}  # fmt: skip
        api = subprocess.Popen(  # noqa: S603 -- fixed argv
            [sys.executable, "-m", "uvicorn", "clustergraph.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/graphql"
        if not asyncio.run(_wait_answering(url, time.monotonic() + 60)):
            raise RuntimeError("the API did not start answering within 60s")
        report, acknowledged, attempted = asyncio.run(_run(settings, url, seconds, clients, max_requests))
        with create_driver(settings) as driver:
            records, _, _ = driver.execute_query(
                ENTERPRISES_FOUND, {"keys": attempted}, database_=settings.neo4j_database,
            )  # fmt: skip
        found = {r["k"]: r["n"] for r in records}
        acked = set(acknowledged)
        report.acknowledged_missing = sum(1 for k in acked if found.get(k, 0) == 0)
        report.acknowledged_duplicated = sum(1 for k in acked if found.get(k, 0) > 1)
        report.unacknowledged_present = sum(1 for k in attempted if k not in acked and found.get(k, 0) > 0)
        return report
    finally:
        if api is not None:
            api.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                api.wait(timeout=10)
        neo4j_server.stop(settings)
