"""Validation of the dataset folder by `read_dataset` (pure: no database).

Each test copies the real `data/` folder to a temporary one, breaks it in one way, and checks that the dataset
is refused with a `RowError` naming the file, the CSV line (header = line 1), the field and a reason. Expected
line numbers and counts are computed here from the CSV files with the `csv` module, never taken from the code.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from clustergraph.dataset import FILES, DatasetError, RowError, read_dataset, slugify

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

Table = list[list[str]]


# --- helpers ------------------------------------------------------------------------------------------------


def copy_dataset(tmp_path: Path) -> Path:
    """A writable copy of the CSV files of data/ (some originals are read-only, so no copy of their modes)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for source in DATA_DIR.glob("*.csv"):
        shutil.copyfile(source, folder / source.name)
    return folder


def load_table(folder: Path, name: str) -> Table:
    """Header and rows of one CSV file, as lists of strings (index 0 is the header, i.e. line 1)."""
    text = (folder / name).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    # The helpers rely on one record per physical line, so that table index i is CSV line i + 1.
    assert all("\n" not in cell and "\r" not in cell for row in table for cell in row)
    return table


def save_table(folder: Path, name: str, table: Table) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    (folder / name).write_text(buffer.getvalue(), encoding="utf-8")


def line_of(index: int) -> int:
    """The CSV line of table row `index` as written by `save_table` (header = index 0 = line 1)."""
    return index + 1


def find_row(table: Table, **match: str) -> int:
    """Index of the first data row whose named columns have the given values."""
    header = table[0]
    for index, row in enumerate(table[1:], start=1):
        if all(row[header.index(column)] == value for column, value in match.items()):
            return index
    raise AssertionError(f"no row matches {match}")


def edit_row(folder: Path, name: str, index: int, **changes: str) -> int:
    """Change some fields of one row of `name`; return the CSV line of that row."""
    table = load_table(folder, name)
    for column, value in changes.items():
        table[index][table[0].index(column)] = value
    save_table(folder, name, table)
    return line_of(index)


def refused(folder: Path) -> list[RowError]:
    with pytest.raises(DatasetError) as info:
        read_dataset(folder)
    assert info.value.errors, "a DatasetError must list at least one problem"
    return info.value.errors


def assert_error(errors: list[RowError], file: str, line: int, field: str, *reason_words: str) -> RowError:
    """The error at file:line on `field` is among `errors`, with a reason (containing `reason_words`)."""
    matches = [e for e in errors if (e.file, e.line, e.field) == (file, line, field)]
    assert matches, f"no error at {file}:{line} on {field!r}; got:\n" + "\n".join(map(str, errors))
    error = matches[0]
    assert error.reason.strip(), f"{error} has no reason"
    for word in reason_words:
        assert word.lower() in error.reason.lower(), f"{word!r} not in the reason of {error}"
    return error


