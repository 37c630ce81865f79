"""Neo4j Browser of the test server, in a real Chromium, greets a user with the ClusterGraph guide and style.

After connecting (the connect form, filled as a user would), with no other step: the guide plays, the style of
`cypher/clustergraph.grass` is applied, and one guide query, clicked into the editor and run, draws the nodes a
direct Cypher run of the same statement returns, each coloured and captioned as the style sheet says. The test saves
what the browser showed in tests/browser/screenshots/ (git-ignored); docs/neo4j-browser.png is a copy.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from neo4j.graph import Node
from neo4j.graph import Path as GraphPath

from clustergraph.settings import Settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CLUSTERGRAPH_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"
GRASS = (ROOT / "cypher" / "clustergraph.grass").read_text(encoding="utf-8")
EXPLORE = (ROOT / "cypher" / "explore.cypher").read_text(encoding="utf-8")
#: What the test expects of the guide: its title and the slide whose query it runs.
GUIDE_TITLE = "ClusterGraph: Sichuan's SME industrial clusters"
SLIDE = "A cluster's neighbourhood"
SLIDE_QUERY_COMMENT = "// A cluster's whole neighbourhood"
WAIT_MS = 90_000  # a loaded two-core machine: Browser's first connection can take a while


def statement_after(comment: str) -> str:
    """The statement of explore.cypher that follows the comment line starting with `comment`."""
    lines = EXPLORE.splitlines()
    (start,) = [i for i, line in enumerate(lines) if line.startswith(comment)]
    body: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("//"):
            continue
        body.append(line)
        if line.rstrip().endswith(";"):
            break
    return "\n".join(body).strip().removesuffix(";")


def grass_rules() -> dict[str, dict[str, str]]:
    """The style sheet's `node.<Label>` rules: each property by name."""
    rules: dict[str, dict[str, str]] = {}
    for label, body in re.findall(r"^node\.(\w+)\s*\{(.*?)^\}", GRASS, flags=re.MULTILINE | re.DOTALL):
        rules[label] = dict(re.findall(r"([\w-]+):\s*([^;]+);", body))
    return rules


def expected_caption(node: Node, template: str) -> str:
    """A caption template (`'{prop}'`, as GraSS writes it) filled with the node's properties."""
    inner = template.strip().strip("'")
    return re.sub(r"\{(\w+)\}", lambda m: str(node.get(m.group(1), "")), inner).strip()


def browser_origin(driver: Driver) -> str:
    """Where the test server serves Browser, as it says; fails clearly when it does not greet with the guide."""
    records, _, _ = driver.execute_query(
        "SHOW SETTINGS YIELD name, value "
        "WHERE name IN ['server.http.advertised_address', 'browser.post_connect_cmd'] RETURN name, value",
        database_="system",
    )
    found = {r["name"]: r["value"] for r in records}
    if "guide.html" not in (found.get("browser.post_connect_cmd") or ""):
        pytest.fail(
            "The test Neo4j does not play the ClusterGraph guide after connecting (browser.post_connect_cmd is "
            f"{found.get('browser.post_connect_cmd')!r}): start it with `clustergraph neo4j start` (`make test` "
            "does), restarting it if it was started by an older version."
        )
    return f"http://{found['server.http.advertised_address']}"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is needed for the browser tests and {CHROMIUM} does not exist: install Debian's "
            "`chromium` package (`.ci/run` does), or point CLUSTERGRAPH_CHROMIUM at one."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


