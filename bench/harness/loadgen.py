"""Load generation: wrk with a Lua script per query, or a small asyncio client where wrk is not installed.

Both send a list of POST bodies in turn (one body over and over with `--same-variables`) on `concurrency`
keep-alive connections for a fixed time, starting at a given place in the list, and report the number of completed
requests, errors (including answers that carry a GraphQL `errors` entry), and the latency distribution (wrk's,
from its `done` function). The bodies are rendered before
the run (wrk's script builds every request once, in `init`), so the generator does no JSON work while it measures.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

TEMPLATE = Path(__file__).resolve().parents[1] / "wrk" / "post.lua.tmpl"
MARK = "BENCH_JSON "
#: An answer with a GraphQL `errors` entry (HTTP 200, so not an error to wrk): counted as an error of the run.
GRAPHQL_ERRORS = re.compile(rb'"errors"\s*:\s*\[')


@dataclass
class Measurement:
    """One fixed-duration run of one query against one peer at one concurrency."""

    requests: int
    duration_s: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    tool: str
    error_detail: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rps": round(self.rps, 1)}


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


@dataclass
class Workload:
    """What one run sends: the documents, and the requests in order as (document index, variables)."""

    documents: list[str]
    items: list[tuple[int, dict[str, Any]]]

    def bodies(self) -> list[bytes]:
        return [
            json.dumps({"query": self.documents[i], "variables": v}, ensure_ascii=False).encode()
            for i, v in self.items
        ]


def _long_string(texts: list[str]) -> tuple[str, str]:
    """Lua long-bracket delimiters that no text contains (level 1 at least: a text may end with `]`)."""
    level = 1
    while any(f"]{'=' * level}]" in t for t in texts):
        level += 1
    return f"[{'=' * level}[", f"]{'=' * level}]"


def write_script(directory: Path, name: str, workload: Workload) -> Path:
    """The Lua script of one query (or the mix) for one peer: the template with the documents and each request's
    variables, as JSON in Lua long strings."""
    documents = [json.dumps(d, ensure_ascii=False) for d in workload.documents]
    variables = [json.dumps(v, ensure_ascii=False) for _i, v in workload.items]
    open_, close = _long_string(documents + variables)
    doc_lines = ",\n".join(f"  {open_}{d}{close}" for d in documents)
    item_lines = ",\n".join(
        f"  {{{i + 1}, {open_}{v}{close}}}" for (i, _v), v in zip(workload.items, variables, strict=True)
    )
    path = directory / f"{name}.lua"
    path.write_text(TEMPLATE.read_text().replace("@DOCUMENTS@", doc_lines).replace("@ITEMS@", item_lines))
    return path


def run_wrk(
    url: str, script: Path, concurrency: int, seconds: float, offset: int = 0, timeout_s: float = 10.0
) -> Measurement:
    """One wrk run of `script`, its threads starting at `offset` in the script's list of requests."""
    threads = max(1, min(2, concurrency))
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "-s",
        str(script),
        url,
        "--",
        str(offset),
        str(threads),
    ]
    result = subprocess.run(  # noqa: S603 -- fixed argv
        cmd, capture_output=True, text=True, check=False, timeout=seconds + timeout_s + 30
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith(MARK)), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stdout[-500:]}{result.stderr[-500:]}")
    data = json.loads(line[len(MARK) :])
    lat = data["latency_us"]
    errors = {k: int(v) for k, v in data["errors"].items()}
    return Measurement(
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        errors=sum(errors.values()),
        p50_ms=lat["p50"] / 1000,
        p90_ms=lat["p90"] / 1000,
        p99_ms=lat["p99"] / 1000,
        max_ms=lat["max"] / 1000,
        mean_ms=lat["mean"] / 1000,
        tool="wrk",
        error_detail=errors,
    )


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    rank = max(0, math.ceil(q / 100 * len(sorted_values)) - 1)
    return sorted_values[rank]


async def _python_load(
    url: str, bodies: list[bytes], offset: int, concurrency: int, seconds: float, timeout_s: float
) -> Measurement:
    position = offset
    headers = {"content-type": "application/json", "accept": "application/json"}
    latencies: list[float] = []
    errors = {"status": 0, "graphql": 0, "other": 0}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=timeout_s, limits=limits) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            nonlocal position
            while time.perf_counter() < deadline:
                content = bodies[position % len(bodies)]
                position += 1
                t0 = time.perf_counter()
                try:
                    response = await client.post(url, content=content, headers=headers)
                    await response.aread()
                except httpx.HTTPError:
                    errors["other"] += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                if response.status_code >= 400:
                    errors["status"] += 1
                elif GRAPHQL_ERRORS.search(response.content):
                    errors["graphql"] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    values = sorted(x * 1000 for x in latencies)
    return Measurement(
        requests=len(values),
        duration_s=elapsed,
        errors=sum(errors.values()),
        p50_ms=_percentile(values, 50),
        p90_ms=_percentile(values, 90),
        p99_ms=_percentile(values, 99),
        max_ms=values[-1] if values else 0.0,
        mean_ms=sum(values) / len(values) if values else 0.0,
        tool="python",
        error_detail=errors,
    )


def run_python(
    url: str,
    bodies: list[bytes],
    concurrency: int,
    seconds: float,
    offset: int = 0,
    timeout_s: float = 10.0,
) -> Measurement:
    """The fallback generator (httpx on asyncio): slower than wrk, so its figures are only roughly comparable.
    Its connections share one place in `bodies`, so they send the list in order from `offset`."""
    return asyncio.run(_python_load(url, bodies, offset, concurrency, seconds, timeout_s))