def rows_of(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def cluster_without_enterprises_on_one_row() -> str:
    """A cluster id with one clusters.csv row and no enterprise: breaking it causes no knock-on errors."""
    ids = [r["id"] for r in rows_of("clusters.csv")]
    with_members = {r["cluster_id"] for r in rows_of("enterprises.csv")}
    return next(i for i in ids if ids.count(i) == 1 and i not in with_members)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return copy_dataset(tmp_path)


# --- the real dataset ---------------------------------------------------------------------------------------


def test_real_dataset_is_accepted_with_the_counts_of_the_csv_files() -> None:
    """The real data/ gives as many nodes and memberships of each kind as the CSV files say."""
    clusters = rows_of("clusters.csv")
    enterprises = rows_of("enterprises.csv")
    batches = rows_of("batches.csv")
    years = {int(b["year"]) for b in batches} | {
        int(c["recognition_year"]) for c in clusters if c["recognition_year"]
    }

    plan = read_dataset(DATA_DIR)

    assert len(plan.provinces) == len(rows_of("provinces.csv"))
    assert len(plan.cities) == len(rows_of("cities.csv"))
    assert len(plan.industries) == len(rows_of("industries.csv"))
    assert len(plan.batches) == len(batches)
    assert len(plan.clusters) == len({c["id"] for c in clusters})
    assert len(plan.recognitions) == len(clusters)
    assert len(plan.counties) == len({c["county_zh"] for c in clusters})
    assert len(plan.enterprises) == len({e["name_zh"] for e in enterprises})
    assert len(plan.memberships) == len({(e["name_zh"], e["cluster_id"]) for e in enterprises})
    assert sorted(y["year"] for y in plan.years) == sorted(years)


def test_real_dataset_cluster_and_enterprise_ids_are_the_csv_ids_and_slugs() -> None:
    """Cluster ids are clusters.csv's ids; enterprise ids are the slugs of enterprises.csv's English names."""
    plan = read_dataset(DATA_DIR)
    assert {c["id"] for c in plan.clusters} == {r["id"] for r in rows_of("clusters.csv")}
    assert {m["clusterId"] for m in plan.memberships} == {r["cluster_id"] for r in rows_of("enterprises.csv")}
    assert {r["id"] for r in plan.recognitions} == {
        f"{r['id']}/{r['level']}" for r in rows_of("clusters.csv")
    }


def test_undated_rows_give_recognitions_with_no_year_and_no_batch() -> None:
    """A clusters.csv row with an empty recognition_year gives a Recognition with no year and no batchId."""
    clusters = rows_of("clusters.csv")
    undated = {(r["id"], r["level"]) for r in clusters if not r["recognition_year"].strip()}
    dated = {
        (r["id"], r["level"]): int(r["recognition_year"]) for r in clusters if r["recognition_year"].strip()
    }
    assert undated, "the real dataset has undated recognitions"

    plan = read_dataset(DATA_DIR)
    by_key = {(r["clusterId"], r["level"].lower()): r for r in plan.recognitions}

    for key in undated:
        assert by_key[key]["year"] is None
        assert by_key[key]["batchId"] is None
    for (cluster_id, level), year in dated.items():
        assert by_key[(cluster_id, level)]["year"] == year
        assert by_key[(cluster_id, level)]["batchId"] == f"{level}-{year}"


def test_windows_line_endings_and_byte_order_mark_are_accepted(data: Path) -> None:
    """A file saved with CRLF line endings and a UTF-8 BOM reads exactly like the original."""
    expected = read_dataset(DATA_DIR)
    path = data / "clusters.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8-sig", newline="")
    assert read_dataset(data) == expected


def test_multiline_quoted_field_in_an_earlier_row_keeps_later_line_numbers_right(data: Path) -> None:
    """After a row whose quoted notes span two lines, a bad row is reported at its own physical line."""
    table = load_table(data, "clusters.csv")
    header = table[0]
    table[2][header.index("notes")] = "first line\nsecond line"
    table[4][header.index("level")] = "regional"
    save_table(data, "clusters.csv", table)
    # table[2] takes lines 3-4, so table[4] is on line 6.
    errors = refused(data)
    assert_error(errors, "clusters.csv", 6, "level")


def test_bad_row_spanning_two_lines_is_reported_at_the_line_where_it_starts(data: Path) -> None:
    """A bad row whose quoted notes span two lines is reported at the line where the row begins."""
    table = load_table(data, "clusters.csv")
    header = table[0]
    table[3][header.index("notes")] = "first line\nsecond line"
    table[3][header.index("level")] = "regional"
    save_table(data, "clusters.csv", table)
    errors = refused(data)
    assert_error(errors, "clusters.csv", line_of(3), "level")


@pytest.mark.parametrize("separator", ["\u2028", "\x0c", "\x85"], ids=["line-separator", "form-feed", "nel"])
def test_unicode_line_separator_inside_a_field_is_kept_as_text(data: Path, separator: str) -> None:
    """A notes value containing U+2028, a form feed or NEL is ordinary text: the row is read, value kept."""
    table = load_table(data, "clusters.csv")
    header = table[0]
    index = find_row(table, id="pidu-electromagnetic-space-security", level="national")
    notes = f"before{separator}after"
    table[index][header.index("notes")] = notes
    save_table(data, "clusters.csv", table)

    plan = read_dataset(data)

    recognition = next(
        r for r in plan.recognitions if r["id"] == "pidu-electromagnetic-space-security/national"
    )
    assert recognition["notes"] == notes


# --- missing and malformed values ---------------------------------------------------------------------------


