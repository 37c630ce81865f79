"""Loading the dataset into the real test Neo4j: counts, idempotence, refusal and atomicity, and the CLI.

Expected numbers are computed here from the CSV files with the `csv` module; the graph side is read with
direct Cypher queries (`run_cypher`), never from what the loader reports.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from neo4j.exceptions import Neo4jError
from typer.testing import CliRunner

from clustergraph.cli import app
from clustergraph.cypher.statements import LOAD_STATEMENTS
from clustergraph.dataset import DatasetError, read_dataset
from clustergraph.loader import load_dataset, write_plan
from clustergraph.settings import Settings
from conftest import DATA_DIR, run_cypher

pytestmark = pytest.mark.integration


# --- expectations from the CSV files ------------------------------------------------------------------------


def csv_rows(name: str, folder: Path = DATA_DIR) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def sources(value: str) -> list[str]:
    return [part.strip() for part in value.split(" ; ") if part.strip()]


def blank_to_none(value: str) -> str | None:
    return value.strip() or None


def expected_counts(folder: Path = DATA_DIR) -> tuple[dict[str, int], dict[str, int]]:
    """Nodes per label and relationships per type that the CSV files of `folder` describe."""
    cities = csv_rows("cities.csv", folder)
    batches = csv_rows("batches.csv", folder)
    clusters = csv_rows("clusters.csv", folder)
    enterprises = csv_rows("enterprises.csv", folder)
    figures = csv_rows("batch_figures.csv", folder)
    dated = [c for c in clusters if c["recognition_year"].strip()]
    years = {b["year"] for b in batches} | {c["recognition_year"] for c in dated}
    cluster_ids = {c["id"] for c in clusters}
    counties = {(c["city_zh"], c["county_zh"]) for c in clusters}
    labels = {
        "Province": len(csv_rows("provinces.csv", folder)),
        "City": len(cities),
        "County": len(counties),
        "Industry": len(csv_rows("industries.csv", folder)),
        "RecognitionYear": len(years),
        "Batch": len(batches),
        "BatchFigure": len(figures),
        "Cluster": len(cluster_ids),
        "Recognition": len(clusters),
        "Enterprise": len({e["name_zh"] for e in enterprises}),
    }
    types = {
        "IN_PROVINCE": len(cities),
        "IN_CITY": len(counties),
        "LOCATED_IN": len(cluster_ids),
        "IN_INDUSTRY": len(cluster_ids),
        "RECOGNIZED": len(clusters),
        "IN_BATCH": len(dated),
        "IN_YEAR": len(dated) + len(batches),
        "MEMBER_OF": len({(e["name_zh"], e["cluster_id"]) for e in enterprises}),
        "STATES": len(figures),
    }
    return labels, types


# --- reading the graph --------------------------------------------------------------------------------------


def label_counts(driver: Driver, settings: Settings) -> dict[str, int]:
    rows = run_cypher(driver, settings, "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n")
    return {r["label"]: r["n"] for r in rows}


def type_counts(driver: Driver, settings: Settings) -> dict[str, int]:
    rows = run_cypher(driver, settings, "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")
    return {r["type"]: r["n"] for r in rows}


def dump(driver: Driver, settings: Settings) -> dict[str, Any]:
    """Every node (by labels and id) and relationship (by ends and type) with all their properties."""
    nodes = run_cypher(
        driver, settings, "MATCH (n) RETURN labels(n) AS labels, n.id AS id, properties(n) AS p"
    )
    rels = run_cypher(
        driver,
        settings,
        "MATCH (a)-[r]->(b) RETURN labels(a) AS al, a.id AS a, type(r) AS t, labels(b) AS bl, b.id AS b, "
        "properties(r) AS p",
    )
    node_map = {(tuple(sorted(n["labels"])), n["id"]): n["p"] for n in nodes}
    rel_map = {(tuple(sorted(r["al"])), r["a"], r["t"], tuple(sorted(r["bl"])), r["b"]): r["p"] for r in rels}
    return {"nodes": node_map, "relationships": rel_map, "node_total": len(nodes), "rel_total": len(rels)}


# --- breaking a copy of the dataset -------------------------------------------------------------------------


def copy_dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for source in DATA_DIR.glob("*.csv"):
        shutil.copyfile(source, folder / source.name)
    return folder


def rewrite(folder: Path, name: str, change: Any) -> None:
    """Apply `change(header, rows)` to the rows of `name` (lists of strings) and write the file back."""
    text = (folder / name).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert all("\n" not in cell for row in table for cell in row), (
        "one record per line keeps line numbers simple"
    )
    change(table[0], table[1:])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    (folder / name).write_text(buffer.getvalue(), encoding="utf-8")


def break_last_enterprise(folder: Path) -> int:
    """Point the last row of enterprises.csv (the last file read) at an unknown cluster; return its line."""
    rows_before = csv_rows("enterprises.csv", folder)

    def change(header: list[str], rows: list[list[str]]) -> None:
        rows[-1][header.index("cluster_id")] = "no-such-cluster"

    rewrite(folder, "enterprises.csv", change)
    return len(rows_before) + 1  # header is line 1, one record per line


# --- loading ------------------------------------------------------------------------------------------------


def test_loading_into_an_empty_graph_gives_the_csv_counts(empty_graph: Driver, settings: Settings) -> None:
    """Loading data/ into an empty graph gives the CSVs' node counts per label and edge counts per type."""
    labels, types = expected_counts()

    summary = load_dataset(empty_graph, settings.neo4j_database, DATA_DIR)

    assert label_counts(empty_graph, settings) == labels
    assert type_counts(empty_graph, settings) == types
    assert summary.nodes_created == sum(labels.values())
    assert summary.relationships_created == sum(types.values())


