"""The Neo4j Browser guide and style (`clustergraph.browser_guide`) and how the local server serves them.

The guide's queries are checked against `cypher/explore.cypher` read here on its own, the style sheet against the
model's labels, and the server's configuration and Browser folder without starting a server.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from clustergraph import browser_guide
from clustergraph.graph_model import TYPES
from clustergraph.neo4j_server import ensure_browser_content, instance_for, write_config
from clustergraph.settings import NEO4J_BROWSER_VERSION, Settings

ROOT = Path(__file__).resolve().parents[2]
EXPLORE = (ROOT / "cypher" / "explore.cypher").read_text(encoding="utf-8")
GRASS = (ROOT / "cypher" / "clustergraph.grass").read_text(encoding="utf-8")


def explore_statements() -> dict[str, str]:
    """Each statement of explore.cypher by the comment line right above its first line."""
    found: dict[str, str] = {}
    for block in re.split(r"\n\s*\n", EXPLORE):
        lines = block.strip().splitlines()
        comments = [line for line in lines if line.startswith("//")]
        code = [line for line in lines if not line.startswith("//")]
        if code:
            found[comments[-1].removeprefix("//").strip()] = "\n".join(code).strip().removesuffix(";")
    return found


class Slides(HTMLParser):
    """The slides of a guide page: each one's title and the text of its runnable blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.slides: list[dict[str, list[str]]] = []
        self._into: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "slide":
            self.slides.append({"h3": [], "pre": []})
        elif tag == "h3" or (tag == "pre" and "runnable" in classes):
            self._into = tag
            self.slides[-1][tag].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._into:
            self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self.slides[-1][self._into][-1] += data


def rendered_slides() -> list[dict[str, list[str]]]:
    page = browser_guide.render_guide()
    assert page.startswith('<article class="guide">')
    assert "<carousel" in page
    parser = Slides()
    parser.feed(page)
    return parser.slides


def test_each_slide_runs_a_statement_of_explore_cypher_as_written_there() -> None:
    statements = explore_statements()
    slides = rendered_slides()
    assert len(slides) == len(browser_guide.SLIDES) + 2  # the model first, "More" last
    runnable = [pre for slide in slides for pre in slide["pre"]]
    assert len(runnable) == len(browser_guide.SLIDES) + 1
    for pre in runnable:
        assert pre in statements.values(), (
            f"a slide runs a query that explore.cypher does not hold: {pre[:80]!r}"
        )
    for slide, spec in zip(slides[1:-1], browser_guide.SLIDES, strict=True):
        assert slide["h3"] == [spec.title]
        (comment,) = [c for c in statements if c.startswith(spec.query)]
        assert slide["pre"] == [statements[comment]]


def test_the_guide_covers_the_questions_it_promises() -> None:
    titles = [slide["h3"][0] for slide in rendered_slides()]
    assert titles[0] == browser_guide.GUIDE_TITLE
    for topic in ("city", "year", "neighbourhood", "enterprises", "official lists"):
        assert any(topic in title for title in titles), f"no slide about {topic!r}: {titles}"


def test_the_first_slide_lists_every_label_of_the_model() -> None:
    first = browser_guide.render_guide().split("</slide>")[0]
    for node in TYPES.values():
        assert f"<b>{node.label}</b>" in first


def grass_rules() -> dict[str, dict[str, str]]:
    rules: dict[str, dict[str, str]] = {}
    for label, body in re.findall(r"^node\.(\w+)\s*\{(.*?)^\}", GRASS, flags=re.MULTILINE | re.DOTALL):
        rules[label] = dict(re.findall(r"([\w-]+):\s*([^;]+);", body))
    return rules


def test_every_label_of_the_model_has_a_colour_and_a_caption_of_its_own_properties() -> None:
    rules = grass_rules()
    for node in TYPES.values():
        assert node.label in rules, f"clustergraph.grass has no rule for {node.label}"
        rule = rules[node.label]
        assert "color" in rule, f"{node.label} has no colour"
        names = re.findall(r"\{(\w+)\}", rule.get("caption", ""))
        assert names, f"{node.label} has no caption naming a property"
        stored = {p.prop for p in node.props}
        # `caption` is the display property the loader and the mutation store on a recognition.
        allowed = stored | ({"caption"} if node.label == "Recognition" else set())
        assert set(names) <= allowed, f"{node.label}'s caption names {names}, not properties of the model"
    assert rules["Recognition"]["caption"].strip() == "'{caption}'"
    assert rules["Batch"]["caption"].strip() == "'{nameZh}'"  # the list's name


def test_the_style_sheet_served_is_the_one_in_cypher() -> None:
    assert browser_guide.style_sheet() == GRASS


def make_settings(tmp_path: Path, http_port: int) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        neo4j_uri=None,
        local_neo4j_instance="guidetest",
        local_neo4j_bolt_port=17698,
        local_neo4j_http_port=http_port,
        state_dir=tmp_path / "state",
        cache_dir=tmp_path / "cache",
    )


def test_the_conf_makes_browser_apply_the_style_and_play_the_guide_from_its_own_origin(
    tmp_path: Path,
) -> None:
    conf = write_config(instance_for(make_settings(tmp_path, 17485)))
    entries = dict(
        line.split("=", 1) for line in conf.read_text().splitlines() if line and not line.startswith("#")
    )
    base = "http://127.0.0.1:17485/browser/clustergraph"
    assert entries["browser.post_connect_cmd"] == f"style {base}/clustergraph.grass; play {base}/guide.html"
    assert entries["browser.remote_content_hostname_whitelist"] == "127.0.0.1"


def test_browser_content_is_browser_unpacked_with_the_guide_beside_it(tmp_path: Path) -> None:
    instance = instance_for(make_settings(tmp_path, 17485))
    instance.lib.mkdir(parents=True)
    with zipfile.ZipFile(instance.lib / f"neo4j-browser-{NEO4J_BROWSER_VERSION}.jar", "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        jar.writestr("browser/index.html", "<html>Browser</html>")

    root = ensure_browser_content(instance)

    assert root == instance.browser_content
    assert (root / "browser" / "index.html").read_text() == "<html>Browser</html>"
    assert not (root / "META-INF").exists()
    guide = root / "browser" / "clustergraph"
    assert (guide / "guide.html").read_text(encoding="utf-8") == browser_guide.render_guide()
    assert (guide / "clustergraph.grass").read_text(encoding="utf-8") == GRASS
    # Unpacked once per Browser version; the guide is written again at every start.
    (root / "browser" / "index.html").write_text("kept")
    (guide / "guide.html").write_text("stale")
    ensure_browser_content(instance)
    assert (root / "browser" / "index.html").read_text() == "kept"
    assert (guide / "guide.html").read_text(encoding="utf-8") == browser_guide.render_guide()


def test_the_cli_writes_the_guide_and_the_style(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from clustergraph.cli import app

    result = CliRunner().invoke(app, ["browser-guide", str(tmp_path / "guide")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "guide" / "guide.html").read_text(encoding="utf-8") == browser_guide.render_guide()
    assert (tmp_path / "guide" / "clustergraph.grass").read_text(encoding="utf-8") == GRASS
    assert "browser.post_connect_cmd=style " in result.output