def test_empty_required_name_en_in_clusters_is_refused(data: Path) -> None:
    """An empty name_en in clusters.csv is reported at its line and field."""
    cluster_id = cluster_without_enterprises_on_one_row()
    index = find_row(load_table(data, "clusters.csv"), id=cluster_id)
    line = edit_row(data, "clusters.csv", index, name_en="  ")
    errors = refused(data)
    error = assert_error(errors, "clusters.csv", line, "name_en")
    assert error.value.strip() == ""
    assert {(e.file, e.line) for e in errors} == {("clusters.csv", line)}


def test_empty_required_name_zh_in_enterprises_is_refused(data: Path) -> None:
    """An empty name_zh in enterprises.csv is reported at its line and field."""
    line = edit_row(data, "enterprises.csv", 5, name_zh="")
    errors = refused(data)
    assert_error(errors, "enterprises.csv", line, "name_zh")


def test_empty_required_source_url_in_enterprises_is_refused(data: Path) -> None:
    """enterprises.csv needs at least one source URL per row."""
    line = edit_row(data, "enterprises.csv", 3, source_url="")
    errors = refused(data)
    assert_error(errors, "enterprises.csv", line, "source_url")


def test_bad_level_value_in_clusters_is_refused(data: Path) -> None:
    """A level other than provincial/national in clusters.csv is reported."""
    cluster_id = cluster_without_enterprises_on_one_row()
    index = find_row(load_table(data, "clusters.csv"), id=cluster_id)
    line = edit_row(data, "clusters.csv", index, level="regional")
    errors = refused(data)
    error = assert_error(errors, "clusters.csv", line, "level")
    assert error.value == "regional"


def test_bad_level_value_in_batches_is_refused(data: Path) -> None:
    """A level other than provincial/national in batches.csv is reported."""
    line = edit_row(data, "batches.csv", 1, level="Provincial")
    errors = refused(data)
    assert_error(errors, "batches.csv", line, "level")


@pytest.mark.parametrize("year", ["1999", "2101", "twenty", "2024.5"])
def test_recognition_year_out_of_range_or_not_a_number_is_refused(data: Path, year: str) -> None:
    """recognition_year must be an integer between 2000 and 2100."""
    cluster_id = cluster_without_enterprises_on_one_row()
    index = find_row(load_table(data, "clusters.csv"), id=cluster_id)
    line = edit_row(data, "clusters.csv", index, recognition_year=year)
    errors = refused(data)
    error = assert_error(errors, "clusters.csv", line, "recognition_year")
    assert error.value == year


def test_batch_year_not_a_number_is_refused(data: Path) -> None:
    """batches.csv's year must be a number."""
    line = edit_row(data, "batches.csv", 2, year="MMXXIV")
    errors = refused(data)
    assert_error(errors, "batches.csv", line, "year")


@pytest.mark.parametrize(
    "urls",
    ["ftp://example.com/list.html", "www.example.com/list", "http://ok.example.com ; see the notice"],
    ids=["ftp", "no-scheme", "second-of-two"],
)
def test_non_http_source_url_is_refused(data: Path, urls: str) -> None:
    """Every ' ; '-separated source URL must be http(s)."""
    cluster_id = cluster_without_enterprises_on_one_row()
    index = find_row(load_table(data, "clusters.csv"), id=cluster_id)
    line = edit_row(data, "clusters.csv", index, source_url=urls)
    errors = refused(data)
    error = assert_error(errors, "clusters.csv", line, "source_url", "url")
    assert error.value == urls


def test_bad_boolean_industry_inferred_is_refused(data: Path) -> None:
    """industry_inferred must be true or false."""
    cluster_id = cluster_without_enterprises_on_one_row()
    index = find_row(load_table(data, "clusters.csv"), id=cluster_id)
    line = edit_row(data, "clusters.csv", index, industry_inferred="yes")
    errors = refused(data)
    assert_error(errors, "clusters.csv", line, "industry_inferred", "true", "false")


def test_batch_id_not_matching_level_and_year_is_refused(data: Path) -> None:
    """A batch id must be '<level>-<year>' of its own row."""
    table = load_table(data, "batches.csv")
    index = find_row(table, id="national-2025")
    line = edit_row(data, "batches.csv", index, id="national-2026")
    errors = refused(data)
    assert_error(errors, "batches.csv", line, "id", "national-2025")


# --- references between files -------------------------------------------------------------------------------


