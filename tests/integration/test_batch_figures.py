"""The figures the sources state about the official lists, read through GraphQL as facts with their sources and
bounds, and the graph's own count of each beside it.

The expected figures come from `data/batch_figures.csv` and `data/batches.csv` read here with the csv module; what
the graph names is counted with direct Cypher over the loaded dataset.
"""

from __future__ import annotations

import csv
from typing import Any

import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import DATA_DIR, gql_data, run_cypher

pytestmark = [
    pytest.mark.integration,
    # The `client` fixture imports starlette.testclient, which warns when httpx2 is missing; the suite turns
    # warnings into errors.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

FIGURES_QUERY = """
query ($key: ID!) {
  batch(id: $key) {
    key
    notice
    published
    sources
    figures(first: 20) {
      totalCount
      nodes { key figure value unit bound notes sources inGraph batch { key } }
    }
  }
}
"""

COVERAGE_QUERY = """
{ stats { coverage { batch { key figures(first: 20) { nodes { figure value bound inGraph } } } namedCount } } }
"""


def csv_rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def sources(cell: str) -> list[str]:
    return [u.strip() for u in cell.split(" ; ") if u.strip()]


def figures_of(client: Any, key: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    batch = gql_data(client, FIGURES_QUERY, {"key": key})["batch"]
    return batch, {f["figure"]: f for f in batch["figures"]["nodes"]}


def test_the_2024_provincial_figures_are_read_with_their_sources_and_bounds(client: Any) -> None:
    """36 clusters, 17 cities, 6 industries (exact); over 370 billion yuan, over 3,260 enterprises, over 1,200
    high-quality SMEs (lower bounds): each as batch_figures.csv states it, with its source URLs."""
    expected = {
        r["figure"].upper(): r for r in csv_rows("batch_figures.csv") if r["batch_id"] == "provincial-2024"
    }
    batch, got = figures_of(client, "provincial-2024")
    assert batch["figures"]["totalCount"] == len(expected) == 6
    assert got.keys() == expected.keys()
    for figure, row in expected.items():
        f = got[figure]
        assert f["value"] == float(row["value"]), figure
        assert f["bound"] == row["bound"].upper(), figure
        assert f["unit"] == row["unit"], figure
        assert f["notes"] == row["notes"], figure
        assert f["sources"] == sources(row["source_url"]), figure
        assert f["sources"], figure
        assert f["batch"]["key"] == "provincial-2024"
    # The headline figures as the press release words them (SOURCES.md), and which of them say "over".
    stated = {k: (f["value"], f["bound"] == "AT_LEAST") for k, f in got.items()}
    assert stated == {
        "CLUSTERS": (36, False),
        "CITIES": (17, False),
        "INDUSTRIES": (6, False),
        "OUTPUT_VALUE_CNY": (370e9, True),
        "ENTERPRISES": (3260, True),
        "QUALITY_SMES": (1200, True),
    }
    # The stated list size agrees with the batch's official count.
    official = {b["id"]: b for b in csv_rows("batches.csv")}["provincial-2024"]
    assert got["CLUSTERS"]["value"] == int(official["official_count"])


def test_what_the_graph_names_stands_beside_each_figure(
    client: Any, driver: Driver, settings: Settings
) -> None:
    """inGraph: the batch's named recognitions, the distinct cities and industries of its clusters, the sum of
    their stated output values and their distinct members, each counted here with direct Cypher; null for the
    high-quality SMEs, which the graph does not record."""
    (row,) = run_cypher(
        driver,
        settings,
        """
        MATCH (b:Batch {id: 'provincial-2024'})
        OPTIONAL MATCH (b)<-[:IN_BATCH]-(r:Recognition)<-[:RECOGNIZED]-(c:Cluster)
        OPTIONAL MATCH (c)-[:LOCATED_IN]->(:County)-[:IN_CITY]->(city:City)
        OPTIONAL MATCH (c)-[:IN_INDUSTRY]->(i:Industry)
        OPTIONAL MATCH (c)<-[:MEMBER_OF]-(e:Enterprise)
        RETURN count(DISTINCT r) AS clusters, count(DISTINCT city) AS cities, count(DISTINCT i) AS industries,
               count(DISTINCT e) AS enterprises
        """,
    )
    (output,) = run_cypher(
        driver,
        settings,
        "MATCH (:Batch {id: 'provincial-2024'})<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(c:Cluster) "
        "RETURN sum(c.outputValueCny) AS sum",
    )
    _, got = figures_of(client, "provincial-2024")
    assert got["CLUSTERS"]["inGraph"] == row["clusters"]
    assert got["CITIES"]["inGraph"] == row["cities"]
    assert got["INDUSTRIES"]["inGraph"] == row["industries"]
    assert got["ENTERPRISES"]["inGraph"] == row["enterprises"]
    assert got["OUTPUT_VALUE_CNY"]["inGraph"] == output["sum"]
    assert got["QUALITY_SMES"]["inGraph"] is None
    # The named part is a part: the graph names fewer than the source states, and at least one of each.
    for figure in ("CLUSTERS", "CITIES", "INDUSTRIES", "OUTPUT_VALUE_CNY"):
        assert 0 < got[figure]["inGraph"] <= got[figure]["value"], figure
    # clusters.csv counted with the csv module: the provincial rows of 2024, their cities and industries.
    rows = [
        r for r in csv_rows("clusters.csv") if (r["level"], r["recognition_year"]) == ("provincial", "2024")
    ]
    assert got["CLUSTERS"]["inGraph"] == len(rows)
    assert got["CITIES"]["inGraph"] == len({r["city_zh"] for r in rows})
    assert got["INDUSTRIES"]["inGraph"] == len({r["industry_zh"] for r in rows})


def test_stats_coverage_reaches_the_figures_beside_the_named_count(client: Any) -> None:
    """stats.coverage gives each list's figures with the graph's part of each; the CLUSTERS figure's part is the
    coverage's namedCount."""
    coverage = {c["batch"]["key"]: c for c in gql_data(client, COVERAGE_QUERY)["stats"]["coverage"]}
    figures = {f["figure"]: f for f in coverage["provincial-2024"]["batch"]["figures"]["nodes"]}
    assert figures["CLUSTERS"]["inGraph"] == coverage["provincial-2024"]["namedCount"]
    stated = {(r["batch_id"], r["figure"].upper()) for r in csv_rows("batch_figures.csv")}
    got = {(key, f["figure"]) for key, c in coverage.items() for f in c["batch"]["figures"]["nodes"]}
    assert got == stated


@pytest.mark.parametrize("key", ["national-2024", "national-2025"])
def test_sichuan_has_at_most_8_on_the_national_lists_whose_count_is_unknown(client: Any, key: str) -> None:
    """Each province could put forward at most 8 clusters to the 2024 and 2025 national rounds: Sichuan's count
    on those lists, unknown, is an upper bound with its source."""
    expected = {(r["batch_id"], r["figure"]): r for r in csv_rows("batch_figures.csv")}[
        (key, "sichuan_clusters")
    ]
    official = {b["id"]: b for b in csv_rows("batches.csv")}[key]
    assert official["official_count_sichuan"] == ""  # the count itself is not known
    _, got = figures_of(client, key)
    cap = got["SICHUAN_CLUSTERS"]
    assert (cap["value"], cap["bound"]) == (float(expected["value"]), "AT_MOST") == (8, "AT_MOST")
    assert cap["sources"] == sources(expected["source_url"])
    # What the graph names of the list cannot exceed the cap.
    assert cap["inGraph"] <= cap["value"]


def test_the_national_2024_notice_number_and_date(client: Any) -> None:
    """The 2024 national list's notice (number 267 of 2024, dated 2024-09-19) as batches.csv gives it, with the
    sources that state it among the batch's sources."""
    row = {b["id"]: b for b in csv_rows("batches.csv")}["national-2024"]
    batch, _ = figures_of(client, "national-2024")
    assert batch["notice"] == row["notice"] == "工信部企业函〔2024〕267号"  # noqa: RUF001 -- the notice's own brackets
    assert batch["published"] == row["published"] == "2024-09-19"
    assert batch["sources"] == sources(row["source_url"])
    assert any("baiyin.gov.cn" in u for u in batch["sources"])


def test_the_root_list_filters_figures_by_bound(client: Any) -> None:
    """batchFigures(where: {bound: {eq: AT_MOST}}) lists the caps, and a figure is fetched by its key; both as
    batch_figures.csv has them."""
    caps = {
        (r["batch_id"], r["figure"].upper()) for r in csv_rows("batch_figures.csv") if r["bound"] == "at_most"
    }
    data = gql_data(
        client,
        "{ batchFigures(where: {bound: {eq: AT_MOST}}, first: 20) { nodes { figure batch { key } } } "
        'batchFigure(id: "provincial-2024/output-value-cny") { value bound } }',
    )
    assert {(f["batch"]["key"], f["figure"]) for f in data["batchFigures"]["nodes"]} == caps
    (row,) = [
        r
        for r in csv_rows("batch_figures.csv")
        if (r["batch_id"], r["figure"]) == ("provincial-2024", "output_value_cny")
    ]
    assert data["batchFigure"] == {"value": float(row["value"]), "bound": row["bound"].upper()}
