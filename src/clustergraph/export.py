"""Writing the graph back as a dataset in the format of `data/` (the reverse of `dataset` + `loader`).

Each file's rows come from one read statement (`EXPORT_STATEMENTS`); this module only formats them as the
dataset's reader parses them: several URLs joined by ' ; ', booleans as 'true'/'false', blanks for nulls.

What the graph keeps merged is given back so that loading the export rebuilds the same graph: a cluster recognised
twice has one row per recognition, the first with the cluster's name and the others with its alternate names, and
its rows (like an enterprise's membership rows) are ordered so that their sources merge into the node's sources in
the node's order. `SOURCES.md` (prose about the data) is copied when a source folder is given, never generated.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

from neo4j import Driver

from .cypher.statements import EXPORT_STATEMENTS
from .dataset import FILES, ROW_MODELS


class ExportError(Exception):
    """The export was refused (e.g. the target folder is not empty)."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ; ".join(str(v) for v in value)
    return str(value)


def _first_source_index(row: dict[str, Any]) -> int:
    order: list[str] = row["_order"] or []
    positions = [order.index(u) for u in row["source_url"] or [] if u in order]
    return min(positions, default=len(order))


def _ordered(rows: list[dict[str, Any]], file: str) -> list[dict[str, Any]]:
    """Rows grouped by their node (`_key`), each group in the order that rebuilds the node's merged sources."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["_key"], []).append(row)
    out: list[dict[str, Any]] = []
    for group in groups.values():
        group.sort(key=_first_source_index)
        if file == "clusters.csv":
            alternates: list[str] = list(group[0]["_alternates"] or [])
            for later, alternate in zip(group[1:], alternates, strict=False):
                later["name_zh"] = alternate
        out.extend(group)
    return out


def export_rows(driver: Driver, database: str) -> dict[str, list[dict[str, str]]]:
    """Every file of the dataset as lists of rows of text, keyed by file name, columns as the reader expects."""
    files: dict[str, list[dict[str, str]]] = {}
    for file in FILES:
        records, _, _ = driver.execute_query(EXPORT_STATEMENTS[file], database_=database)
        rows = [r.data() for r in records]
        if rows and "_key" in rows[0]:
            rows = _ordered(rows, file)
        columns = list(ROW_MODELS[file].model_fields)
        files[file] = [{c: _cell(row[c]) for c in columns} for row in rows]
    return files


def export_dataset(
    driver: Driver, database: str, directory: Path, *, force: bool = False, sources_md: Path | None = None
) -> dict[str, int]:
    """Write the graph as the dataset's CSV files in `directory`; return rows written per file.

    Refuses a non-empty `directory` unless `force` (then the dataset's files in it are overwritten)."""
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} exists and is not a folder")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise ExportError(f"{directory} is not empty; pass --force to overwrite the dataset's files in it")
    files = export_rows(driver, database)
    directory.mkdir(parents=True, exist_ok=True)
    for file, rows in files.items():
        path = directory / file
        # A file overwritten keeps its line endings, so that the diff shows only the rows that changed.
        ending = "\r\n" if path.is_file() and b"\r\n" in path.read_bytes() else "\n"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=list(ROW_MODELS[file].model_fields), lineterminator=ending
            )
            writer.writeheader()
            writer.writerows(rows)
    if sources_md is not None and sources_md.is_file():
        shutil.copyfile(sources_md, directory / "SOURCES.md")
    return {file: len(rows) for file, rows in files.items()}