def test_unknown_city_is_refused(data: Path) -> None:
    """A city_zh not in cities.csv is reported with a reason naming cities.csv."""
    cluster_id = cluster_without_enterprises_on_one_row()
    index = find_row(load_table(data, "clusters.csv"), id=cluster_id)
    line = edit_row(data, "clusters.csv", index, city_zh="不存在市")
    errors = refused(data)
    error = assert_error(errors, "clusters.csv", line, "city_zh", "cities.csv")
    assert error.value == "不存在市"


def test_city_en_not_matching_cities_csv_is_refused(data: Path) -> None:
    """A city_en other than cities.csv's English name for that city_zh is reported."""
    cities = {r["name_zh"]: r["name_en"] for r in rows_of("cities.csv")}
    cluster_id = cluster_without_enterprises_on_one_row()
    table = load_table(data, "clusters.csv")
    index = find_row(table, id=cluster_id)
    city_zh = table[index][table[0].index("city_zh")]
    line = edit_row(data, "clusters.csv", index, city_en=cities[city_zh] + "ville")
    errors = refused(data)
    error = assert_error(errors, "clusters.csv", line, "city_en", cities[city_zh])
    assert error.value == cities[city_zh] + "ville"


def test_unknown_industry_is_refused(data: Path) -> None:
    """An industry_zh not in industries.csv is reported with a reason naming industries.csv."""
    cluster_id = cluster_without_enterprises_on_one_row()
    index = find_row(load_table(data, "clusters.csv"), id=cluster_id)
    line = edit_row(data, "clusters.csv", index, industry_zh="航天航空")
    errors = refused(data)
    assert_error(errors, "clusters.csv", line, "industry_zh", "industries.csv")


def test_industry_en_not_matching_industries_csv_is_refused(data: Path) -> None:
    """An industry_en other than industries.csv's English name for that industry_zh is reported."""
    cluster_id = cluster_without_enterprises_on_one_row()
    index = find_row(load_table(data, "clusters.csv"), id=cluster_id)
    line = edit_row(data, "clusters.csv", index, industry_en="Something else")
    errors = refused(data)
    assert_error(errors, "clusters.csv", line, "industry_en")


def test_enterprise_of_an_unknown_cluster_is_refused(data: Path) -> None:
    """An enterprises.csv cluster_id that clusters.csv does not have is reported."""
    line = edit_row(data, "enterprises.csv", 4, cluster_id="no-such-cluster")
    errors = refused(data)
    error = assert_error(errors, "enterprises.csv", line, "cluster_id", "cluster")
    assert error.value == "no-such-cluster"
    assert {(e.file, e.line) for e in errors} == {("enterprises.csv", line)}


def test_recognition_year_without_a_batch_is_refused(data: Path) -> None:
    """A recognition_year with no '<level>-<year>' batch in batches.csv is reported, naming that batch."""
    batch_ids = {r["id"] for r in rows_of("batches.csv")}
    assert "provincial-2022" not in batch_ids
    cluster_id = cluster_without_enterprises_on_one_row()
    table = load_table(data, "clusters.csv")
    index = find_row(table, id=cluster_id)
    line = edit_row(data, "clusters.csv", index, level="provincial", recognition_year="2022")
    errors = refused(data)
    assert_error(errors, "clusters.csv", line, "recognition_year", "provincial-2022")


# --- consistency between rows -------------------------------------------------------------------------------


def test_duplicate_cluster_row_for_the_same_level_is_refused(data: Path) -> None:
    """A second clusters.csv row with the same (id, level) is reported at the second row's line."""
    table = load_table(data, "clusters.csv")
    table.append(list(table[1]))
    save_table(data, "clusters.csv", table)
    errors = refused(data)
    cluster_id = table[1][0]
    assert_error(errors, "clusters.csv", line_of(len(table) - 1), "level", cluster_id)
    assert all(e.line != line_of(1) for e in errors), "the first row is fine"


