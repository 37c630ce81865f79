"""Reading and validating the dataset files (pure: no database here).

Every row of every file is validated before anything is written. Each problem is reported with its file, line,
field, value and reason, and a dataset with any problem is refused whole. A valid dataset becomes a `GraphPlan`:
lists of plain maps, one list per node label and relationship type, ready for `UNWIND`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

FILES = (
    "provinces.csv",
    "cities.csv",
    "industries.csv",
    "batches.csv",
    "batch_figures.csv",
    "clusters.csv",
    "enterprises.csv",
)
MIN_YEAR, MAX_YEAR = 2000, 2100
ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
UNVERIFIED_MARK = "（名称待核）"  # noqa: RUF001 -- the dataset's own full-width marker
AS_WORDED_MARK = "（名称按来源表述）"  # noqa: RUF001 -- the dataset's own full-width marker


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in one row: where it is, which field, what value, and why it is refused."""

    file: str
    line: int
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return f"{self.file}:{self.line}: field '{self.field}' = {shown!r}: {self.reason}"


class DatasetError(Exception):
    """The dataset was refused; `errors` lists every bad row."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors)
        lines = "\n".join(f"  {e}" for e in self.errors)
        super().__init__(f"{len(self.errors)} problem(s) in the dataset; nothing was written:\n{lines}")


def slugify(text: str) -> str:
    """A stable id from an English name: parenthetical remarks dropped, lower case, words joined by hyphens."""
    without_remarks = re.sub(r"\([^)]*\)", " ", text)
    return re.sub(r"[^a-z0-9]+", "-", without_remarks.lower()).strip("-")


# --- field types ---------------------------------------------------------------------------------------------


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _blank_to_none(value: Any) -> Any:
    value = _strip(value)
    return None if value == "" else value


def _parse_sources(value: Any) -> list[str]:
    urls = [part.strip() for part in str(value or "").split(" ; ") if part.strip()]
    for url in urls:
        if not re.match(r"^https?://\S+$", url):
            raise ValueError(f"not an http(s) URL: {url!r} (separate several URLs with ' ; ')")
    return urls


def _parse_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ValueError("must be 'true' or 'false'")
    return text == "true"


Text = Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=2000)]
OptionalText = Annotated[Annotated[str, Field(max_length=5000)] | None, BeforeValidator(_blank_to_none)]
Sources = Annotated[list[str], BeforeValidator(_parse_sources)]
RequiredSources = Annotated[list[str], BeforeValidator(_parse_sources), Field(min_length=1)]
Slug = Annotated[str, BeforeValidator(_strip), Field(pattern=ID_PATTERN, max_length=120)]
Year = Annotated[Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)] | None, BeforeValidator(_blank_to_none)]
Count = Annotated[Annotated[int, Field(ge=0)] | None, BeforeValidator(_blank_to_none)]
Date = Annotated[
    Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None, BeforeValidator(_blank_to_none)
]
Flag = Annotated[bool, BeforeValidator(_parse_bool)]
Level = Literal["provincial", "national"]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProvinceRow(_Row):
    admin_code: Annotated[str, BeforeValidator(_strip), Field(pattern=r"^\d{6}$")]
    name_zh: Text
    name_en: Text
    source_url: RequiredSources


class CityRow(_Row):
    admin_code: Annotated[str, BeforeValidator(_strip), Field(pattern=r"^\d{6}$")]
    name_zh: Text
    name_en: Text
    type_zh: Text
    type_en: Text
    seat_lat: Annotated[float, Field(ge=-90, le=90)]
    seat_lon: Annotated[float, Field(ge=-180, le=180)]
    source_url: RequiredSources


class IndustryRow(_Row):
    id: Slug
    name_zh: Text
    name_en: Text
    source_url: RequiredSources


class BatchRow(_Row):
    id: Slug
    level: Level
    year: Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
    ordinal: Annotated[int, Field(ge=1)]
    name_zh: Text
    name_en: Text
    authority_zh: Text
    authority_en: Text
    official_count: Count
    official_count_sichuan: Count
    published: Date
    notice: OptionalText
    notes: OptionalText
    source_url: RequiredSources

    @field_validator("id")
    @classmethod
    def _id_names_level_and_year(cls, value: str) -> str:
        if not re.match(r"^(provincial|national)-\d{4}$", value):
            raise ValueError("must be '<level>-<year>', e.g. 'provincial-2024'")
        return value


FigureKind = Literal[
    "clusters", "sichuan_clusters", "cities", "industries", "output_value_cny", "enterprises", "quality_smes"
]
FigureBound = Literal["exact", "at_least", "at_most"]


class BatchFigureRow(_Row):
    """A figure a source states about a batch: `bound` is `at_least` where the source says "over", `at_most`
    where only a cap is known."""

    batch_id: Slug
    figure: FigureKind
    value: Annotated[int, Field(ge=0)]
    unit: Text
    bound: FigureBound
    notes: OptionalText
    source_url: RequiredSources


class ClusterRow(_Row):
    id: Slug
    name_zh: Text
    name_en: Text
    province: Text
    city_zh: Text
    city_en: Text
    county_zh: Text
    county_en: Text
    level: Level
    recognition_year: Year
    industry_zh: Text
    industry_en: Text
    industry_inferred: Flag
    leading_sector_zh: OptionalText
    leading_sector_en: OptionalText
    output_value_cny: Count
    enterprise_count: Count
    notes: OptionalText
    source_url: Sources


class EnterpriseRow(_Row):
    name_zh: Text
    name_en: Text
    cluster_id: Slug
    role_zh: OptionalText
    role_en: OptionalText
    source_url: RequiredSources


ROW_MODELS: dict[str, type[_Row]] = {
    "provinces.csv": ProvinceRow,
    "cities.csv": CityRow,
    "industries.csv": IndustryRow,
    "batches.csv": BatchRow,
    "batch_figures.csv": BatchFigureRow,
    "clusters.csv": ClusterRow,
    "enterprises.csv": EnterpriseRow,
}


# --- reading -------------------------------------------------------------------------------------------------


@dataclass
class _Reader:
    directory: Path
    errors: list[RowError] = field(default_factory=list)
    #: The `id` of every row of each file, valid or not (a row refused is not reported again where it is named).
    ids: dict[str, set[str]] = field(default_factory=dict)

    def error(self, file: str, line: int, field_name: str, value: object, reason: str) -> None:
        self.errors.append(RowError(file, line, field_name, "" if value is None else str(value), reason))

    def rows(self, name: str) -> Iterator[tuple[int, Any]]:
        """Yield (line, validated row) for each valid row; record an error for each bad one."""
        path = self.directory / name
        model = ROW_MODELS[name]
        if not path.exists():
            self.error(name, 0, "(file)", str(path), "file not found")
            return
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            self.error(name, 0, "(file)", str(path), f"not UTF-8 text: {exc}")
            return
        reader = csv.DictReader(io.StringIO(text, newline=""))
        expected = list(model.model_fields)
        header = reader.fieldnames or []
        missing = [c for c in expected if c not in header]
        unknown = [c for c in header if c not in expected]
        repeated = sorted({c for c in header if header.count(c) > 1})
        problems = [
            f"missing column(s) {missing}" if missing else "",
            f"unknown column(s) {unknown}" if unknown else "",
            f"repeated column(s) {repeated}" if repeated else "",
        ]
        if any(problems):
            self.error(name, 1, "(header)", ",".join(header), "; ".join(p for p in problems if p))
            return
        while True:
            line = reader.line_num + 1  # where the row starts (a quoted field may span lines)
            try:
                raw = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                self.error(name, line, "(row)", "", f"not valid CSV: {exc}")
                return
            surplus: list[str] = list(
                raw.pop(None, None) or []
            )  # csv files surplus values under the key None
            self.ids.setdefault(name, set()).add(str(raw.get("id") or "").strip())
            present = [v for v in raw.values() if v is not None]
            if surplus or len(present) < len(expected):
                self.error(
                    name,
                    line,
                    "(row)",
                    ",".join([*present, *surplus]),
                    f"expected {len(expected)} fields, found {len(present) + len(surplus)}",
                )
                continue
            try:
                yield line, model.model_validate(raw)
            except ValidationError as exc:
                for problem in exc.errors():
                    column = str(problem["loc"][0]) if problem["loc"] else "(row)"
                    self.error(name, line, column, raw.get(column, ""), problem["msg"])


# --- the plan ------------------------------------------------------------------------------------------------


@dataclass
class GraphPlan:
    """What the dataset puts in the graph: one list of parameter maps per node label and relationship type."""

    provinces: list[dict[str, Any]] = field(default_factory=list)
    cities: list[dict[str, Any]] = field(default_factory=list)
    counties: list[dict[str, Any]] = field(default_factory=list)
    industries: list[dict[str, Any]] = field(default_factory=list)
    years: list[dict[str, Any]] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    recognitions: list[dict[str, Any]] = field(default_factory=list)
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)

    def node_count(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.provinces,
                self.cities,
                self.counties,
                self.industries,
                self.years,
                self.batches,
                self.figures,
                self.clusters,
                self.recognitions,
                self.enterprises,
            )
        )


def _name_status(name_zh: str) -> str:
    if UNVERIFIED_MARK in name_zh:
        return "UNVERIFIED"
    if AS_WORDED_MARK in name_zh:
        return "AS_WORDED_IN_SOURCE"
    return "AS_LISTED"


def read_dataset(directory: Path) -> GraphPlan:
    """Validate every file in `directory` and build the plan; raise `DatasetError` listing every bad row."""
    r = _Reader(directory)
    plan = GraphPlan()

    province_by_zh: dict[str, str] = {}
    for _line, p in r.rows("provinces.csv"):
        province_by_zh[p.name_zh] = p.admin_code
        plan.provinces.append(
            {
                "id": p.admin_code,
                "adminCode": p.admin_code,
                "name": p.name_en,
                "nameZh": p.name_zh,
                "sources": p.source_url,
            }
        )
    province_id = next(iter(province_by_zh.values()), None)

    city_by_zh: dict[str, CityRow] = {}
    for line, c in r.rows("cities.csv"):
        if c.name_zh in city_by_zh or any(x.admin_code == c.admin_code for x in city_by_zh.values()):
            r.error("cities.csv", line, "admin_code", c.admin_code, "duplicate city")
            continue
        city_by_zh[c.name_zh] = c
        plan.cities.append(
            {
                "id": c.admin_code,
                "adminCode": c.admin_code,
                "name": c.name_en,
                "nameZh": c.name_zh,
                "kind": c.type_en,
                "kindZh": c.type_zh,
                "latitude": c.seat_lat,
                "longitude": c.seat_lon,
                "sources": c.source_url,
                "provinceId": province_id,
            }
        )

    industry_by_zh: dict[str, IndustryRow] = {}
    for line, i in r.rows("industries.csv"):
        if i.name_zh in industry_by_zh or any(x.id == i.id for x in industry_by_zh.values()):
            r.error("industries.csv", line, "id", i.id, "duplicate industry")
            continue
        industry_by_zh[i.name_zh] = i
        plan.industries.append({"id": i.id, "name": i.name_en, "nameZh": i.name_zh, "sources": i.source_url})

    batch_ids: set[str] = set()
    batch_rows: dict[str, BatchRow] = {}
    years: set[int] = set()
    for line, b in r.rows("batches.csv"):
        if b.id != f"{b.level}-{b.year}":
            r.error(
                "batches.csv", line, "id", b.id, f"must be '{b.level}-{b.year}' (level and year of the row)"
            )
            continue
        if b.id in batch_ids:
            r.error("batches.csv", line, "id", b.id, "duplicate batch")
            continue
        batch_ids.add(b.id)
        batch_rows[b.id] = b
        years.add(b.year)
        plan.batches.append(
            {
                "id": b.id,
                "level": b.level.upper(),
                "year": b.year,
                "ordinal": b.ordinal,
                "name": b.name_en,
                "nameZh": b.name_zh,
                "authority": b.authority_en,
                "authorityZh": b.authority_zh,
                "officialCount": b.official_count,
                "officialCountSichuan": b.official_count_sichuan,
                "published": b.published,
                "notice": b.notice,
                "notes": b.notes,
                "sources": b.source_url,
            }
        )

    figure_ids: set[str] = set()
    for line, f in r.rows("batch_figures.csv"):
        batch = batch_rows.get(f.batch_id)
        if batch is None:
            if f.batch_id not in r.ids.get("batches.csv", set()):  # a refused batch row is reported already
                r.error("batch_figures.csv", line, "batch_id", f.batch_id, "no such batch in batches.csv")
            continue
        figure_id = f"{f.batch_id}/{f.figure.replace('_', '-')}"
        if figure_id in figure_ids:
            r.error("batch_figures.csv", line, "figure", f.figure, f"batch '{f.batch_id}' already states it")
            continue
        official = {"clusters": batch.official_count, "sichuan_clusters": batch.official_count_sichuan}
        if f.figure in official and official[f.figure] is not None:
            column = "official_count" if f.figure == "clusters" else "official_count_sichuan"
            official_value = official[f.figure]
            if (
                (f.bound == "exact" and f.value != official_value)
                or (f.bound == "at_most" and f.value < official_value)
                or (f.bound == "at_least" and f.value > official_value)
            ):
                r.error(
                    "batch_figures.csv",
                    line,
                    "value",
                    f.value,
                    f"batches.csv gives {column} {official_value} for '{f.batch_id}', which this {f.bound} figure "
                    "contradicts",
                )
                continue
        if f.figure == "sichuan_clusters" and batch.level != "national":
            r.error(
                "batch_figures.csv", line, "figure", f.figure, "only a national batch has a Sichuan count"
            )
            continue
        figure_ids.add(figure_id)
        plan.figures.append(
            {
                "id": figure_id,
                "batchId": f.batch_id,
                "figure": f.figure.upper(),
                "value": f.value,
                "unit": f.unit,
                "bound": f.bound.upper(),
                "notes": f.notes,
                "sources": f.source_url,
            }
        )

    clusters: dict[str, dict[str, Any]] = {}
    counties: dict[str, dict[str, Any]] = {}
    county_by_zh: dict[tuple[str, str], str] = {}
    recognitions: set[tuple[str, str]] = set()
    for line, c in r.rows("clusters.csv"):
        ok = True
        if c.province not in province_by_zh:
            r.error("clusters.csv", line, "province", c.province, "not in provinces.csv")
            ok = False
        city = city_by_zh.get(c.city_zh)
        if city is None:
            r.error("clusters.csv", line, "city_zh", c.city_zh, "not in cities.csv")
            ok = False
        elif city.name_en != c.city_en:
            r.error(
                "clusters.csv", line, "city_en", c.city_en, f"cities.csv names {c.city_zh} {city.name_en!r}"
            )
            ok = False
        industry = industry_by_zh.get(c.industry_zh)
        if industry is None:
            r.error("clusters.csv", line, "industry_zh", c.industry_zh, "not in industries.csv")
            ok = False
        elif industry.name_en != c.industry_en:
            r.error(
                "clusters.csv",
                line,
                "industry_en",
                c.industry_en,
                f"industries.csv names {c.industry_zh} {industry.name_en!r}",
            )
            ok = False
        batch_id = f"{c.level}-{c.recognition_year}" if c.recognition_year is not None else None
        if batch_id is not None and batch_id not in batch_ids:
            r.error(
                "clusters.csv",
                line,
                "recognition_year",
                c.recognition_year,
                f"no batch '{batch_id}' in batches.csv",
            )
            ok = False
        if (c.id, c.level) in recognitions:
            r.error("clusters.csv", line, "level", c.level, f"cluster '{c.id}' already has a {c.level} row")
            ok = False
        county_id = slugify(c.county_en)
        spelt = county_by_zh.get((c.city_zh, c.county_zh))
        if spelt is not None and spelt != county_id:
            r.error(
                "clusters.csv",
                line,
                "county_en",
                c.county_en,
                f"{c.county_zh} is spelt differently on an earlier row (id '{spelt}')",
            )
            ok = False
        known_county = counties.get(county_id)
        if known_county is not None and (known_county["nameZh"], known_county["cityId"]) != (
            c.county_zh,
            city.admin_code if city else None,
        ):
            r.error(
                "clusters.csv",
                line,
                "county_en",
                c.county_en,
                f"county id '{county_id}' already names {known_county['nameZh']} in another city",
            )
            ok = False
        known = clusters.get(c.id)
        if known is not None:
            for column, key, value in (
                ("city_zh", "cityZh", c.city_zh),
                ("county_zh", "countyZh", c.county_zh),
                ("industry_zh", "industryZh", c.industry_zh),
            ):
                if known[key] != value:
                    r.error(
                        "clusters.csv",
                        line,
                        column,
                        value,
                        f"cluster '{c.id}' has {known[key]!r} on an earlier row",
                    )
                    ok = False
            for column, key, value in (
                ("output_value_cny", "outputValueCny", c.output_value_cny),
                ("enterprise_count", "enterpriseCount", c.enterprise_count),
            ):
                if value is not None and known[key] is not None and known[key] != value:
                    r.error(
                        "clusters.csv",
                        line,
                        column,
                        value,
                        f"cluster '{c.id}' has {known[key]} on an earlier row",
                    )
                    ok = False
        if not ok or city is None or industry is None:
            continue
        recognitions.add((c.id, c.level))
        county_by_zh[(c.city_zh, c.county_zh)] = county_id
        counties.setdefault(
            county_id,
            {"id": county_id, "name": c.county_en, "nameZh": c.county_zh, "cityId": city.admin_code},
        )
        if known is None:
            clusters[c.id] = {
                "id": c.id,
                "name": c.name_en,
                "nameZh": c.name_zh,
                "nameStatus": _name_status(c.name_zh),
                "alternateNamesZh": [],
                "leadingSector": c.leading_sector_en,
                "leadingSectorZh": c.leading_sector_zh,
                "outputValueCny": c.output_value_cny,
                "enterpriseCount": c.enterprise_count,
                "sources": list(c.source_url),
                "countyId": county_id,
                "industryId": industry.id,
                "industryInferred": c.industry_inferred,
                "cityZh": c.city_zh,
                "countyZh": c.county_zh,
                "industryZh": c.industry_zh,
            }
        else:
            if c.name_zh != known["nameZh"] and c.name_zh not in known["alternateNamesZh"]:
                known["alternateNamesZh"].append(c.name_zh)
            known["sources"].extend(u for u in c.source_url if u not in known["sources"])
            known["outputValueCny"] = known["outputValueCny"] or c.output_value_cny
            known["enterpriseCount"] = known["enterpriseCount"] or c.enterprise_count
            known["industryInferred"] = known["industryInferred"] and c.industry_inferred
        plan.recognitions.append(
            {
                "id": f"{c.id}/{c.level}",
                "clusterId": c.id,
                "level": c.level.upper(),
                "year": c.recognition_year,
                "batchId": batch_id,
                "notes": c.notes,
                "sources": c.source_url,
            }
        )
        if c.recognition_year is not None:
            years.add(c.recognition_year)

    enterprises: dict[str, dict[str, Any]] = {}
    memberships: set[tuple[str, str]] = set()
    for line, e in r.rows("enterprises.csv"):
        if e.cluster_id not in clusters:
            r.error("enterprises.csv", line, "cluster_id", e.cluster_id, "no such cluster in clusters.csv")
            continue
        enterprise_id = slugify(e.name_en)
        if not enterprise_id:
            r.error("enterprises.csv", line, "name_en", e.name_en, "gives no id (needs letters or digits)")
            continue
        known_e = enterprises.get(enterprise_id)
        if known_e is not None and known_e["nameZh"] != e.name_zh:
            r.error(
                "enterprises.csv",
                line,
                "name_en",
                e.name_en,
                f"gives id '{enterprise_id}', already used by {known_e['nameZh']}",
            )
            continue
        if (enterprise_id, e.cluster_id) in memberships:
            r.error(
                "enterprises.csv",
                line,
                "cluster_id",
                e.cluster_id,
                f"enterprise '{enterprise_id}' is already a member of this cluster",
            )
            continue
        memberships.add((enterprise_id, e.cluster_id))
        if known_e is None:
            enterprises[enterprise_id] = {
                "id": enterprise_id,
                "name": e.name_en,
                "nameZh": e.name_zh,
                "sources": list(e.source_url),
            }
        else:
            known_e["sources"].extend(u for u in e.source_url if u not in known_e["sources"])
        plan.memberships.append(
            {
                "enterpriseId": enterprise_id,
                "clusterId": e.cluster_id,
                "role": e.role_en,
                "roleZh": e.role_zh,
                "sources": e.source_url,
            }
        )

    if r.errors:
        raise DatasetError(r.errors)
    plan.counties = list(counties.values())
    for cluster in clusters.values():
        for key in ("cityZh", "countyZh", "industryZh"):
            del cluster[key]
    plan.clusters = list(clusters.values())
    plan.enterprises = list(enterprises.values())
    plan.years = [{"id": str(y), "year": y} for y in sorted(years)]
    return plan