def test_loading_twice_leaves_identical_nodes_relationships_and_properties(
    empty_graph: Driver, settings: Settings
) -> None:
    """A second load of the same data/ changes no count, no node, no relationship and no property."""
    load_dataset(empty_graph, settings.neo4j_database, DATA_DIR)
    first = dump(empty_graph, settings)
    first_labels, first_types = label_counts(empty_graph, settings), type_counts(empty_graph, settings)

    second_summary = load_dataset(empty_graph, settings.neo4j_database, DATA_DIR)

    assert label_counts(empty_graph, settings) == first_labels
    assert type_counts(empty_graph, settings) == first_types
    assert dump(empty_graph, settings) == first
    assert second_summary.nodes_created == 0
    assert second_summary.relationships_created == 0
    assert second_summary.relationships_deleted == 0


def test_loaded_properties_follow_the_csv_rows(dataset_graph: Driver, settings: Settings) -> None:
    """Clusters, recognitions, counties, industries and memberships carry the values of the CSV files."""
    clusters = csv_rows("clusters.csv")
    graph = {
        r["id"]: r
        for r in run_cypher(
            dataset_graph,
            settings,
            "MATCH (c:Cluster)-[:LOCATED_IN]->(county:County)-[:IN_CITY]->(city:City), "
            "(c)-[i:IN_INDUSTRY]->(industry:Industry) "
            "RETURN c.id AS id, c.name AS name, c.nameZh AS nameZh, c.alternateNamesZh AS alternates, "
            "county.nameZh AS county, city.nameZh AS city, industry.nameZh AS industry, "
            "i.inferred AS inferred",
        )
    }
    for cluster_id in {c["id"] for c in clusters}:
        rows = [c for c in clusters if c["id"] == cluster_id]
        node = graph[cluster_id]
        assert (node["name"], node["nameZh"]) == (rows[0]["name_en"], rows[0]["name_zh"])
        assert node["alternates"] == [r["name_zh"] for r in rows[1:] if r["name_zh"] != rows[0]["name_zh"]]
        assert (node["county"], node["city"], node["industry"]) == (
            rows[0]["county_zh"],
            rows[0]["city_zh"],
            rows[0]["industry_zh"],
        )
        assert node["inferred"] == all(r["industry_inferred"] == "true" for r in rows)

    recognitions = {
        r["id"]: r
        for r in run_cypher(
            dataset_graph,
            settings,
            "MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition) "
            "RETURN c.id + '/' + toLower(r.level) AS id, r.level AS level, r.year AS year, r.notes AS notes, "
            "r.sources AS sources",
        )
    }
    assert set(recognitions) == {f"{c['id']}/{c['level']}" for c in clusters}
    for c in clusters:
        node = recognitions[f"{c['id']}/{c['level']}"]
        assert node["level"] == c["level"].upper()
        assert node["year"] == (int(c["recognition_year"]) if c["recognition_year"].strip() else None)
        assert node["notes"] == blank_to_none(c["notes"])
        assert node["sources"] == sources(c["source_url"])

    memberships = {
        (m["nameZh"], m["cluster"]): m
        for m in run_cypher(
            dataset_graph,
            settings,
            "MATCH (e:Enterprise)-[m:MEMBER_OF]->(c:Cluster) "
            "RETURN e.nameZh AS nameZh, c.id AS cluster, m.role AS role, m.roleZh AS roleZh, "
            "m.sources AS sources",
        )
    }
    for e in csv_rows("enterprises.csv"):
        m = memberships[(e["name_zh"], e["cluster_id"])]
        assert (m["role"], m["roleZh"]) == (blank_to_none(e["role_en"]), blank_to_none(e["role_zh"]))
        assert m["sources"] == sources(e["source_url"])


