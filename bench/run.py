"""Benchmark ClusterGraph against @neo4j/graphql and hand-written Cypher on the same Neo4j and the same graph.

    .venv/bin/python bench/run.py                 # SIZE=small: the real dataset, all three peers, c=1 and 16
    .venv/bin/python bench/run.py --size medium   # a synthetic graph of 2,000 clusters and 100,000 enterprises
    .venv/bin/python bench/run.py --size large    # scaling: p50 per query at small, medium and large
    .venv/bin/python bench/run.py --smoke         # seconds: tiny synthetic graph, ClusterGraph only, no npm

It writes bench/results/<date>-<size>.json and prints the table of figures and ratios. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from harness import instance, loadgen, servers, suite, workload
from harness.suite import CLUSTERGRAPH, NEO4J_GRAPHQL, PEER_LABELS, PEERS, QUERIES, RAW
from harness.workload import FRONTEND_MIX, MIX

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NODE_PEER = ROOT / "bench" / "peers" / "neo4j-graphql"
SCALING_SIZES = ("small", "medium", "large")
#: The report's order: the suite, then the frontend mix.
ORDER = (*QUERIES, MIX)
#: How many of a query's variables are sent once to every peer before the measured runs (an error stops the peer).
CHECKED_CASES = 5
#: The targets of the reference run (bench/README.md): (figure, concurrency, other peer, bound, higher is better).
TARGETS = (
    ("CG/NG rps", 16, NEO4J_GRAPHQL, "rps", 2.0, True),
    ("CG/raw rps", 16, RAW, "rps", 0.8, True),
    ("CG/NG p99", 16, NEO4J_GRAPHQL, "p99", 1.0, False),
    ("CG/raw p50", 1, RAW, "p50", 1.25, False),
)


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


# --- options -----------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="ClusterGraph benchmark (see bench/README.md).")
    p.add_argument("--size", choices=instance.SIZES, help="small (default; tiny with --smoke), medium, large")
    p.add_argument(
        "--smoke", action="store_true", help="tiny graph, ClusterGraph only, a few seconds, no npm"
    )
    p.add_argument("--peers", help=f"comma-separated subset of {','.join(PEERS)}")
    p.add_argument("--queries", help="comma-separated subset of the suite")
    p.add_argument("--concurrency", help="comma-separated connection counts (default 1,16)")
    p.add_argument("--duration", type=float, help="seconds of each measured run (default 10)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up per peer and query (default 3)")
    p.add_argument("--rounds", type=int, help="measured runs per peer, query and concurrency (default 2)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="worker processes of each server")
    p.add_argument(
        "--neo4j-uri", help="use this disposable server (synthetic sizes only), not the bench instance"
    )
    p.add_argument(
        "--neo4j-password",
        default=os.environ.get("BENCH_NEO4J_PASSWORD"),
        help="password of --neo4j-uri (default: the bench instance's generated one)",
    )
    p.add_argument(
        "--same-variables",
        action="store_true",
        help="repeat one set of variables per query (warm plans), not the varied lists drawn from the graph",
    )
    p.add_argument("--seed", type=int, default=workload.SEED, help="seed of the varied variables and the mix")
    p.add_argument("--mix-concurrency", help="connection counts of the frontend mix (default 1,16,64)")
    p.add_argument("--no-mix", action="store_true", help="leave the frontend mix out")
    p.add_argument(
        "--free-ports", action="store_true", help="serve the peers on free ports (default with --smoke)"
    )
    p.add_argument("--load-generator", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--output", type=Path, help="results file (default bench/results/<date>-<size>.json)")
    p.add_argument("--no-npm-ci", action="store_true", help="do not run `npm ci` for the @neo4j/graphql peer")
    p.add_argument("--keep-neo4j", action="store_true", help="leave the bench Neo4j running at the end")
    p.add_argument(
        "--reload", action="store_true", help="load the dataset even if the marker says it is there"
    )
    args = p.parse_args(argv)
    if args.smoke:
        args.size = args.size or "tiny"
        defaults = {
            "peers": CLUSTERGRAPH,
            "concurrency": "1",
            "mix_concurrency": "1,4",
            "duration": 2.0,
            "warmup": 0.5,
            "rounds": 1,
        }
        args.no_npm_ci = True
        args.free_ports = True
    else:
        args.size = args.size or "small"
        defaults = {
            "peers": ",".join(PEERS),
            "concurrency": "1,16",
            "mix_concurrency": "1,16,64",
            "duration": 10.0,
            "warmup": 3.0,
            "rounds": 2,
        }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.peer_list = [x.strip() for x in args.peers.split(",") if x.strip()]
    args.query_list = [x.strip() for x in (args.queries or ",".join(QUERIES)).split(",") if x.strip()]
    args.concurrency_list = [int(x) for x in args.concurrency.split(",") if x.strip()]
    args.mix_concurrency_list = (
        [] if args.no_mix else [int(x) for x in args.mix_concurrency.split(",") if x.strip()]
    )
    unknown = [x for x in args.peer_list if x not in PEERS] + [x for x in args.query_list if x not in QUERIES]
    if unknown:
        p.error(f"unknown peer or query: {', '.join(unknown)}")
    if args.load_generator == "auto":
        if not loadgen.wrk_available() and not args.smoke:
            p.error("wrk is not installed: `apt-get install -y wrk` (or --load-generator python, less exact)")
        args.load_generator = "wrk" if loadgen.wrk_available() else "python"
    elif args.load_generator == "wrk" and not loadgen.wrk_available():
        p.error("wrk is not installed: `apt-get install -y wrk` (or --load-generator python)")
    return args


# --- one size ----------------------------------------------------------------------------------------------


def npm_ci() -> None:
    if shutil.which("npm") is None:
        raise RuntimeError("npm is needed for the @neo4j/graphql peer (Node.js 20+), or leave that peer out")
    log("npm ci in bench/peers/neo4j-graphql")
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],  # noqa: S607 -- npm from PATH
        cwd=NODE_PEER, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"npm ci failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


@dataclass
class Run:
    """What one peer is sent for one query (or the mix): its wrk script and the same bodies for the Python client."""

    script: Path
    bodies: list[bytes]


def measure(
    args: argparse.Namespace,
    server: servers.Server,
    run: Run,
    concurrency: int,
    seconds: float,
    offset: int,
) -> loadgen.Measurement:
    try:
        if args.load_generator == "wrk":
            return loadgen.run_wrk(server.url, run.script, concurrency, seconds, offset)
        return loadgen.run_python(server.url, run.bodies, concurrency, seconds, offset)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n{servers.describe_exit(server)}") from exc


def plan_cache_counts(client: httpx.Client, server: servers.Server) -> tuple[float, float] | None:
    """ClusterGraph's plan-cache hits and misses so far, summed over its workers (from /metrics), or None when it
    does not serve /metrics (METRICS=false)."""
    url = server.url.rsplit("/", 1)[0] + "/metrics"
    try:
        response = client.get(url)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    counts = {"hit": 0.0, "miss": 0.0}
    for line in response.text.splitlines():
        if line.startswith("clustergraph_plan_cache_total{"):
            labels, _, value = line.rpartition(" ")
            for result in counts:
                if f'result="{result}"' in labels:
                    counts[result] += float(value)
    return counts["hit"], counts["miss"]


def summarise(runs: list[loadgen.Measurement], plans: list[tuple[float, float]] | None) -> dict[str, Any]:
    requests = sum(r.requests for r in runs)
    duration = sum(r.duration_s for r in runs)
    extra: dict[str, Any] = {}
    # Each round's counts too, when every scrape answered.
    counts = plans if plans is not None and len(plans) == len(runs) else None
    if plans:
        hits, misses = sum(h for h, _m in plans), sum(m for _h, m in plans)
        extra["plan_cache"] = {
            "hits": int(hits),
            "misses": int(misses),
            "hit_rate": round(hits / (hits + misses), 3) if hits + misses else None,
        }
    return {
        "requests": requests,
        "errors": sum(r.errors for r in runs),
        "rps": round(requests / duration, 1) if duration else 0.0,
        "p50_ms": round(statistics.median(r.p50_ms for r in runs), 3),
        "p99_ms": round(statistics.median(r.p99_ms for r in runs), 3),
        "max_ms": round(max(r.max_ms for r in runs), 3),
        "rounds": [
            {**r.as_dict(), **({"plan_cache": {"hits": int(h), "misses": int(m)}} if counts else {})}
            for r, (h, m) in zip(runs, counts or [(0.0, 0.0)] * len(runs), strict=True)
        ],
        **extra,
    }


def bench_size(args: argparse.Namespace, size: str, concurrency: list[int], work: Path) -> dict[str, Any]:
    """Load `size`, start the peers, check their answers, measure every query and the mix, stop the peers."""
    settings = instance.bench_settings(size, args.neo4j_uri, args.neo4j_password)
    neo4j_pid: int | None = None
    if settings.uses_local_neo4j:
        heap, pagecache = instance.MEMORY[size]
        log(f"starting the bench Neo4j (Bolt {instance.BOLT_PORT}, heap {heap}, page cache {pagecache})")
        instance.start_instance(settings)
    load = instance.ensure_dataset(settings, size, log=log, force=args.reload)
    if settings.uses_local_neo4j:  # after the load: replacing a dataset restarts the instance
        neo4j_pid = instance.instance_pid(settings)
    if load.loaded:
        log(
            f"loaded {load.dataset}: {load.created_nodes} nodes + {load.created_relationships} relationships "
            f"in {load.load_s:.1f}s = {load.rate:,.0f} created/s"
        )
    else:
        log(f"{load.dataset} already loaded ({load.nodes} nodes, {load.relationships} relationships)")
    from clustergraph.db import create_driver

    with create_driver(settings) as driver:
        params = suite.discover(driver, settings.neo4j_database)
        pools = None if args.same_variables else workload.build_pools(driver, settings.neo4j_database, params)
    log(f"parameters: {params.as_dict()}")
    if pools is not None:
        log(f"varied variables: {pools.summary()}")

    result: dict[str, Any] = {
        "size": size,
        "dataset": load.as_dict(),
        "params": params.as_dict(),
        "variables": "same" if pools is None else {"varied": pools.summary(), "seed": args.seed},
        "mix_weights": dict(FRONTEND_MIX),
        "peers": {},
        "rows": [],
        "checks": {},
    }
    running: dict[str, servers.Server] = {}
    try:
        for peer in args.peer_list:
            port = servers.free_port() if args.free_ports else None
            log(f"starting {PEER_LABELS[peer]} ({args.workers} workers)")
            running[peer] = servers.start(
                peer,
                settings.bolt_uri,
                settings.neo4j_secret.get_secret_value(),
                work,
                workers=args.workers,
                port=port,
            )
        plan = prepare(args, params, pools, running, result, work)
        with httpx.Client(timeout=10) as client:
            for c in concurrency:
                for name in args.query_list:
                    measure_all(args, running, plan, name, c, result, client)
            for c in args.mix_concurrency_list:
                measure_all(args, running, plan, MIX, c, result, client)
        for peer, server in running.items():
            result["peers"][peer] = {
                "url": server.url,
                "pid": server.pid,
                "start_s": round(server.started_s, 2),
                "peak_rss_kb": servers.peak_rss_kb(server.pid),
            }
        if neo4j_pid is not None:
            result["neo4j_peak_rss_kb"] = servers.peak_rss_kb(neo4j_pid)
    finally:
        for server in running.values():
            servers.stop(server)
    return result


def measure_all(
    args: argparse.Namespace,
    running: dict[str, servers.Server],
    plan: dict[tuple[str, str], Run],
    name: str,
    c: int,
    result: dict[str, Any],
    client: httpx.Client,
) -> None:
    """A warm-up per peer (not recorded), then `rounds` runs per peer, interleaved (A B C A B C), each round of
    every peer starting at the same place in its list; ClusterGraph's plan-cache counts around each run."""
    peers = [p for p in args.peer_list if (p, name) in plan]
    if not peers:
        return
    starts = workload.offsets(len(plan[(peers[0], name)].bodies), args.rounds)
    for peer in peers:
        measure(args, running[peer], plan[(peer, name)], c, args.warmup, starts[0])
    runs: dict[str, list[loadgen.Measurement]] = {p: [] for p in peers}
    plans: dict[str, list[tuple[float, float]]] = {p: [] for p in peers}
    for round_ in range(args.rounds):
        for peer in peers:
            before = plan_cache_counts(client, running[peer]) if peer == CLUSTERGRAPH else None
            runs[peer].append(
                measure(args, running[peer], plan[(peer, name)], c, args.duration, starts[round_ + 1])
            )
            after = plan_cache_counts(client, running[peer]) if before is not None else None
            if before is not None and after is not None:
                plans[peer].append((after[0] - before[0], after[1] - before[1]))
    line = []
    for peer in peers:
        row = {"query": name, "peer": peer, "concurrency": c, **summarise(runs[peer], plans[peer])}
        result["rows"].append(row)
        text = f"{PEER_LABELS[peer]} {row['rps']:.0f} rps p50 {row['p50_ms']:.2f} ms"
        if "plan_cache" in row and row["plan_cache"]["hit_rate"] is not None:
            text += f" (plan cache hits {row['plan_cache']['hit_rate']:.0%})"
        line.append(text)
    log(f"c={c} {name}: " + "; ".join(line))


