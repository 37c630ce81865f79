"""GraphiQL in a real browser: Debian's Chromium, driven by Playwright, loads `/graphql` from a uvicorn serving the
app on a free port of 127.0.0.1 over the test Neo4j, runs the example it opens with and shows the answer that a
direct Cypher query computes; every request the page makes stays on 127.0.0.1, and its Content-Security-Policy
reports no violation. The test saves what the browser showed in tests/browser/screenshots/ (git-ignored).

Chromium must be installed (`apt-get install chromium`; `.ci/run` does it): without it the test fails, it is not
skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from neo4j import Driver

from clustergraph.app import create_app
from clustergraph.playground import DEFAULT_EXAMPLE, page_config
from clustergraph.settings import Settings
from conftest import ROOT, run_cypher
from serving import SERVER_START_S

pytestmark = [pytest.mark.integration]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"
#: Bounds on waiting for the page (a first Chromium start on a loaded machine is slow); never asserted on.
PAGE_TIMEOUT_MS = 60_000
#: The editor shown below the query: variables or headers (the other one is hidden).
VISIBLE_TOOL = ".graphiql-editor-tool .graphiql-editor:not(.hidden)"


@pytest.fixture(scope="module")
def base_url(settings: Settings, _dataset_loaded: Driver) -> Iterator[str]:
    """The app served by uvicorn on a free port of 127.0.0.1 (bound first, then handed to uvicorn)."""
    app = create_app(settings.model_copy(update={"graphiql": True, "production": False}))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"uvicorn did not start serving the app within {SERVER_START_S:g} s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=SERVER_START_S)
        sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (which downloads no browser of its own)."""
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.fail(
            f"Chromium is not installed ({CHROMIUM} is missing): the browser tests drive Debian's package. "
            "Install it with `apt-get install chromium` (.ci/run does this)."
        )
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        try:
            yield chromium
        finally:
            chromium.close()


def _editor_text(page: Any, selector: str) -> str:
    """The text a Monaco editor shows: its rendered lines, top to bottom (Monaco renders spaces as U+00A0)."""
    lines = page.eval_on_selector_all(
        f"{selector} .view-lines .view-line",
        "lines => lines.map(l => [parseFloat(l.style.top) || 0, l.textContent])",
    )
    return "\n".join(text for _top, text in sorted(lines)).replace("\u00a0", " ")


def _expected_answer(driver: Driver, settings: Settings, query: str) -> dict[str, Any]:
    """The default example's answer, computed with Cypher from the graph, not by the API."""
    found = re.search(r'batch\(id: "([^"]+)"\)', query)
    assert found, "the default example is no longer the batch coverage query this test knows"
    row = run_cypher(
        driver,
        settings,
        "MATCH (b:Batch {id: $key}) RETURN b.nameZh AS nameZh, b.officialCountSichuan AS official, "
        "[(b)<-[:IN_BATCH]-(:Recognition)<-[:RECOGNIZED]-(c:Cluster) | c {key: c.id, .name, .nameZh}] AS clusters",
        key=found.group(1),
    )[0]
    clusters = sorted(
        {c["key"]: c for c in row["clusters"]}.values(), key=lambda c: (c["name"].lower(), c["key"])
    )
    return {
        "data": {
            "batch": {
                "nameZh": row["nameZh"],
                "officialCountSichuan": row["official"],
                "namedCount": len(clusters),
                "missingCount": row["official"] - len(clusters),
                "clusters": {"nodes": [{"key": c["key"], "nameZh": c["nameZh"]} for c in clusters]},
            }
        }
    }