def test_conflicting_county_for_the_same_cluster_is_refused(data: Path) -> None:
    """Two rows of one cluster naming different counties: the later row is reported on county_zh."""
    clusters = rows_of("clusters.csv")
    ids = [r["id"] for r in clusters]
    cluster_id = next(i for i in ids if ids.count(i) == 2)
    table = load_table(data, "clusters.csv")
    first = find_row(table, id=cluster_id)
    second = next(i for i in range(first + 1, len(table)) if table[i][0] == cluster_id)
    header = table[0]
    city_zh = table[second][header.index("city_zh")]
    county_zh = table[second][header.index("county_zh")]
    # Another county of the same city, spelt as the dataset spells it elsewhere (the county itself is valid).
    other = next(r for r in clusters if r["city_zh"] == city_zh and r["county_zh"] != county_zh)
    line = edit_row(data, "clusters.csv", second, county_zh=other["county_zh"], county_en=other["county_en"])
    errors = refused(data)
    error = assert_error(errors, "clusters.csv", line, "county_zh", cluster_id)
    assert error.value == other["county_zh"]


def test_one_county_id_for_two_different_counties_is_refused(data: Path) -> None:
    """Two counties whose English names give the same id, with different Chinese names, are refused."""
    table = load_table(data, "clusters.csv")
    header = table[0]
    county_en = table[1][header.index("county_en")]
    county_zh = table[1][header.index("county_zh")]
    index = next(i for i in range(2, len(table)) if table[i][header.index("county_zh")] != county_zh)
    line = edit_row(data, "clusters.csv", index, county_en=county_en)
    errors = refused(data)
    assert_error(errors, "clusters.csv", line, "county_en", slugify(county_en))


def test_one_county_spelt_two_ways_in_english_is_refused(data: Path) -> None:
    """One county_zh of one city spelt two ways in county_en is refused (else it becomes two County nodes)."""
    clusters = rows_of("clusters.csv")
    seen: dict[tuple[str, str], list[int]] = {}
    for position, r in enumerate(clusters, start=1):
        seen.setdefault((r["city_zh"], r["county_zh"]), []).append(position)
    (city_zh, county_zh), positions = next((k, v) for k, v in seen.items() if len(v) >= 2)
    table = load_table(data, "clusters.csv")
    header = table[0]
    later = positions[-1]
    original = table[later][header.index("county_en")]
    line = edit_row(data, "clusters.csv", later, county_en=original + " Area")
    errors = refused(data)
    matches = [
        e for e in errors if e.file == "clusters.csv" and e.line == line and e.field.startswith("county")
    ]
    assert matches, f"no county error at clusters.csv:{line} for {city_zh} {county_zh}; got {errors}"


def test_duplicate_membership_is_refused(data: Path) -> None:
    """The same enterprise listed twice in one cluster is reported at the second row."""
    table = load_table(data, "enterprises.csv")
    table.append(list(table[1]))
    save_table(data, "enterprises.csv", table)
    errors = refused(data)
    assert_error(errors, "enterprises.csv", line_of(len(table) - 1), "cluster_id")


def test_two_enterprises_with_the_same_slug_are_refused(data: Path) -> None:
    """Two different Chinese names whose English names give one id are reported on name_en."""
    table = load_table(data, "enterprises.csv")
    header = table[0]
    new_row = list(table[1])
    new_row[header.index("name_zh")] = "另一家公司"
    new_row[header.index("name_en")] = table[1][header.index("name_en")].upper()
    table.append(new_row)
    save_table(data, "enterprises.csv", table)
    errors = refused(data)
    assert_error(errors, "enterprises.csv", line_of(len(table) - 1), "name_en", slugify(new_row[1]))


def test_duplicate_city_is_refused(data: Path) -> None:
    """A city listed twice in cities.csv is reported at the second line."""
    table = load_table(data, "cities.csv")
    table.append(list(table[3]))
    save_table(data, "cities.csv", table)
    errors = refused(data)
    assert_error(errors, "cities.csv", line_of(len(table) - 1), "admin_code")


# --- file structure -----------------------------------------------------------------------------------------


def test_misspelt_header_column_is_refused(data: Path) -> None:
    """A renamed header column is reported at line 1 as both missing and unknown."""
    table = load_table(data, "clusters.csv")
    table[0][table[0].index("city_en")] = "city_name_en"
    save_table(data, "clusters.csv", table)
    errors = refused(data)
    error = assert_error(errors, "clusters.csv", 1, "(header)", "city_en", "city_name_en")
    assert "city_name_en" in error.value


def test_missing_header_column_is_refused(data: Path) -> None:
    """A file without one of its columns is reported at line 1, naming that column."""
    table = load_table(data, "enterprises.csv")
    column = table[0].index("role_en")
    save_table(data, "enterprises.csv", [row[:column] + row[column + 1 :] for row in table])
    errors = refused(data)
    assert_error(errors, "enterprises.csv", 1, "(header)", "role_en", "missing")


