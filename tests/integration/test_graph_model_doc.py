"""The README's description of the graph model matches the graph that loading data/ produces.

The README side is parsed from its text (the mermaid diagram and the label table); the database side comes
from direct Cypher queries on the loaded dataset.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from neo4j import Driver

from clustergraph.settings import Settings
from conftest import ROOT, run_cypher

pytestmark = pytest.mark.integration

README = ROOT / "README.md"

#: `A -- TYPE --> B` or `A -- "TYPE {prop, prop}" --> B`
EDGE = re.compile(r'^\s*(\w+)\s+--\s+(?:"(\w+)(?:\s*\{([^}]*)\})?\s*"|(\w+))\s+-->\s+(\w+)\s*$')
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
}  # fmt: skip


# --- reading the README -------------------------------------------------------------------------------------


def readme_text(path: Path = README) -> str:
    return path.read_text(encoding="utf-8")


def mermaid_block(text: str) -> list[str]:
    """The lines between "```mermaid" and the next "```"."""
    match = re.search(r"^```mermaid\s*\n(.*?)^```", text, flags=re.S | re.M)
    assert match, "README.md has no ```mermaid block"
    return match.group(1).splitlines()


def mermaid_edges(text: str) -> dict[tuple[str, str, str], set[str] | None]:
    """(start label, type, end label) -> the property names in braces, or None when the edge lists none."""
    edges: dict[tuple[str, str, str], set[str] | None] = {}
    for line in mermaid_block(text):
        if "-->" not in line:
            continue
        match = EDGE.match(line)
        assert match, f"mermaid edge not in the form `A -- TYPE --> B`: {line!r}"
        start, quoted_type, props, bare_type, end = match.groups()
        key = (start, quoted_type or bare_type, end)
        assert key not in edges, f"edge listed twice in the diagram: {key}"
        edges[key] = {p.strip() for p in props.split(",") if p.strip()} if props is not None else None
    return edges


def label_table(text: str) -> dict[str, tuple[str, str]]:
    """Label -> (id cell, 'what it holds' cell) of the README table whose header is '| label | id | ...'."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"^\|\s*label\s*\|\s*id\s*\|", line))
    table: dict[str, tuple[str, str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        label = cells[0].strip("`")
        table[label] = (cells[1], cells[2] if len(cells) > 2 else "")
    return table


def test_readme_parsers_read_a_sample_document(tmp_path: Path) -> None:
    """The helpers read edges (bare and with properties) and the label table of a small sample README."""
    sample = tmp_path / "README.md"
    sample.write_text(
        '# x\n\n```mermaid\ngraph LR\n  A -- R --> B\n  B -- "S {p, q}" --> C\n```\n\n'
        "| label | id | what it holds |\n| --- | --- | --- |\n"
        "| `A` | slug (`a-1`) | `p` |\n| `B` | code | |\n\n"
        "after\n",
        encoding="utf-8",
    )
    text = readme_text(sample)
    assert mermaid_edges(text) == {("A", "R", "B"): None, ("B", "S", "C"): {"p", "q"}}
    assert label_table(text) == {"A": ("slug (`a-1`)", "`p`"), "B": ("code", "")}


# --- the database -------------------------------------------------------------------------------------------


def db_triples(driver: Driver, settings: Settings) -> set[tuple[str, str, str]]:
    rows = run_cypher(
        driver,
        settings,
        "MATCH (a)-[r]->(b) RETURN DISTINCT labels(a)[0] AS a, type(r) AS t, labels(b)[0] AS b",
    )
    return {(r["a"], r["t"], r["b"]) for r in rows}


def db_labels(driver: Driver, settings: Settings) -> set[str]:
    rows = run_cypher(driver, settings, "MATCH (n) UNWIND labels(n) AS label RETURN DISTINCT label")
    return {r["label"] for r in rows}


# --- the checks ---------------------------------------------------------------------------------------------


def test_mermaid_diagram_lists_exactly_the_relationship_triples_of_the_graph(
    dataset_graph: Driver, settings: Settings
) -> None:
    """The README diagram's (start label, type, end label) edges are exactly those present in the database."""
    documented = set(mermaid_edges(readme_text()))
    present = db_triples(dataset_graph, settings)
    assert documented == present, (
        f"in the README only: {sorted(documented - present)}; "
        f"in the database only: {sorted(present - documented)}"
    )


def test_mermaid_edge_properties_are_the_relationship_properties_of_the_graph(
    dataset_graph: Driver, settings: Settings
) -> None:
    """An edge's {props} in the diagram are exactly its relationships' property keys (no braces: none)."""
    for (start, rel_type, end), props in mermaid_edges(readme_text()).items():
        rows = run_cypher(
            dataset_graph,
            settings,
            "MATCH (a)-[r]->(b) WHERE type(r) = $type AND labels(a)[0] = $start AND labels(b)[0] = $end "
            "UNWIND keys(r) AS key RETURN DISTINCT key",
            type=rel_type,
            start=start,
            end=end,
        )
        keys = {r["key"] for r in rows}
        assert keys == (props or set()), f"{start} -[{rel_type}]-> {end}: README {props}, database {keys}"


def test_every_label_of_the_graph_is_in_the_readme_label_table(
    dataset_graph: Driver, settings: Settings
) -> None:
    """Each node label present in the database has a row in the README's label table, and no row is extra."""
    table = set(label_table(readme_text()))
    present = db_labels(dataset_graph, settings)
    assert present <= table, f"labels missing from the README table: {sorted(present - table)}"
    assert table == present, f"README table rows with no such nodes: {sorted(table - present)}"


def test_diagram_labels_are_the_label_table_labels() -> None:
    """Every label drawn in the diagram has a row in the label table, and every row is drawn."""
    text = readme_text()
    drawn = {label for (start, _, end) in mermaid_edges(text) for label in (start, end)}
    assert drawn == set(label_table(text))


def test_example_ids_in_the_label_table_exist_in_the_graph(dataset_graph: Driver, settings: Settings) -> None:
    """Each literal example id in the table's id column (e.g. `pidu-district`) is a node of that label."""
    checked = 0
    for label, (id_cell, _) in label_table(readme_text()).items():
        for example in re.findall(r"`([^`<>]+)`", id_cell):
            rows = run_cypher(
                dataset_graph,
                settings,
                "MATCH (n) WHERE $label IN labels(n) AND n.id = $id RETURN count(n) AS n",
                label=label,
                id=example,
            )
            assert rows[0]["n"] == 1, f"README says {label} ids look like {example!r}, but no such node"
            checked += 1
    assert checked > 0, "the label table gives no example ids"


def test_properties_named_in_the_label_table_exist_on_nodes_of_that_label(
    dataset_graph: Driver, settings: Settings
) -> None:
    """Each camelCase property the table's 'what it holds' column names is set on some node of that label."""
    for label, (_, holds) in label_table(readme_text()).items():
        named: set[str] = set()
        for token in re.findall(r"`([a-z][A-Za-z]*)(\(Zh\))?`", holds):
            named.add(token[0])
            if token[1]:
                named.add(token[0] + "Zh")
        if not named:
            continue
        rows = run_cypher(
            dataset_graph,
            settings,
            "MATCH (n) WHERE $label IN labels(n) UNWIND keys(n) AS key RETURN DISTINCT key",
            label=label,
        )
        keys = {r["key"] for r in rows}
        assert named <= keys, f"{label}: README names {sorted(named - keys)}, which no {label} node has"


def test_nodes_have_id_name_and_name_zh_as_the_readme_says(dataset_graph: Driver, settings: Settings) -> None:
    """Every node has an id; all but RecognitionYear, Recognition and BatchFigure also have name and nameZh."""
    rows = run_cypher(
        dataset_graph,
        settings,
        "MATCH (n) RETURN labels(n)[0] AS label, n.id IS NULL AS no_id, "
        "n.name IS NULL OR n.nameZh IS NULL AS no_name",
    )
    assert not [r for r in rows if r["no_id"]]
    unnamed = {r["label"] for r in rows if r["no_name"]}
    assert unnamed <= {"RecognitionYear", "Recognition", "BatchFigure"}, (
        f"nodes without name/nameZh: {sorted(unnamed)}"
    )


def test_readme_figures_on_recognitions_match_the_graph(dataset_graph: Driver, settings: Settings) -> None:
    """The README's counts of undated recognitions and of the 2024 provincial coverage hold in the graph."""
    text = " ".join(readme_text().split())
    undated = re.search(r"(\w+) of the (\d+) recognitions in the sources have no stated year", text)
    coverage = re.search(r"(\d+) official against the (\d+) the graph names", text)
    assert undated, "README no longer states how many recognitions are undated; update this test"
    assert coverage, "README no longer states the 2024 provincial coverage; update this test"

    [row] = run_cypher(
        dataset_graph,
        settings,
        "MATCH (r:Recognition) "
        "RETURN count(r) AS total, count(CASE WHEN r.year IS NULL THEN 1 END) AS undated",
    )
    [batch] = run_cypher(
        dataset_graph,
        settings,
        "MATCH (b:Batch {level: 'PROVINCIAL', year: 2024}) "
        "RETURN b.officialCountSichuan AS official, COUNT { (:Recognition)-[:IN_BATCH]->(b) } AS named",
    )
    word = undated.group(1).lower()
    stated_undated = int(word) if word.isdigit() else NUMBER_WORDS[word]
    assert (stated_undated, int(undated.group(2))) == (row["undated"], row["total"])
    assert (int(coverage.group(1)), int(coverage.group(2))) == (batch["official"], batch["named"])
