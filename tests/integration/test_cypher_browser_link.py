"""The Neo4j Browser link of `extensions.cypher` opens in Neo4j Browser (served by the test Neo4j) with the statement
in its editor, and running it there shows the rows behind the GraphQL answer. Real Chromium (Debian's), driven by
Playwright."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from clustergraph.app import create_app
from clustergraph.cypher_extension import CYPHER_HEADER
from clustergraph.settings import Settings, local_home_for
from conftest import STATEMENTS

CHROMIUM = "/usr/bin/chromium"


def browser_url_of_test_server(settings: Settings) -> str:
    """The Browser of the local server listening on the test Bolt URI (its conf names its HTTP port)."""
    home = local_home_for(settings.state_dir, settings.bolt_uri)
    if home is None:
        pytest.fail(
            f"{settings.bolt_uri} is not a local server started by `clustergraph neo4j start`: this test opens that "
            "server's Neo4j Browser (run it with `make test`)"
        )
    conf = (Path(home) / "conf" / "neo4j.conf").read_text(encoding="utf-8")
    found = re.search(r"^server\.http\.listen_address=([\d.]+:\d+)$", conf, re.MULTILINE)
    assert found, f"no server.http.listen_address in {home}/conf/neo4j.conf"
    return f"http://{found.group(1)}/browser/"


@pytest.mark.usefixtures("_dataset_loaded")
def test_the_browser_link_opens_the_statement_and_runs_to_the_answer_s_rows(settings: Settings) -> None:
    """Open extensions.cypher[0].browserUrl in Chromium, connect with the server's password, run the editor's
    statement: the result table holds the keys of the GraphQL answer."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`.ci/run` does) to run the browser tests"
        )
    from playwright.sync_api import sync_playwright

    browser_url = browser_url_of_test_server(settings)
    app = create_app(settings.model_copy(update={"neo4j_browser_url": browser_url}), on_statement=STATEMENTS)
    with TestClient(app) as client:
        response = client.post(
            "/graphql",
            json={"query": '{ clusters(first: 2, where: {name: {contains: "Chengdu"}}) { nodes { key } } }'},
            headers={CYPHER_HEADER: "1"},
        )
    body = response.json()
    keys = [node["key"] for node in body["data"]["clusters"]["nodes"]]
    assert len(keys) == 2
    (entry,) = body["extensions"]["cypher"]
    link = entry["browserUrl"]
    assert link.startswith(browser_url)

    password = settings.neo4j_secret.get_secret_value()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = chromium.new_page()
            page.goto(link)
            page.wait_for_selector("[data-testid='password']", timeout=60_000)
            page.fill("[data-testid='username']", settings.neo4j_user)
            page.fill("[data-testid='password']", password)
            page.click("[data-testid='connect']")
            page.get_by_text("You are connected as user").wait_for(timeout=60_000)
            # The editor still holds the statement the link opened; run it.
            editor = page.locator(".monaco-editor").first
            assert "CALL" in editor.inner_text()
            editor.click()
            page.keyboard.press("Control+Enter")
            for key in keys:
                page.get_by_text(key).first.wait_for(timeout=60_000)
        finally:
            chromium.close()