def test_extra_header_column_is_refused(data: Path) -> None:
    """A file with a column the model does not know is reported at line 1, naming that column."""
    table = load_table(data, "industries.csv")
    save_table(data, "industries.csv", [[*table[0], "remarks"], *[[*row, ""] for row in table[1:]]])
    errors = refused(data)
    assert_error(errors, "industries.csv", 1, "(header)", "remarks", "unknown")


def test_repeated_header_column_is_refused(data: Path) -> None:
    """A header naming one column twice is refused (else the first copy's values are silently dropped)."""
    table = load_table(data, "industries.csv")
    column = table[0].index("name_en")
    save_table(data, "industries.csv", [[*row, row[column]] for row in table])
    errors = refused(data)
    assert_error(errors, "industries.csv", 1, "(header)", "name_en")


def test_row_with_too_many_fields_is_refused(data: Path) -> None:
    """A data row with an extra field is reported at its line as a '(row)' problem."""
    table = load_table(data, "enterprises.csv")
    table[6] = [*table[6], "surplus"]
    save_table(data, "enterprises.csv", table)
    errors = refused(data)
    assert_error(errors, "enterprises.csv", line_of(6), "(row)", str(len(table[0])))


def test_row_with_too_few_fields_is_refused(data: Path) -> None:
    """A data row missing its last fields is reported at its line as a '(row)' problem."""
    table = load_table(data, "cities.csv")
    table[2] = table[2][:-2]
    save_table(data, "cities.csv", table)
    errors = refused(data)
    assert_error(errors, "cities.csv", line_of(2), "(row)", str(len(table[0])))


@pytest.mark.parametrize("name", FILES)
def test_missing_file_is_refused(data: Path, name: str) -> None:
    """Each of the six files is required: without it the dataset is refused, naming the file."""
    (data / name).unlink()
    errors = refused(data)
    error = assert_error(errors, name, 0, "(file)", "not found")
    assert name in error.value


def test_file_that_is_not_utf8_is_refused(data: Path) -> None:
    """A file in another encoding (GB 18030) is refused with a reason saying it is not UTF-8."""
    path = data / "industries.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    errors = refused(data)
    assert_error(errors, "industries.csv", 0, "(file)", "utf-8")


def test_several_errors_in_several_files_are_all_reported(data: Path) -> None:
    """Problems in different files and rows are all reported together, sorted by file and line."""
    clusters = rows_of("clusters.csv")
    used_batches = {f"{r['level']}-{r['recognition_year']}" for r in clusters}
    used_cities = {r["city_zh"] for r in clusters}
    # Break a batch and a city that no cluster refers to, so that no knock-on error follows.
    batch_index = find_row(
        load_table(data, "batches.csv"),
        id=next(b["id"] for b in rows_of("batches.csv") if b["id"] not in used_batches),
    )
    city_index = find_row(
        load_table(data, "cities.csv"),
        name_zh=next(c["name_zh"] for c in rows_of("cities.csv") if c["name_zh"] not in used_cities),
    )
    expected: set[tuple[str, int, str]] = set()
    expected.add(("batches.csv", edit_row(data, "batches.csv", batch_index, ordinal="0"), "ordinal"))
    expected.add(("cities.csv", edit_row(data, "cities.csv", city_index, seat_lat="91"), "seat_lat"))
    cluster_id = cluster_without_enterprises_on_one_row()
    index = find_row(load_table(data, "clusters.csv"), id=cluster_id)
    expected.add(
        ("clusters.csv", edit_row(data, "clusters.csv", index, output_value_cny="-5"), "output_value_cny")
    )
    expected.add(
        ("enterprises.csv", edit_row(data, "enterprises.csv", 2, cluster_id="nowhere"), "cluster_id")
    )
    expected.add(("enterprises.csv", edit_row(data, "enterprises.csv", 7, name_en=""), "name_en"))

    with pytest.raises(DatasetError) as info:
        read_dataset(data)

    errors = info.value.errors
    assert {(e.file, e.line, e.field) for e in errors} == expected
    assert errors == sorted(errors)
    message_lines = str(info.value).splitlines()[1:]
    assert [line.strip() for line in message_lines] == [str(e) for e in errors]


