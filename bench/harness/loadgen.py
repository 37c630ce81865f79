"""Load generation: wrk with a Lua script per query, or a small asyncio client where wrk is not installed.

Both send the same POST body over and over on `concurrency` keep-alive connections for a fixed time and report the
number of completed requests, errors, and the latency distribution (wrk's, from its `done` function).
"""

from __future__ import annotations

import asyncio
import json
import math
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

TEMPLATE = Path(__file__).resolve().parents[1] / "wrk" / "post.lua.tmpl"
MARK = "BENCH_JSON "


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


def write_script(directory: Path, name: str, payload: dict[str, Any]) -> Path:
    """The Lua script of one query: the template with the JSON body in a Lua long string."""
    text = json.dumps(payload, ensure_ascii=False)
    if "]==]" in text:
        raise ValueError(f"{name}: the body cannot be quoted in the Lua script")
    path = directory / f"{name}.lua"
    path.write_text(TEMPLATE.read_text().replace("@BODY@", text))
    return path


def run_wrk(url: str, script: Path, concurrency: int, seconds: float, timeout_s: float = 10.0) -> Measurement:
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
    url: str, payload: dict[str, Any], concurrency: int, seconds: float, timeout_s: float
) -> Measurement:
    content = json.dumps(payload).encode()
    headers = {"content-type": "application/json", "accept": "application/json"}
    latencies: list[float] = []
    errors = {"status": 0, "other": 0}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=timeout_s, limits=limits) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
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
    url: str, payload: dict[str, Any], concurrency: int, seconds: float, timeout_s: float = 10.0
) -> Measurement:
    """The fallback generator (httpx on asyncio): slower than wrk, so its figures are only roughly comparable."""
    return asyncio.run(_python_load(url, payload, concurrency, seconds, timeout_s))
