"""The bench Neo4j and the data in it.

The bench runs its own local Neo4j instance, `bench` (Bolt 7690, HTTP 7477, data in the state folder next to the
`dev` and `test` instances), through `clustergraph.neo4j_server`: the same server, jars and configuration, with a
heap sized for the data. It holds one dataset at a time: `small` is the real dataset of data/ loaded with
`clustergraph load`; `tiny`, `medium` and `large` are synthetic graphs (`clustergraph.synthetic`), which go only
into the bench instance (or into a disposable server given by URI, which must then be empty or hold synthetic data
only). A marker file in the instance folder says what is loaded, so a second run of the same size loads nothing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from neo4j import Driver

from clustergraph import neo4j_server
from clustergraph.cypher.statements import GRAPH_COUNTS
from clustergraph.db import create_driver, migrate
from clustergraph.settings import Settings
from clustergraph.synthetic import SCALES, generate

from .bulk import write_plan_batched

ROOT = Path(__file__).resolve().parents[2]
CLUSTERGRAPH = ROOT / ".venv" / "bin" / "clustergraph"
INSTANCE_NAME = "bench"
BOLT_PORT = 7690
HTTP_PORT = 7477
SYNTHETIC_SEED = 42
#: The sizes the bench knows: `small` is the real dataset, the others synthetic.
SIZES = ("tiny", "small", "medium", "large")
REAL_SIZE = "small"
#: (heap, page cache) of the bench instance for each size.
MEMORY: dict[str, tuple[str, str]] = {
    "tiny": ("512m", "256m"),
    "small": ("512m", "256m"),
    "medium": ("1g", "1g"),
    "large": ("3g", "3g"),
}
MARKER = "bench-dataset.json"


@dataclass
class LoadReport:
    """What loading a size did (or that nothing had to be loaded)."""

    size: str
    dataset: str
    loaded: bool
    nodes: int
    relationships: int
    created_nodes: int = 0
    created_relationships: int = 0
    generate_s: float = 0.0
    load_s: float = 0.0
    wipe_s: float = 0.0
    method: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Created nodes + relationships per second of loading."""
        created = self.created_nodes + self.created_relationships
        return created / self.load_s if self.load_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "created_per_s": round(self.rate, 1)}


def dataset_name(size: str) -> str:
    return "real" if size == REAL_SIZE else f"synthetic-{size}-seed{SYNTHETIC_SEED}"


def bench_settings(size: str, uri: str | None = None, password: str | None = None) -> Settings:
    """Settings of the bench instance for a size (or of the server at `uri`); without a password, the one the
    bench instance generated at its first start."""
    heap, pagecache = MEMORY[size]
    return Settings(
        _env_file=None,
        neo4j_uri=uri,
        neo4j_password=password,
        local_neo4j_instance=INSTANCE_NAME,
        local_neo4j_bolt_port=BOLT_PORT,
        local_neo4j_http_port=HTTP_PORT,
        local_neo4j_heap=heap,
        local_neo4j_pagecache=pagecache,
        dataset_dir=ROOT / "data",
    )


def _running_heap(pid: int) -> str | None:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    for arg in cmdline:
        match = re.fullmatch(rb"-Xmx(\d+[mg])", arg)
        if match:
            return match.group(1).decode()
    return None


def start_instance(settings: Settings) -> neo4j_server.Instance:
    """Start the bench instance with the heap of `settings`, restarting it if it runs with another."""
    instance = neo4j_server.instance_for(settings)
    pid = neo4j_server.running_pid(instance)
    if pid is not None and _running_heap(pid) != instance.heap:
        neo4j_server.stop(settings)
    return neo4j_server.start(settings)


def stop_instance(settings: Settings) -> bool:
    return neo4j_server.stop(settings)


def instance_pid(settings: Settings) -> int | None:
    return neo4j_server.running_pid(neo4j_server.instance_for(settings))


def _counts(driver: Driver, database: str) -> tuple[int, int]:
    record = driver.execute_query(GRAPH_COUNTS, database_=database).records[0]
    return int(record["nodes"]), int(record["relationships"])


def _foreign_nodes(driver: Driver, database: str) -> int:
    """Nodes that no synthetic plan makes (every synthetic id starts with `synthetic-`, but the years')."""
    query = (
        "MATCH (n) WHERE NOT n:RecognitionYear AND NOT coalesce(n.id, '') STARTS WITH 'synthetic-' "
        "RETURN count(n) AS n"
    )
    return int(driver.execute_query(query, database_=database).records[0]["n"])


