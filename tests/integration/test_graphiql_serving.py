"""How the service serves GraphiQL: the page and every asset with the strict Content-Security-Policy, the page
even where reads need a token, nothing of it in production or with GRAPHIQL=false."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from clustergraph.app import create_app
from clustergraph.playground import CONTENT_SECURITY_POLICY, STATIC_DIR
from clustergraph.settings import Settings

pytestmark = [
    pytest.mark.integration,
    pytest.mark.usefixtures("driver"),  # the app's lifespan applies the schema to the test Neo4j
    # starlette.testclient warns when httpx2 is missing; the suite turns warnings into errors.
    pytest.mark.filterwarnings("ignore::starlette.exceptions.StarletteDeprecationWarning"),
]

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@contextmanager
def app_client(settings: Settings, **changes: Any) -> Iterator[Any]:
    from starlette.testclient import TestClient

    with TestClient(create_app(settings.model_copy(update=changes))) as client:
        yield client


def _assets() -> list[str]:
    record = json.loads((STATIC_DIR / "BUILD.json").read_text(encoding="utf-8"))
    return sorted(record["files"])


def test_the_page_and_every_asset_carry_the_strict_policy(settings: Settings) -> None:
    with app_client(settings) as client:
        page = client.get("/graphql", headers=HTML)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["x-content-type-options"] == "nosniff"
        for name in _assets():
            asset = client.get(f"/graphiql/assets/{name}")
            assert asset.status_code == 200, name
            assert asset.content == (STATIC_DIR / name).read_bytes(), name
            assert asset.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, name
            assert asset.headers["x-content-type-options"] == "nosniff", name
        script = client.get("/graphiql/assets/graphiql.js", headers={"accept-encoding": "gzip"})
        assert script.headers["content-type"].split(";")[0] in {"text/javascript", "application/javascript"}
        assert script.headers["content-encoding"] == "gzip"
        assert int(script.headers["content-length"]) < (STATIC_DIR / "graphiql.js").stat().st_size / 2
        assert script.content == (STATIC_DIR / "graphiql.js").read_bytes()
        plain = client.get("/graphiql/assets/graphiql.js", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.content == (STATIC_DIR / "graphiql.js").read_bytes()
        assert plain.headers["etag"] != script.headers["etag"]
        again = client.get(
            "/graphiql/assets/graphiql.js",
            headers={"if-none-match": script.headers["etag"], "accept-encoding": "gzip"},
        )
        assert again.status_code == 304
        assert again.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert client.get("/graphiql/assets/nothing-here.js").status_code == 404
        assert client.get("/graphiql/assets/../__init__.py").status_code == 404
        assert client.post("/graphiql/assets/graphiql.js").status_code == 405


def test_the_page_opens_where_every_read_needs_a_token(settings: Settings) -> None:
    """The page holds no data, so it is served without a token; the queries it sends still need one."""
    with app_client(settings, require_token_for_reads=True) as client:
        page = client.get("/graphql", headers=HTML)
        assert page.status_code == 200
        assert 'id="graphiql-config"' in page.text
        refused = client.post("/graphql", json={"query": "{ __typename }"})
        assert refused.status_code == 401


@pytest.mark.parametrize("changes", [{"production": True}, {"graphiql": False}], ids=["production", "off"])
def test_no_graphiql_page_or_assets_when_it_is_off(settings: Settings, changes: dict[str, Any]) -> None:
    with app_client(settings, **changes) as client:
        page = client.get("/graphql", headers=HTML)
        assert "graphiql-config" not in page.text
        assert "content-security-policy" not in page.headers
        assert client.get("/graphiql/assets/graphiql.js").status_code == 404