def test_graphiql_runs_the_default_example_with_every_request_on_127_0_0_1(
    browser: Any, base_url: str, driver: Driver, settings: Settings
) -> None:
    """GraphiQL renders from the service alone, opens on the default cookbook example, runs it with the run
    button and shows the answer Cypher computes; no request leaves 127.0.0.1 and the CSP reports nothing."""
    config = page_config("/graphql")
    example = config["cookbook"][config["defaultIndex"]]  # type: ignore[index]
    assert example["title"] == DEFAULT_EXAMPLE
    expected = _expected_answer(driver, settings, example["query"])

    # Tall enough for Monaco to render every line of the answer (it renders only the visible ones), and wide
    # enough that the answer's editor wraps none of them.
    context = browser.new_context(viewport={"width": 2400, "height": 1800})
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    requests: list[str] = []
    console: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    # Registered before any script of the page runs; Playwright's own scripts are not subject to the page's CSP.
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`));"
    )
    # (A string predicate would be eval'ed in the page, which its CSP forbids: the predicates are functions.)
    try:
        response = page.goto(f"{base_url}/graphql")
        assert response is not None
        assert response.status == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]

        # Rendered: the query editor holds the default example, the schema has arrived (the docs pane lists the
        # root type), and the headers editor shows its Authorization hint.
        page.wait_for_function(
            "() => document.querySelector('.graphiql-query-editor .view-lines')?.textContent.includes('officialCountSichuan')"
        )
        page.locator(".graphiql-sidebar button[aria-label='Show Documentation Explorer']").click()
        page.get_by_text("Query", exact=True).first.wait_for()
        assert "Authorization" in _editor_text(page, VISIBLE_TOOL)

        with page.expect_response(
            lambda r: (
                r.url.startswith(f"{base_url}/graphql")
                and r.request.method == "POST"
                and "officialCountSichuan" in (r.request.post_data or "")
            )
        ) as answered:
            page.locator(".graphiql-execute-button").click()
        answer = answered.value.json()
        page.wait_for_function(
            "() => document.querySelector('.result-window .view-lines')?.textContent.includes('missingCount')"
        )
        # The answer GraphiQL received is the one Cypher computes; its figures are the batch's stated figures.
        figures = answer["data"]["batch"].pop("figures")["nodes"]
        assert answer == expected
        stated = run_cypher(
            driver,
            settings,
            "MATCH (:Batch {id: $key})-[:STATES]->(f:BatchFigure) RETURN f.value AS value ORDER BY value",
            key=re.search(r'batch\(id: "([^"]+)"\)', example["query"]).group(1),  # type: ignore[union-attr]
        )
        assert sorted(f["value"] for f in figures) == [row["value"] for row in stated]
        # And the answer pane shows it (Monaco renders only the lines in view, wrapping long ones: look for values).
        pane = _editor_text(page, ".result-window")
        assert f'"missingCount": {expected["data"]["batch"]["missingCount"]}' in pane
        assert expected["data"]["batch"]["nameZh"] in pane

        # The explorer plugin lists the root fields.
        page.locator(".graphiql-sidebar button[aria-label='Show GraphiQL Explorer']").click()
        page.locator(".graphiql-explorer-root").get_by_text("clusters", exact=True).first.wait_for()

        # The Cookbook pane lists every example; what a user sees first is saved for the README.
        page.locator(".graphiql-sidebar button[aria-label='Show Cookbook']").click()
        titles = [entry["title"] for entry in config["cookbook"]]  # type: ignore[attr-defined]
        shown_titles = page.locator(".cg-cookbook-entry").all_inner_texts()
        assert [t.replace("`", "") for t in titles] == [t.strip() for t in shown_titles]
        page.set_viewport_size({"width": 1600, "height": 900})
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "graphiql.png"))

        # An example opens in a new tab, its variables with it.
        other = next(entry for entry in config["cookbook"] if entry["variables"])  # type: ignore[attr-defined]
        page.locator(".cg-cookbook-entry").nth(titles.index(other["title"])).click()
        assert page.locator(".graphiql-tab").count() == 2
        first_line = other["query"].splitlines()[0]
        page.wait_for_function(
            "line => document.querySelector('.graphiql-query-editor .view-lines')?.textContent"
            ".replace(/\\u00a0/g, ' ').includes(line)",
            arg=first_line,
        )
        page.locator(".graphiql-editor-tools button", has_text="Variables").click()
        variables = json.loads(other["variables"])
        page.wait_for_function(
            "([selector, name]) => document.querySelector(selector)?.textContent.includes(name)",
            arg=[f"{VISIBLE_TOOL} .view-lines", f'"{next(iter(variables))}"'],
        )
        assert json.loads(_editor_text(page, VISIBLE_TOOL)) == variables

        violations = page.evaluate("window.__cspViolations")
    finally:
        context.close()

    assert requests, "the page made no request at all"
    off_host = [
        url for url in requests if urlsplit(url).scheme != "data" and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert off_host == [], f"requests left 127.0.0.1: {off_host}"
    loaded = {urlsplit(url).path for url in requests}
    for path in (
        "/graphiql/assets/graphiql.js",
        "/graphiql/assets/graphiql.css",
        "/graphiql/assets/graphql.worker.js",
    ):
        assert path in loaded, f"{path} was not loaded from the service (loaded: {sorted(loaded)})"
    assert violations == [], f"Content-Security-Policy violations: {violations}"
    csp_messages = [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m]
    assert csp_messages == [], csp_messages
    errors = [m for m in console if m.startswith(("error", "pageerror"))]
    assert errors == [], f"the page logged errors: {errors}"