def _read_marker(home: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((home / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _wipe_instance(settings: Settings) -> float:
    """Stop the bench instance, delete its database files, start it afresh: faster than deleting a big graph."""
    started = time.perf_counter()
    instance = neo4j_server.instance_for(settings)
    if instance.name != INSTANCE_NAME:  # never anything but the bench's own folder
        raise RuntimeError(f"refusing to wipe instance {instance.name!r}")
    neo4j_server.stop(settings)
    (instance.home / MARKER).unlink(missing_ok=True)
    shutil.rmtree(instance.data_dir, ignore_errors=True)
    neo4j_server.start(settings)
    return time.perf_counter() - started


def _wipe_by_cypher(driver: Driver, database: str) -> float:
    started = time.perf_counter()
    driver.execute_query(
        "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS", database_=database
    )
    return time.perf_counter() - started


_CREATED = re.compile(r"created: (\d+) nodes, (\d+) relationships")
_TIME = re.compile(r"time: ([\d.]+)s")


def _load_real(settings: Settings, report: LoadReport) -> None:
    """`clustergraph load` (validate data/, write it in one transaction) into the bench server."""
    env = {
        "PATH": "/usr/bin:/bin",
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_secret.get_secret_value(),
        "NEO4J_DATABASE": settings.neo4j_database,
    }
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 -- fixed argv
        [str(CLUSTERGRAPH), "load", str(settings.dataset_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"clustergraph load failed:\n{result.stdout}{result.stderr}")
    report.lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    created = _CREATED.search(result.stdout)
    seconds = _TIME.search(result.stdout)
    report.created_nodes = int(created.group(1)) if created else 0
    report.created_relationships = int(created.group(2)) if created else 0
    report.load_s = float(seconds.group(1)) if seconds else wall
    report.method = "clustergraph load (one transaction)"


def _load_synthetic(driver: Driver, settings: Settings, size: str, report: LoadReport, log: Any) -> None:
    started = time.perf_counter()
    plan = generate(SCALES[size], seed=SYNTHETIC_SEED)
    report.generate_s = time.perf_counter() - started
    migrate(driver, settings.neo4j_database)
    last = [0.0]

    def progress(kind: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10 or done == total:
            last[0] = now
            log(f"  loading {kind}: {done}/{total}")

    summary = write_plan_batched(driver, settings.neo4j_database, plan, progress=progress)
    report.created_nodes = summary.nodes_created
    report.created_relationships = summary.relationships_created
    report.load_s = summary.seconds
    report.lines = summary.lines()
    report.method = "harness/bulk.py write_plan_batched (one transaction per 10,000 rows)"


def ensure_dataset(settings: Settings, size: str, log: Any = print, force: bool = False) -> LoadReport:
    """Make the server of `settings` hold the dataset of `size`, loading it only when it does not already.

    On the bench instance (no `neo4j_uri`) a different dataset is replaced by deleting the instance's database
    files. On a server given by URI, the data must be synthetic (or absent): it is deleted with Cypher, and the
    real dataset is never loaded there (only synthetic sizes are accepted).
    """
    wanted = dataset_name(size)
    external = not settings.uses_local_neo4j
    if external and size == REAL_SIZE:
        raise ValueError("a server given by URI takes synthetic sizes only (tiny, medium, large)")
    home = neo4j_server.instance_for(settings).home
    with create_driver(settings) as driver:
        nodes, rels = _counts(driver, settings.neo4j_database)
        if external:
            if _foreign_nodes(driver, settings.neo4j_database):
                raise RuntimeError(
                    f"{settings.bolt_uri} holds data that is not synthetic; the bench only writes into an empty "
                    "server or one holding synthetic data"
                )
            marker = None
        else:
            marker = _read_marker(home)
        if (
            not force
            and marker is not None
            and marker.get("dataset") == wanted
            and (marker.get("nodes"), marker.get("relationships")) == (nodes, rels)
        ):
            return LoadReport(
                size, wanted, loaded=False, nodes=nodes, relationships=rels, method="already loaded"
            )
    report = LoadReport(size, wanted, loaded=True, nodes=0, relationships=0)
    if nodes or rels:
        log(f"deleting the {nodes} nodes and {rels} relationships in {settings.bolt_uri}")
        if external:
            with create_driver(settings) as driver:
                report.wipe_s = _wipe_by_cypher(driver, settings.neo4j_database)
        else:
            report.wipe_s = _wipe_instance(settings)
    log(f"loading {wanted} into {settings.bolt_uri}")
    if size == REAL_SIZE:
        _load_real(settings, report)
    else:
        with create_driver(settings) as driver:
            _load_synthetic(driver, settings, size, report, log)
    with create_driver(settings) as driver:
        migrate(driver, settings.neo4j_database)
        report.nodes, report.relationships = _counts(driver, settings.neo4j_database)
    if not external:
        marker_data = {"dataset": wanted, "nodes": report.nodes, "relationships": report.relationships}
        (home / MARKER).write_text(json.dumps(marker_data) + "\n")
    return report