def prepare(
    args: argparse.Namespace,
    params: suite.Params,
    pools: workload.Pools | None,
    running: dict[str, servers.Server],
    result: dict[str, Any],
    work: Path,
) -> dict[tuple[str, str], Run]:
    """Walk each peer's pages for its cursors, check a few answers of every query, and write the wrk scripts."""
    names = list(args.query_list)
    cases = {
        name: workload.same_cases(params, name) if pools is None else workload.cases(pools, name, args.seed)
        for name in names
    }
    pages = max((case["page"] for case in cases.get("deep_page", [])), default=0)
    plan: dict[tuple[str, str], Run] = {}
    scripts = work / "wrk"
    scripts.mkdir(exist_ok=True)
    with httpx.Client(timeout=60) as client:
        walks = {
            peer: suite.page_cursors(client, peer, server.url, params, pages) if pages else ([None], None)
            for peer, server in running.items()
        }
        failed: dict[str, dict[str, str]] = {peer: {} for peer in running}
        for peer, (cursors, error) in walks.items():
            result["checks"].setdefault("page_cursors", {})[peer] = {
                "pages": len(cursors),
                "sample": cursors[1:4],
                **({"error": error[:600]} if error else {}),
            }
            if error and (pools is None or not cursors):
                failed[peer]["deep_page"] = error[:600]  # page 20 (or page 1) is what the run asks for
        answered = min(
            (len(c) for p, (c, _e) in walks.items() if "deep_page" not in failed[p]), default=pages
        )
        if pages and answered < pages:
            # A peer that cannot serve the later pages (Neo4j refusing its statement, say) would otherwise leave
            # the deep page and the mix: every peer is asked the pages all of them answer, and the results say so.
            stopped = {PEER_LABELS[p]: e for p, (c, e) in walks.items() if e and len(c) == answered}
            log(f"deep_page: pages 1 to {answered} only, of {pages}: {str(stopped)[:400]}")
            cases["deep_page"] = [case for case in cases["deep_page"] if case["page"] <= answered]
            result["checks"]["deep_pages_asked"] = {"pages": answered, "of": pages, "stopped": stopped}
    mix = workload.mix_cases(cases, seed=args.seed) if args.mix_concurrency_list else []
    mix_names = sorted({n for n, _case in mix}, key=QUERIES.index)
    with httpx.Client(timeout=60) as client:
        for peer, server in running.items():
            cursors = walks[peer][0]
            for name in names:
                try:
                    if name in failed[peer]:
                        raise suite.SuiteError(failed[peer][name])
                    ids: Counter[str] = Counter()
                    size = 0
                    for case in cases[name][:CHECKED_CASES]:
                        answer = suite.post(client, server.url, suite.body(peer, name, case, params, cursors))
                        ids += suite.identities(answer["data"])
                        size += len(json.dumps(answer, ensure_ascii=False).encode())
                except suite.SuiteError as exc:
                    # A peer that cannot answer a query (an error, or Neo4j refusing its statement) is not
                    # measured on it (nor on the mix); the others are, and the results say why it is missing.
                    log(f"{PEER_LABELS[peer]} fails {name}, not measured: {str(exc)[:300]}")
                    result["checks"].setdefault(name, {})[peer] = {"error": str(exc)[:600]}
                    failed[peer][name] = str(exc)[:600]
                    continue
                checked = min(CHECKED_CASES, len(cases[name]))
                result["checks"].setdefault(name, {})[peer] = {
                    "cases": checked,
                    "response_bytes": size // checked,
                    "ids": sum(ids.values()),
                    "distinct_ids": len(ids),
                    "ids_sample": sorted(ids)[:5],
                }
                run = loadgen.Workload(
                    [suite.document(peer, name)],
                    [(0, suite.variables(peer, name, case, params, cursors)) for case in cases[name]],
                )
                plan[(peer, name)] = Run(loadgen.write_script(scripts, f"{peer}-{name}", run), run.bodies())
            if mix and not any(n in failed[peer] for n in mix_names):
                index = {n: i for i, n in enumerate(mix_names)}
                run = loadgen.Workload(
                    [suite.document(peer, n) for n in mix_names],
                    [(index[n], suite.variables(peer, n, case, params, cursors)) for n, case in mix],
                )
                plan[(peer, MIX)] = Run(loadgen.write_script(scripts, f"{peer}-{MIX}", run), run.bodies())
            elif mix:
                log(f"{PEER_LABELS[peer]} fails a query of the mix: the mix is not measured on it")
    for name in names:
        seen = {peer: check for peer, check in result["checks"][name].items() if "error" not in check}
        if CLUSTERGRAPH in seen:
            for peer in seen:
                seen[peer]["same_ids_as_clustergraph"] = (
                    seen[peer]["distinct_ids"] == seen[CLUSTERGRAPH]["distinct_ids"]
                )
    result["cases"] = {name: len(cases[name]) for name in names} | ({MIX: len(mix)} if mix else {})
    return plan