def test_browser_plays_the_guide_applies_the_style_and_draws_a_guide_query(
    chromium: Any, dataset_graph: Driver, settings: Settings
) -> None:
    origin = browser_origin(dataset_graph)
    statement = statement_after(SLIDE_QUERY_COMMENT)
    records, _, _ = dataset_graph.execute_query(statement, database_=settings.neo4j_database, routing_="r")
    nodes: dict[str, Node] = {}
    for record in records:
        for value in record.values():
            if isinstance(value, GraphPath):
                nodes.update({n.element_id: n for n in value.nodes})
    assert nodes, "the guide query returns no paths on the dataset"
    # Browser names a drawn node by its numeric id, the last part of the element id.
    by_number = {element_id.rsplit(":", 1)[-1]: node for element_id, node in nodes.items()}

    page = chromium.new_page(viewport={"width": 1400, "height": 1100})
    try:
        page.goto(f"{origin}/browser/")
        page.get_by_test_id("boltaddress").fill(settings.bolt_uri)
        page.get_by_test_id("username").fill(settings.neo4j_user)
        assert settings.neo4j_password is not None
        page.get_by_test_id("password").fill(settings.neo4j_password.get_secret_value())
        page.get_by_test_id("connect").click()

        # The guide plays by itself after connecting: its first slide, then the slide to run.
        carousel = page.get_by_test_id("carousel")
        carousel.wait_for(timeout=WAIT_MS)
        title = carousel.locator("h3:visible")
        assert title.first.text_content() == GUIDE_TITLE
        for _ in range(10):
            if title.first.text_content() == SLIDE:
                break
            page.get_by_test_id("nextSlide").click()
        assert title.first.text_content() == SLIDE

        # The style was applied by itself too: Browser's :style frame holds the rules of clustergraph.grass.
        style_frame = page.locator("[data-testid=frame]", has_text=":style ")
        style_frame.first.wait_for(timeout=WAIT_MS)
        assert "node.Recognition" in (style_frame.first.text_content() or "")

        # Click the slide's query into the editor and run it: the graph is drawn.
        runnable = carousel.locator("pre.runnable:visible")
        assert " ".join((runnable.first.text_content() or "").split()) == " ".join(statement.split())
        runnable.first.click()
        page.get_by_test_id("editor-Run").click()
        drawn = page.locator("svg g.node")
        drawn.first.wait_for(timeout=WAIT_MS)
        page.wait_for_function(
            "n => document.querySelectorAll('svg g.node').length >= n", arg=len(nodes), timeout=WAIT_MS
        )
        shown = drawn.evaluate_all(
            """gs => gs.map(g => ({
                id: (g.getAttribute('aria-label') || '').replace('graph-node', ''),
                caption: Array.from(g.querySelectorAll('text')).map(t => t.textContent.trim()).join(' '),
                fill: (g.querySelector('circle.b-outline') || g.querySelector('circle')).getAttribute('fill'),
            }))"""
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "neo4j-browser.png"), full_page=True)
    finally:
        page.close()

    assert sorted(s["id"] for s in shown) == sorted(by_number), "the drawn nodes are not the query's nodes"
    rules = grass_rules()
    for s in shown:
        node = by_number[s["id"]]
        (label,) = node.labels
        rule = rules[label]
        assert (s["fill"] or "").lower() == rule["color"].strip().lower(), (
            f"{label} is not coloured by the style"
        )
        caption = expected_caption(node, rule["caption"])
        assert caption, f"{label} {node['id']} has an empty caption"
        visible = s["caption"].removesuffix("…")  # Browser shortens a caption that does not fit its circle
        assert visible, f"{label} {node['id']} is drawn without a caption"
        assert caption.startswith(visible), f"{label}: shows {s['caption']!r}, not {caption!r}"
    # A recognition reads like "Provincial 2024": its level and year, as the data gives them.
    recognitions = {
        (n["level"].title() + (f" {n['year']}" if n.get("year") is not None else ""))
        for n in nodes.values()
        if "Recognition" in n.labels
    }
    captions = {s["caption"] for s in shown}
    assert recognitions, "the guide query draws no recognition"
    # Browser shortens a caption that does not fit its circle (how much depends on the fonts installed).
    assert all(
        any(c == r or (c.endswith("…") and len(c) > 1 and r.startswith(c[:-1])) for c in captions)
        for r in recognitions
    ), f"recognitions {recognitions} not among {captions}"


def test_the_api_serves_the_guide_and_style_to_browser_cross_origin(
    dataset_graph: Driver, settings: Settings
) -> None:
    """For a Neo4j that does not serve them (docker compose), the API does, at /browser-guide/, to Browser's
    origin when CORS_ORIGINS lists it: the preflight its fetch needs (it sends cache-control and pragma) passes."""
    from starlette.testclient import TestClient

    from clustergraph.app import create_app

    browser = "http://127.0.0.1:7474"
    app = create_app(settings.model_copy(update={"cors_origins": [browser]}))
    with TestClient(app) as client:
        preflight = client.options(
            "/browser-guide/guide.html",
            headers={
                "origin": browser,
                "access-control-request-method": "GET",
                "access-control-request-headers": "cache-control,pragma",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == browser
        guide = client.get("/browser-guide/guide.html", headers={"origin": browser})
        style = client.get("/browser-guide/clustergraph.grass", headers={"origin": browser})
        missing = client.get("/browser-guide/other.html")
    assert guide.status_code == 200
    assert guide.headers["access-control-allow-origin"] == browser
    assert guide.text.startswith('<article class="guide">')
    page = " ".join(html.unescape(guide.text).split())
    assert GUIDE_TITLE in page
    assert " ".join(statement_after(SLIDE_QUERY_COMMENT).split()) in page
    assert style.status_code == 200
    assert style.text == GRASS
    assert missing.status_code == 404