# --- slugify and RowError -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Pidu District", "pidu-district"),
        ("Chongzhou (county-level city)", "chongzhou"),
        (
            "Sichuan Hangxie Automobile Air Conditioning Co., Ltd.",
            "sichuan-hangxie-automobile-air-conditioning-co-ltd",
        ),
        ("Guang'an", "guang-an"),
        ("CETC No. 29 Research Institute", "cetc-no-29-research-institute"),
        ("  Chuanqing Downhole (short name as given)  ", "chuanqing-downhole"),
        ("Electronic information", "electronic-information"),
        ("四川", ""),
    ],
)
def test_slugify_lowercases_drops_remarks_and_joins_words_with_hyphens(name: str, slug: str) -> None:
    """slugify gives lower-case words joined by single hyphens, without parenthetical remarks."""
    assert slugify(name) == slug


def test_row_error_str_is_file_line_field_value_reason() -> None:
    """str(RowError) is "file:line: field 'x' = 'v': reason"."""
    error = RowError("clusters.csv", 7, "level", "regional", "must be provincial or national")
    assert str(error) == "clusters.csv:7: field 'level' = 'regional': must be provincial or national"


def test_row_error_str_shortens_long_values() -> None:
    """A value longer than 80 characters is shown as its first 77 characters and '...'."""
    error = RowError("enterprises.csv", 3, "notes", "x" * 100, "too long")
    assert str(error) == "enterprises.csv:3: field 'notes' = '" + "x" * 77 + "...': too long"


def test_dataset_error_lists_each_problem_on_its_own_line_in_order() -> None:
    """DatasetError sorts its errors and puts each on its own line of the message."""
    late = RowError("enterprises.csv", 2, "name_en", "", "empty")
    early = RowError("clusters.csv", 9, "level", "x", "bad")
    error = DatasetError([late, early])
    assert error.errors == [early, late]
    lines = str(error).splitlines()
    assert lines[1].strip() == str(early)
    assert lines[2].strip() == str(late)


# --- batch_figures.csv ----------------------------------------------------------------------------------------


def test_batch_figures_become_figure_rows_with_their_bounds() -> None:
    """Each row of batch_figures.csv is a figure of its batch, keyed `<batch>/<figure>`, bound and sources kept."""
    plan = read_dataset(DATA_DIR)
    rows = rows_of("batch_figures.csv")
    assert len(plan.figures) == len(rows)
    by_id = {f["id"]: f for f in plan.figures}
    for row in rows:
        f = by_id[f"{row['batch_id']}/{row['figure'].replace('_', '-')}"]
        assert (f["batchId"], f["value"], f["bound"]) == (
            row["batch_id"],
            int(row["value"]),
            row["bound"].upper(),
        )
        assert f["sources"] == [u.strip() for u in row["source_url"].split(" ; ")]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("bound", "over", "exact"),
        ("figure", "towns", "clusters"),
        ("value", "-1", "greater than or equal"),
        ("source_url", "", "at least 1"),
        ("batch_id", "provincial-2099", "no such batch"),
    ],
)
def test_a_bad_batch_figure_is_reported_at_its_line(data: Path, column: str, value: str, reason: str) -> None:
    """A figure with a bound, kind, value, source or batch that the dataset does not allow is refused at its line."""
    line = edit_row(data, "batch_figures.csv", 1, **{column: value})
    assert_error(refused(data), "batch_figures.csv", line, column, reason)


def test_a_figure_contradicting_the_official_count_is_refused(data: Path) -> None:
    """An exact CLUSTERS figure other than the batch's official_count is refused, naming the official count."""
    index = find_row(load_table(data, "batch_figures.csv"), batch_id="provincial-2024", figure="clusters")
    line = edit_row(data, "batch_figures.csv", index, value="35")
    assert_error(refused(data), "batch_figures.csv", line, "value", "official_count 36")


def test_a_figure_stated_twice_is_refused(data: Path) -> None:
    """A batch states each figure once: a second row of the same batch and figure is refused."""
    table = load_table(data, "batch_figures.csv")
    table.append(list(table[1]))
    save_table(data, "batch_figures.csv", table)
    assert_error(refused(data), "batch_figures.csv", line_of(len(table) - 1), "figure", "already states")
