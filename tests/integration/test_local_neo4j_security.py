"""The local Neo4j that `clustergraph neo4j start` runs (the test suite's own, configured by the same code as the
one of `make run`): no web page of another origin may drive its HTTP API, and it has no well-known password."""

from __future__ import annotations

import base64

import httpx
import pytest

from clustergraph.neo4j_server import LEGACY_PASSWORD
from clustergraph.settings import Settings, local_home_for

FOREIGN_ORIGIN = "http://attacker.example"


@pytest.fixture(scope="module")
def http_api(settings: Settings) -> str:
    """The base URL of the test Neo4j's HTTP API, read from the configuration its start wrote."""
    home = local_home_for(settings.state_dir, settings.bolt_uri)
    if home is None:
        pytest.fail(f"{settings.bolt_uri} is not a local server started by `clustergraph neo4j start`")
    conf = dict(
        line.split("=", 1)
        for line in (home / "conf" / "neo4j.conf").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    return f"http://{conf['server.http.listen_address']}"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_a_preflight_from_a_foreign_origin_is_not_allowed(http_api: str) -> None:
    """A browser's CORS preflight from another origin gets no Access-Control-Allow-Origin for that origin."""
    response = httpx.options(
        f"{http_api}/db/neo4j/tx/commit",
        headers={
            "Origin": FOREIGN_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    allowed = response.headers.get("access-control-allow-origin")
    assert allowed not in {"*", FOREIGN_ORIGIN}


def test_a_post_from_a_foreign_origin_is_not_readable_by_it(http_api: str, settings: Settings) -> None:
    """A POST carrying a foreign Origin (even with valid credentials) is answered without an ACAO header that
    would let that origin's page read the answer; the only origin allowed is Neo4j Browser's own."""
    response = httpx.post(
        f"{http_api}/db/neo4j/tx/commit",
        json={"statements": [{"statement": "RETURN 1 AS one"}]},
        headers={
            "Origin": FOREIGN_ORIGIN,
            "Authorization": _basic(settings.neo4j_user, settings.neo4j_secret.get_secret_value()),
        },
    )
    allowed = response.headers.get("access-control-allow-origin")
    assert allowed not in {"*", FOREIGN_ORIGIN}
    assert allowed == http_api.replace("://", "://", 1)


def test_the_retired_public_password_is_refused(http_api: str, settings: Settings) -> None:
    """The password earlier versions documented does not open the server; the generated one does."""
    query = {"statements": [{"statement": "RETURN 1 AS one"}]}
    refused = httpx.post(
        f"{http_api}/db/neo4j/tx/commit",
        json=query,
        headers={"Authorization": _basic(settings.neo4j_user, LEGACY_PASSWORD)},
    )
    assert refused.status_code == 401
    accepted = httpx.post(
        f"{http_api}/db/neo4j/tx/commit",
        json=query,
        headers={"Authorization": _basic(settings.neo4j_user, settings.neo4j_secret.get_secret_value())},
    )
    assert accepted.status_code == 200
    assert accepted.json()["results"][0]["data"][0]["row"] == [1]