def test_cities_have_their_seat_as_a_point_and_belong_to_the_province(
    dataset_graph: Driver, settings: Settings
) -> None:
    """Each City has location = its seat_lat/seat_lon and one IN_PROVINCE to the province of provinces.csv."""
    province = csv_rows("provinces.csv")[0]
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:City)-[:IN_PROVINCE]->(p:Province) "
        "RETURN c.id AS id, c.location.latitude AS lat, c.location.longitude AS lon, p.id AS province",
    )
    graph = {r["id"]: r for r in rows}
    cities = csv_rows("cities.csv")
    assert set(graph) == {c["admin_code"] for c in cities}
    for c in cities:
        node = graph[c["admin_code"]]
        assert node["lat"] == pytest.approx(float(c["seat_lat"]))
        assert node["lon"] == pytest.approx(float(c["seat_lon"]))
        assert node["province"] == province["admin_code"]


def test_batches_carry_the_official_counts_and_the_named_recognitions(
    dataset_graph: Driver, settings: Settings
) -> None:
    """Each Batch has batches.csv's official counts and as many IN_BATCH recognitions as clusters.csv."""
    clusters = csv_rows("clusters.csv")
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (b:Batch) OPTIONAL MATCH (r:Recognition)-[:IN_BATCH]->(b) "
        "RETURN b.id AS id, b.officialCount AS official, b.officialCountSichuan AS sichuan, "
        "count(r) AS named",
    )
    graph = {r["id"]: r for r in rows}
    for b in csv_rows("batches.csv"):
        named = sum(1 for c in clusters if (c["level"], c["recognition_year"]) == (b["level"], b["year"]))
        node = graph[b["id"]]
        assert node["official"] == (int(b["official_count"]) if b["official_count"] else None)
        assert node["sichuan"] == (int(b["official_count_sichuan"]) if b["official_count_sichuan"] else None)
        assert node["named"] == named


def test_provincial_2024_batch_names_fewer_clusters_than_its_official_36(
    dataset_graph: Driver, settings: Settings
) -> None:
    """The 2024 provincial Batch has officialCountSichuan 36 but fewer IN_BATCH recognitions (the CSV's)."""
    csv_batch = next(b for b in csv_rows("batches.csv") if (b["level"], b["year"]) == ("provincial", "2024"))
    named_in_csv = sum(
        1 for c in csv_rows("clusters.csv") if c["level"] == "provincial" and c["recognition_year"] == "2024"
    )
    [row] = run_cypher(
        dataset_graph,
        settings,
        "MATCH (b:Batch {level: 'PROVINCIAL', year: 2024}) "
        "OPTIONAL MATCH (r:Recognition)-[:IN_BATCH]->(b) "
        "RETURN b.officialCountSichuan AS official, count(r) AS named",
    )
    assert row["official"] == 36 == int(csv_batch["official_count_sichuan"])
    assert row["named"] == named_in_csv
    assert row["named"] < row["official"]


def test_undated_recognitions_have_no_year_and_no_batch(dataset_graph: Driver, settings: Settings) -> None:
    """Clusters with an empty recognition_year have a Recognition with year null, no IN_YEAR, no IN_BATCH."""
    clusters = csv_rows("clusters.csv")
    undated = {(c["id"], c["level"].upper()) for c in clusters if not c["recognition_year"].strip()}
    assert undated, "the dataset has undated recognitions"
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition) WHERE r.year IS NULL "
        "RETURN c.id AS id, r.level AS level, "
        "COUNT { (r)-[:IN_YEAR]->() } AS years, COUNT { (r)-[:IN_BATCH]->() } AS batches",
    )
    assert {(r["id"], r["level"]) for r in rows} == undated
    assert all(r["years"] == 0 and r["batches"] == 0 for r in rows)