# --- report ------------------------------------------------------------------------------------------------


def ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ClusterGraph / @neo4j/graphql and ClusterGraph / raw Cypher, per query and concurrency."""
    by = {(r.get("size"), r["query"], r["concurrency"], r["peer"]): r for r in rows}
    out = []
    for (size, query, c, peer), cg in by.items():
        if peer != CLUSTERGRAPH:
            continue
        entry: dict[str, Any] = {"size": size, "query": query, "concurrency": c}
        for other, key in ((NEO4J_GRAPHQL, "vs_neo4j_graphql"), (RAW, "vs_raw_cypher")):
            o = by.get((size, query, c, other))
            if o is None:
                continue
            entry[key] = {
                "rps": round(cg["rps"] / o["rps"], 3) if o["rps"] else None,
                "p50": round(cg["p50_ms"] / o["p50_ms"], 3) if o["p50_ms"] else None,
                "p99": round(cg["p99_ms"] / o["p99_ms"], 3) if o["p99_ms"] else None,
            }
        out.append(entry)
    return out


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _hit_rate(row: dict[str, Any] | None) -> str:
    rate = ((row or {}).get("plan_cache") or {}).get("hit_rate")
    return "-" if rate is None else f"{rate:.0%}"


def _columns(lines: list[list[str]], left: int) -> str:
    """Lines of cells as aligned text: the first `left` columns to the left, the others to the right."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    text = [
        "  ".join(
            cell.ljust(w) if i < left else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def mix_table(rows: list[dict[str, Any]]) -> str:
    """The frontend mix: one line per peer and concurrency, with ClusterGraph's ratios to each other peer."""
    ratio_by = {(r["size"], r["query"], r["concurrency"]): r for r in ratios(rows)}
    mix = sorted(
        (r for r in rows if r["query"] == MIX),
        key=lambda r: (
            instance.SIZES.index(r["size"]) if r.get("size") in instance.SIZES else 0,
            r["concurrency"],
            PEERS.index(r["peer"]),
        ),
    )
    head = [
        "size",
        "peer",
        "c",
        "rps",
        "p50",
        "p99",
        "CG/peer rps",
        "CG/peer p50",
        "CG/peer p99",
        "plan hits",
    ]
    lines = [head]
    for r in mix:
        other = {NEO4J_GRAPHQL: "vs_neo4j_graphql", RAW: "vs_raw_cypher"}.get(r["peer"])
        x = (ratio_by.get((r.get("size"), MIX, r["concurrency"])) or {}).get(other or "") or {}
        lines.append([
            str(r.get("size")), PEER_LABELS[r["peer"]], str(r["concurrency"]),
            _fmt(r["rps"], 0), _fmt(r["p50_ms"], 2), _fmt(r["p99_ms"], 2),
            _fmt(x.get("rps"), 2), _fmt(x.get("p50"), 2), _fmt(x.get("p99"), 2), _hit_rate(r),
        ])  # fmt: skip
    weights = ", ".join(f"{name} {weight}" for name, weight in FRONTEND_MIX.items())
    return f"frontend mix (weights out of {sum(FRONTEND_MIX.values())}: {weights})\n" + _columns(lines, 2)


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per query and for the mix, ClusterGraph's ratios that the reference run must meet (`TARGETS`): each with
    its bound and whether it is met (None when a peer or concurrency was not measured)."""
    ratio_by = {(r["size"], r["query"], r["concurrency"]): r for r in ratios(rows)}
    out = []
    for size, query in sorted(
        {(r.get("size"), r["query"]) for r in rows},
        key=lambda k: (instance.SIZES.index(k[0]) if k[0] in instance.SIZES else 0, ORDER.index(k[1])),
    ):
        entry: dict[str, Any] = {"size": size, "query": query}
        for label, c, other, figure, bound, higher in TARGETS:
            key = "vs_neo4j_graphql" if other == NEO4J_GRAPHQL else "vs_raw_cypher"
            value = ((ratio_by.get((size, query, c)) or {}).get(key) or {}).get(figure)
            met = None if value is None else (value >= bound if higher else value <= bound)
            entry[f"{label} c={c}"] = {"value": value, "bound": bound, "met": met}
        out.append(entry)
    return out


def targets_table(rows: list[dict[str, Any]]) -> str:
    """The targets as a table: each ratio, marked `miss` where it falls short of its bound."""
    entries = targets(rows)
    labels = [
        f"{label} c={c} ({'>=' if higher else '<='}{bound:g})" for label, c, _o, _f, bound, higher in TARGETS
    ]
    lines = [["size", "query", *labels]]
    for entry in entries:
        cells = []
        for label, c, *_rest in TARGETS:
            t = entry[f"{label} c={c}"]
            cells.append("-" if t["value"] is None else f"{t['value']:.2f}" + ("" if t["met"] else " miss"))
        lines.append([str(entry["size"]), entry["query"], *cells])
    return "targets (ClusterGraph's ratio; `miss` where it falls short)\n" + _columns(lines, 2)


def table(rows: list[dict[str, Any]], peers: list[str]) -> str:
    """One line per query and concurrency: each peer's rps, p50 and p99, and ClusterGraph's ratios."""
    ratio_by = {(r["size"], r["query"], r["concurrency"]): r for r in ratios(rows)}
    by = {(r.get("size"), r["query"], r["concurrency"], r["peer"]): r for r in rows}
    keys = sorted(
        {(r.get("size"), r["query"], r["concurrency"]) for r in rows},
        key=lambda k: (
            instance.SIZES.index(k[0]) if k[0] in instance.SIZES else 0,
            k[2],
            ORDER.index(k[1]),
        ),
    )
    short = {CLUSTERGRAPH: "CG", NEO4J_GRAPHQL: "NG", RAW: "raw"}
    head = ["size", "query", "c"]
    for peer in peers:
        head += [f"{short[peer]} rps", f"{short[peer]} p50", f"{short[peer]} p99"]
    if NEO4J_GRAPHQL in peers and CLUSTERGRAPH in peers:
        head += ["CG/NG rps", "CG/NG p50", "CG/NG p99"]
    if RAW in peers and CLUSTERGRAPH in peers:
        head += ["CG/raw rps", "CG/raw p50", "CG/raw p99"]
    if CLUSTERGRAPH in peers:
        head += ["CG plan hits"]
    lines = [head]
    for key in keys:
        size, query, c = key
        line = [str(size), query, str(c)]
        for peer in peers:
            r = by.get((size, query, c, peer))
            line += [_fmt(r["rps"], 0), _fmt(r["p50_ms"], 2), _fmt(r["p99_ms"], 2)] if r else ["-"] * 3
        ratio = ratio_by.get(key, {})
        for other, name in ((NEO4J_GRAPHQL, "vs_neo4j_graphql"), (RAW, "vs_raw_cypher")):
            if other in peers and CLUSTERGRAPH in peers:
                x = ratio.get(name) or {}
                line += [_fmt(x.get("rps"), 2), _fmt(x.get("p50"), 2), _fmt(x.get("p99"), 2)]
        if CLUSTERGRAPH in peers:
            line.append(_hit_rate(by.get((size, query, c, CLUSTERGRAPH))))
        lines.append(line)
    return _columns(lines, 2)


def scaling_table(rows: list[dict[str, Any]], peers: list[str], sizes: Sequence[str]) -> str:
    """p50 (ms) per query and size, for each peer, at the lowest concurrency measured."""
    c = min(r["concurrency"] for r in rows)
    by = {(r["size"], r["query"], r["peer"]): r for r in rows if r["concurrency"] == c}
    head = ["query", "peer", *[f"p50 {s}" for s in sizes]]
    lines = [head]
    for query in QUERIES:
        for peer in peers:
            cells = [by.get((s, query, peer)) for s in sizes]
            if not any(cells):
                continue
            lines.append([query, PEER_LABELS[peer], *[_fmt(x["p50_ms"], 2) if x else "-" for x in cells]])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = [
        "  ".join(
            cell.rjust(w) if i > 1 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    out.insert(1, "  ".join("-" * w for w in widths))
    return f"(concurrency {c})\n" + "\n".join(out)


def versions() -> dict[str, Any]:
    from importlib.metadata import version

    from clustergraph.settings import NEO4J_VERSION

    out: dict[str, Any] = {
        "neo4j": NEO4J_VERSION,
        "python": platform.python_version(),
        "clustergraph": version("clustergraph"),
        "strawberry-graphql": version("strawberry-graphql"),
        "neo4j-python-driver": version("neo4j"),
        "uvicorn": version("uvicorn"),
    }
    lock = NODE_PEER / "package-lock.json"
    if lock.exists():
        packages = json.loads(lock.read_text()).get("packages", {})
        for name in ("@neo4j/graphql", "@apollo/server", "graphql", "neo4j-driver"):
            out[name] = packages.get(f"node_modules/{name}", {}).get("version")
    for tool in ("node", "wrk"):
        path = shutil.which(tool)
        if path:
            text = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
            out[tool] = text.split("[")[0].strip()
    return out


def machine() -> dict[str, Any]:
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "load_average_at_start": os.getloadavg(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    scaling = args.size == "large" and not args.smoke
    sizes = SCALING_SIZES if scaling else (args.size,)
    now = dt.datetime.now(dt.UTC)
    output = (
        args.output or RESULTS / f"{now:%Y-%m-%dT%H%M%S}-{'smoke-' if args.smoke else ''}{args.size}.json"
    )
    if NEO4J_GRAPHQL in args.peer_list and not args.no_npm_ci:
        npm_ci()
    report: dict[str, Any] = {
        "date": now.isoformat(timespec="seconds"),
        "mode": "smoke" if args.smoke else ("scaling" if scaling else "compare"),
        "size": args.size,
        "sizes": list(sizes),
        "machine": machine(),
        "versions": versions(),
        "config": {
            "peers": args.peer_list,
            "queries": args.query_list,
            "concurrency": args.concurrency_list,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "workers": args.workers,
            "load_generator": args.load_generator,
            "variables": "same" if args.same_variables else "varied",
            "seed": args.seed,
            "mix_concurrency": args.mix_concurrency_list,
            "mix_weights": dict(FRONTEND_MIX),
            "neo4j": args.neo4j_uri or f"bench instance, bolt://127.0.0.1:{instance.BOLT_PORT}",
            "clustergraph_overrides": {
                name: os.environ[name] for name in servers.CLUSTERGRAPH_OVERRIDES if name in os.environ
            },
        },
        "results": {},
        "rows": [],
    }
    settings = instance.bench_settings(args.size, args.neo4j_uri, args.neo4j_password)
    # The servers' logs and the wrk scripts of this run, kept outside the repository.
    work = Path(tempfile.mkdtemp(prefix=f"clustergraph-bench-{now:%Y%m%dT%H%M%S}-"))
    report["work_dir"] = str(work)
    log(f"server logs and wrk scripts in {work}")
    try:
        for size in sizes:
            result = bench_size(args, size, args.concurrency_list, work)
            report["results"][size] = result
            report["rows"] += [{"size": size, **row} for row in result["rows"]]
    finally:
        if settings.uses_local_neo4j and not args.keep_neo4j:
            log("stopping the bench Neo4j")
            instance.stop_instance(settings)
    report["ratios"] = ratios(report["rows"])
    report["targets"] = targets(report["rows"])
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print()
    query_rows = [r for r in report["rows"] if r["query"] != MIX]
    print(table(query_rows, args.peer_list))
    if any(r["query"] == MIX for r in report["rows"]):
        print()
        print(mix_table(report["rows"]))
    if len(args.peer_list) > 1:
        print()
        print(targets_table(report["rows"]))
    if scaling:
        print()
        print(scaling_table(report["rows"], args.peer_list, sizes))
    print()
    for size in sizes:
        res = report["results"][size]
        d = res["dataset"]
        how = (
            f"loaded in {d['load_s']:.1f}s, {d['created_per_s']:,.0f} created nodes+relationships/s"
            if d["loaded"]
            else "already loaded"
        )
        print(f"{size}: {d['nodes']} nodes, {d['relationships']} relationships ({how})")
        rss = ", ".join(
            f"{PEER_LABELS[p]} {v['peak_rss_kb']['total'] / 1024:.0f} MiB" for p, v in res["peers"].items()
        )
        neo = res.get("neo4j_peak_rss_kb")
        print(f"  peak RSS: {rss}" + (f"; Neo4j {neo['total'] / 1024:.0f} MiB" if neo else ""))
    print(f"results: {output} ({report['elapsed_s']:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