def test_dated_recognitions_are_in_their_batch_and_year(dataset_graph: Driver, settings: Settings) -> None:
    """A dated recognition has one IN_BATCH to '<level>-<year>' and one IN_YEAR to that year."""
    dated = {
        (c["id"], c["level"].upper()): int(c["recognition_year"])
        for c in csv_rows("clusters.csv")
        if c["recognition_year"].strip()
    }
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (c:Cluster)-[:RECOGNIZED]->(r:Recognition) WHERE r.year IS NOT NULL "
        "RETURN c.id AS id, r.level AS level, [(r)-[:IN_BATCH]->(b) | b.id] AS batches, "
        "[(r)-[:IN_YEAR]->(y) | y.year] AS years",
    )
    assert {(r["id"], r["level"]) for r in rows} == set(dated)
    for r in rows:
        year = dated[(r["id"], r["level"])]
        assert r["batches"] == [f"{r['level'].lower()}-{year}"]
        assert r["years"] == [year]


def test_reloading_a_corrected_dataset_moves_relationships_instead_of_adding_them(
    fresh_dataset_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    """A cluster whose county and industry change, and a recognition whose year is removed, are rewired."""
    folder = copy_dataset(tmp_path)
    clusters = csv_rows("clusters.csv")
    ids = [c["id"] for c in clusters]
    target = next(c for c in clusters if ids.count(c["id"]) == 1 and c["recognition_year"].strip())
    new_county = next(
        c for c in clusters if c["city_zh"] == target["city_zh"] and c["county_zh"] != target["county_zh"]
    )
    new_industry = next(i for i in csv_rows("industries.csv") if i["name_zh"] != target["industry_zh"])

    def change(header: list[str], rows: list[list[str]]) -> None:
        row = next(r for r in rows if r[header.index("id")] == target["id"])
        row[header.index("county_zh")] = new_county["county_zh"]
        row[header.index("county_en")] = new_county["county_en"]
        row[header.index("industry_zh")] = new_industry["name_zh"]
        row[header.index("industry_en")] = new_industry["name_en"]
        row[header.index("recognition_year")] = ""

    rewrite(folder, "clusters.csv", change)

    load_dataset(fresh_dataset_graph, settings.neo4j_database, folder)

    [row] = run_cypher(
        fresh_dataset_graph,
        settings,
        "MATCH (c:Cluster {id: $id}) "
        "RETURN [(c)-[:LOCATED_IN]->(x) | x.nameZh] AS counties, "
        "[(c)-[:IN_INDUSTRY]->(i) | i.id] AS industries, "
        "[(c)-[:RECOGNIZED]->(r) | [r.year, COUNT { (r)-[:IN_BATCH]->() }, COUNT { (r)-[:IN_YEAR]->() }]] "
        "AS recs",
        id=target["id"],
    )
    assert row["counties"] == [new_county["county_zh"]]
    assert row["industries"] == [new_industry["id"]]
    assert row["recs"] == [[None, 0, 0]]


def test_reloading_with_another_year_moves_the_recognition_to_that_batch(
    fresh_dataset_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    """A recognition whose year changes to another batch's year has one IN_BATCH and one IN_YEAR, both new."""
    batches = {(b["level"], b["year"]) for b in csv_rows("batches.csv")}
    clusters = csv_rows("clusters.csv")
    target, new_year = next(
        (c, y)
        for c in clusters
        if c["recognition_year"].strip()
        for (level, y) in sorted(batches)
        if level == c["level"] and y != c["recognition_year"]
    )
    folder = copy_dataset(tmp_path)

    def change(header: list[str], rows: list[list[str]]) -> None:
        row = next(
            r
            for r in rows
            if (r[header.index("id")], r[header.index("level")]) == (target["id"], target["level"])
        )
        row[header.index("recognition_year")] = new_year

    rewrite(folder, "clusters.csv", change)

    load_dataset(fresh_dataset_graph, settings.neo4j_database, folder)

    [row] = run_cypher(
        fresh_dataset_graph,
        settings,
        "MATCH (:Cluster {id: $id})-[:RECOGNIZED]->(r:Recognition {level: $level}) "
        "RETURN r.year AS year, [(r)-[:IN_BATCH]->(b) | b.id] AS batches, "
        "[(r)-[:IN_YEAR]->(y) | y.year] AS years",
        id=target["id"],
        level=target["level"].upper(),
    )
    assert row == {
        "year": int(new_year),
        "batches": [f"{target['level']}-{new_year}"],
        "years": [int(new_year)],
    }


# --- refusal and atomicity ----------------------------------------------------------------------------------


def test_bad_last_file_is_refused_and_the_loaded_graph_is_unchanged(
    fresh_dataset_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    """One bad row in enterprises.csv (read last) refuses the load with file and line; graph unchanged."""
    folder = copy_dataset(tmp_path)
    line = break_last_enterprise(folder)
    before = dump(fresh_dataset_graph, settings)

    with pytest.raises(DatasetError) as info:
        load_dataset(fresh_dataset_graph, settings.neo4j_database, folder)

    assert [(e.file, e.line, e.field) for e in info.value.errors] == [("enterprises.csv", line, "cluster_id")]
    assert info.value.errors[0].reason
    assert f"enterprises.csv:{line}:" in str(info.value)
    assert dump(fresh_dataset_graph, settings) == before


def test_bad_last_file_is_refused_and_an_empty_graph_stays_empty(
    empty_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    """One bad row in enterprises.csv refuses the load of an empty graph: not a single node is written."""
    folder = copy_dataset(tmp_path)
    line = break_last_enterprise(folder)
    before = dump(empty_graph, settings)
    assert before["node_total"] == 0

    with pytest.raises(DatasetError) as info:
        load_dataset(empty_graph, settings.neo4j_database, folder)

    assert ("enterprises.csv", line) in [(e.file, e.line) for e in info.value.errors]
    assert dump(empty_graph, settings) == before


def test_failure_in_the_last_statement_of_the_transaction_writes_nothing(
    empty_graph: Driver, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the last load statement fails after all others wrote in the transaction, nothing is committed."""
    labels, _ = expected_counts()
    # Fails (division by zero) exactly when every enterprise is visible inside the transaction, which proves
    # that the earlier statements had written before the failure.
    failing = (
        "UNWIND $rows AS row WITH count(row) AS ignored "
        f"MATCH (e:Enterprise) WITH count(e) AS written RETURN 1 / (written - {labels['Enterprise']}) AS boom"
    )
    assert list(LOAD_STATEMENTS)[-1] == "memberships"
    monkeypatch.setattr("clustergraph.loader.LOAD_STATEMENTS", {**LOAD_STATEMENTS, "memberships": failing})
    before = dump(empty_graph, settings)

    with pytest.raises(Neo4jError) as info:
        load_dataset(empty_graph, settings.neo4j_database, DATA_DIR)

    assert info.value.code == "Neo.ClientError.Statement.ArithmeticError"

    assert dump(empty_graph, settings) == before


def test_failure_on_the_loaded_graph_leaves_it_unchanged(
    fresh_dataset_graph: Driver, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A changed dataset whose last statement fails leaves the loaded graph exactly as it was."""
    folder = copy_dataset(tmp_path)

    def change(header: list[str], rows: list[list[str]]) -> None:
        for row in rows:
            row[header.index("name_en")] = row[header.index("name_en")] + " Renamed"

    rewrite(folder, "clusters.csv", change)
    failing = "UNWIND $rows AS row WITH count(row) AS n RETURN 1 / (n - n) AS boom"
    monkeypatch.setattr("clustergraph.loader.LOAD_STATEMENTS", {**LOAD_STATEMENTS, "memberships": failing})
    before = dump(fresh_dataset_graph, settings)

    with pytest.raises(Neo4jError) as info:
        load_dataset(fresh_dataset_graph, settings.neo4j_database, folder)

    assert info.value.code == "Neo.ClientError.Statement.ArithmeticError"

    assert dump(fresh_dataset_graph, settings) == before


def test_uniqueness_violation_in_a_later_batch_writes_nothing(
    empty_graph: Driver, settings: Settings
) -> None:
    """A plan whose last RecognitionYear row breaks the unique-year constraint fails and commits nothing."""
    plan = read_dataset(DATA_DIR)
    taken = plan.years[0]["year"]
    plan.years.append({"id": f"{taken}-again", "year": taken})
    before = dump(empty_graph, settings)

    with pytest.raises(Neo4jError) as info:
        write_plan(empty_graph, settings.neo4j_database, plan, batch_size=1)

    assert info.value.code == "Neo.ClientError.Schema.ConstraintValidationFailed"

    assert dump(empty_graph, settings) == before


# --- the CLI ------------------------------------------------------------------------------------------------


def cli_env(settings: Settings) -> dict[str, str]:
    return {
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_secret.get_secret_value(),
        "NEO4J_DATABASE": settings.neo4j_database,
    }


def test_cli_load_refuses_a_bad_folder_with_file_and_line(
    fresh_dataset_graph: Driver, settings: Settings, tmp_path: Path
) -> None:
    """`clustergraph load PATH` on a bad folder exits non-zero, prints file:line, and writes nothing."""
    folder = copy_dataset(tmp_path)
    line = break_last_enterprise(folder)
    before = dump(fresh_dataset_graph, settings)

    result = CliRunner().invoke(app, ["load", str(folder)], env=cli_env(settings))

    assert result.exit_code != 0
    assert f"enterprises.csv:{line}:" in result.output
    assert "no-such-cluster" in result.output
    assert dump(fresh_dataset_graph, settings) == before


def test_cli_load_of_the_good_folder_exits_zero_with_a_summary(
    empty_graph: Driver, settings: Settings
) -> None:
    """`clustergraph load PATH` on data/ exits 0, prints a summary with the graph's totals, and loads."""
    labels, types = expected_counts()

    result = CliRunner().invoke(app, ["load", str(DATA_DIR)], env=cli_env(settings))

    assert result.exit_code == 0, result.output
    assert str(DATA_DIR) in result.output
    assert f"{sum(labels.values())} nodes, {sum(types.values())} relationships" in result.output
    assert label_counts(empty_graph, settings) == labels
    assert type_counts(empty_graph, settings) == types


def test_named_nodes_carry_the_sort_keys_of_their_names(dataset_graph: Driver, settings: Settings) -> None:
    """Every loaded named node stores its English name lower-cased (`nameSort`) and its Chinese name's pinyin with
    tone numbers (`nameZhSort`, pypinyin's reading, syllables joined by spaces)."""
    from pypinyin import Style, lazy_pinyin

    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (n) WHERE n.nameZh IS NOT NULL "
        "RETURN n.name AS name, n.nameZh AS zh, n.nameSort AS sort, n.nameZhSort AS zhSort",
    )
    assert rows
    for r in rows:
        assert r["sort"] == r["name"].lower()
        reading = [
            s.strip().lower()
            for s in lazy_pinyin(r["zh"], style=Style.TONE3, neutral_tone_with_five=True)
            if s.strip()
        ]
        assert r["zhSort"] == " ".join(reading), r["zh"]


def test_migrate_gives_named_nodes_written_without_sort_keys_their_keys(
    fresh_dataset_graph: Driver, settings: Settings
) -> None:
    """Nodes written before the sort keys existed (or by hand) get them at the next `migrate` (run at start-up)."""
    from clustergraph.db import migrate

    expected = run_cypher(
        fresh_dataset_graph,
        settings,
        "MATCH (n) WHERE n.nameZh IS NOT NULL RETURN elementId(n) AS id, n.nameSort AS s, n.nameZhSort AS z",
    )
    run_cypher(fresh_dataset_graph, settings, "MATCH (n) REMOVE n.nameSort, n.nameZhSort")
    migrate(fresh_dataset_graph, settings.neo4j_database)
    after = run_cypher(
        fresh_dataset_graph,
        settings,
        "MATCH (n) WHERE n.nameZh IS NOT NULL RETURN elementId(n) AS id, n.nameSort AS s, n.nameZhSort AS z",
    )
    assert sorted(after, key=lambda r: r["id"]) == sorted(expected, key=lambda r: r["id"])
    assert all(r["s"] is not None and r["z"] is not None for r in after)


def test_migrate_recreates_a_full_text_index_whose_definition_changed(
    empty_graph: Driver, settings: Settings
) -> None:
    """An older `name_search` (names only) is dropped and created as cypher/schema.cypher declares it; a second
    migrate leaves the index alone (same id)."""
    from clustergraph.db import migrate

    def index() -> dict[str, Any]:
        [row] = run_cypher(
            empty_graph,
            settings,
            "SHOW FULLTEXT INDEXES YIELD id, name, properties WHERE name = 'name_search' RETURN id, properties",
        )
        return row

    run_cypher(empty_graph, settings, "DROP INDEX name_search")
    run_cypher(
        empty_graph,
        settings,
        "CREATE FULLTEXT INDEX name_search FOR (n:Cluster|Enterprise|City|County|Industry|Province) "
        "ON EACH [n.name, n.nameZh] OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}",
    )
    assert index()["properties"] == ["name", "nameZh"]
    migrate(empty_graph, settings.neo4j_database)
    declared = (Path(__file__).parents[2] / "cypher" / "schema.cypher").read_text(encoding="utf-8")
    recreated = index()
    assert recreated["properties"] != ["name", "nameZh"]
    assert f"ON EACH [{', '.join('n.' + p for p in recreated['properties'])}]" in declared
    migrate(empty_graph, settings.neo4j_database)
    assert index()["id"] == recreated["id"]
