"""Rate limiting by cost: each client's bucket is spent by its requests' estimated costs; a spent client gets 429
RATE_LIMITED with Retry-After while others are served; the RateLimit header fields count down; X-Forwarded-For is
honoured only from a trusted proxy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from graphql import parse
from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from clustergraph.app import create_app
from clustergraph.auth import Role, create_token
from clustergraph.graphql.schema import create_schema
from clustergraph.limits import estimate_cost
from clustergraph.ratelimit import FLAT_COST, RATE_LIMITED
from clustergraph.settings import Settings
from conftest import STATEMENTS
from serving import wait_until_healthy

#: A bucket of BURST refilled at 1 per minute: within a test, what it holds moves only by what requests spend
#: (the refill adds less than 1, and the header counts whole units).
BURST = 1000
LIMITED = {"rate_limit": True, "rate_limit_budget": 1, "rate_limit_burst": BURST, "max_query_cost": BURST}
SMALL = "{ clusters(first: 3) { nodes { key name } } }"
LARGE = "{ clusters(first: 20) { nodes { key name industry { key } county { key name } } } }"


@contextmanager
def app_client(settings: Settings, app: Any = None, **client: Any) -> Iterator[TestClient]:
    app = app if app is not None else limited_app(settings)
    with TestClient(app, **client) as test_client:
        yield test_client


def limited_app(settings: Settings, **changes: Any) -> Any:
    return create_app(settings.model_copy(update={**LIMITED, **changes}), on_statement=STATEMENTS)


def expected_cost(settings: Settings, query: str) -> int:
    """The estimate, computed here from the schema and the document (not read from the service)."""
    return estimate_cost(
        create_schema(settings)._schema,
        parse(query),
        default_page_size=settings.default_page_size,
        max_page_size=settings.max_page_size,
    )


def post(client: TestClient, query: str, **kwargs: Any) -> Any:
    return client.post("/graphql", json={"query": query}, **kwargs)


def remaining(response: Any) -> int:
    return int(response.headers["ratelimit-remaining"])


def refused_count() -> float:
    return REGISTRY.get_sample_value("clustergraph_requests_refused_total", {"code": RATE_LIMITED}) or 0.0


@pytest.mark.usefixtures("_dataset_loaded")
def test_headers_count_down_by_each_request_s_estimated_cost(settings: Settings) -> None:
    """Every answer says what its client's bucket holds: the burst less the estimated costs spent so far (each also
    in extensions.cost), the burst as the limit, and the time to refill what was spent."""
    small, large = expected_cost(settings, SMALL), expected_cost(settings, LARGE)
    assert small < large < BURST // 2
    with app_client(settings) as client:
        spent = 0
        for query, cost in ((SMALL, small), (LARGE, large), (SMALL, small)):
            response = post(client, query)
            assert response.status_code == 200
            body = response.json()
            assert "errors" not in body
            assert body["extensions"]["cost"] == cost
            spent += cost
            assert response.headers["ratelimit-limit"] == str(BURST)
            assert remaining(response) == BURST - spent
            # At 1 per minute, refilling `spent` takes spent minutes (less the moments since the first request).
            assert spent * 60 - 60 < int(response.headers["ratelimit-reset"]) <= spent * 60
            assert response.headers["ratelimit-policy"] == f"{BURST};w={BURST * 60}"


@pytest.mark.usefixtures("_dataset_loaded")
def test_a_spent_client_gets_429_rate_limited_while_another_is_served(settings: Settings) -> None:
    """A token's subject spends its bucket: a request costing more than what is left is refused with 429,
    RATE_LIMITED and Retry-After, and spends nothing; another subject, and an anonymous client, are still served."""
    large = expected_cost(settings, LARGE)
    alice = {"Authorization": f"Bearer {create_token(settings, Role.READER, subject='alice')}"}
    bob = {"Authorization": f"Bearer {create_token(settings, Role.READER, subject='bob')}"}
    before = refused_count()
    with app_client(settings) as client:
        left = BURST
        while left >= large:
            response = post(client, LARGE, headers=alice)
            assert response.status_code == 200
            left -= large
            assert remaining(response) == left
        refused = post(client, LARGE, headers=alice)
        assert refused.status_code == 429
        (error,) = refused.json()["errors"]
        assert error["extensions"]["code"] == RATE_LIMITED
        assert error["extensions"]["cost"] == large
        assert "data" not in refused.json()
        # At 1 per minute, the missing (large - left) come back in about that many minutes.
        retry = int(refused.headers["retry-after"])
        assert (large - left - 1) * 60 < retry <= (large - left) * 60
        assert error["extensions"]["retryAfter"] == retry
        assert remaining(refused) == left  # a refused request spends nothing
        assert STATEMENTS.of(refused) == []  # and runs no Cypher

        other = post(client, LARGE, headers=bob)
        assert other.status_code == 200
        assert remaining(other) == BURST - large
        anonymous = post(client, SMALL)
        assert anonymous.status_code == 200
        assert remaining(anonymous) == BURST - expected_cost(settings, SMALL)

        # What is left still serves a request that fits in it.
        fits = post(client, "{ __typename }", headers=alice)
        assert fits.status_code == 200
        assert remaining(fits) == left - 1
    assert refused_count() == before + 1


@pytest.mark.usefixtures("_dataset_loaded")
def test_refused_requests_spend_a_flat_cost_and_an_empty_bucket_refuses_at_once(settings: Settings) -> None:
    """A document that does not parse, or is over the cost limit, spends FLAT_COST; once the bucket is empty, every
    request is refused with 429 before its document is read."""
    over = "{ cities(first: 100) { nodes { clusters(first: 10) { nodes { key name } } } } }"
    assert expected_cost(settings, over) > BURST
    with app_client(settings) as client:
        broken = post(client, "{ clusters(first: 3) { nodes { key ")
        assert broken.status_code == 200
        assert broken.json()["errors"]
        assert remaining(broken) == BURST - FLAT_COST
        too_costly = post(client, over)
        assert too_costly.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert remaining(too_costly) == BURST - 2 * FLAT_COST
        left = BURST - 2 * FLAT_COST
        while left >= FLAT_COST:
            left = remaining(post(client, "{ nope"))
        assert left < FLAT_COST
        post(client, "{ nope")  # spends what is left
        empty = post(client, "{ __typename }")
        assert empty.status_code == 429
        assert empty.json()["errors"][0]["extensions"]["code"] == RATE_LIMITED
        assert int(empty.headers["retry-after"]) >= 1
        assert remaining(empty) == 0


@pytest.mark.usefixtures("_dataset_loaded")
def test_x_forwarded_for_names_the_client_only_behind_a_trusted_proxy(settings: Settings) -> None:
    """From a peer in TRUSTED_PROXIES, the rightmost X-Forwarded-For hop that is not a trusted proxy is the client
    (each address its own bucket, a forged leftmost hop ignored); from any other peer the header is ignored: every
    request spends the peer's bucket."""
    cost = expected_cost(settings, SMALL)
    app = limited_app(settings, trusted_proxies=["10.0.0.0/8"])

    def spend(client: TestClient, forwarded: str) -> int:
        response = post(client, SMALL, headers={"X-Forwarded-For": forwarded})
        assert response.status_code == 200
        return remaining(response)

    with app_client(settings, app, client=("10.1.2.3", 40000)) as proxied:
        assert spend(proxied, "203.0.113.7") == BURST - cost
        assert spend(proxied, "203.0.113.8") == BURST - cost
        assert spend(proxied, "203.0.113.8, 10.0.0.9") == BURST - 2 * cost  # through a second trusted proxy
        assert spend(proxied, "198.51.100.1, 203.0.113.8") == BURST - 3 * cost  # a forged first hop
    with app_client(settings, app, client=("192.0.2.50", 40000)) as direct:
        assert spend(direct, "203.0.113.9") == BURST - cost
        assert spend(direct, "203.0.113.10") == BURST - 2 * cost  # the same bucket: the peer's
        assert spend(direct, "192.0.2.50") == BURST - 3 * cost
    # Without TRUSTED_PROXIES, not even a loopback peer is trusted.
    with app_client(settings, client=("127.0.0.1", 40000)) as local:
        assert spend(local, "203.0.113.11") == BURST - cost
        assert spend(local, "203.0.113.12") == BURST - 2 * cost


@pytest.mark.usefixtures("_dataset_loaded")
def test_off_means_no_headers_and_no_cost(settings: Settings) -> None:
    """RATE_LIMIT=false: no RateLimit header fields, no extensions.cost (the bench and the soak run so)."""
    with app_client(settings, limited_app(settings, rate_limit=False)) as client:
        response = post(client, SMALL)
        assert response.status_code == 200
        assert "ratelimit-remaining" not in response.headers
        assert "extensions" not in response.json()


def test_settings_refuse_a_burst_below_the_cost_limit_and_bad_networks() -> None:
    """A burst below MAX_QUERY_COST could never serve what the limits allow; a proxy network must parse."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="RATE_LIMIT_BURST"):
        Settings(_env_file=None, rate_limit_burst=10, max_query_cost=100)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES"):
        Settings(_env_file=None, trusted_proxies=["not-a-network"])  # type: ignore[call-arg]
    assert Settings(_env_file=None).rate_limit  # type: ignore[call-arg]  # on by default


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.usefixtures("_dataset_loaded")
def test_clustergraph_serve_does_not_take_the_client_address_from_x_forwarded_for(
    settings: Settings, tmp_path: Any
) -> None:
    """Under `clustergraph serve` (uvicorn), a loopback client's X-Forwarded-For changes nothing: uvicorn's own
    header rewriting is off, so two requests naming two addresses spend one bucket, the peer's."""
    cost = expected_cost(settings, SMALL)
    port = _free_port()
    env = {
        **os.environ,
        "NEO4J_URI": settings.neo4j_uri or "",
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value() if settings.neo4j_password else "",
        "NEO4J_DATABASE": settings.neo4j_database,
        "RATE_LIMIT": "true",
        "RATE_LIMIT_BUDGET": "1",
        "RATE_LIMIT_BURST": str(BURST),
        "MAX_QUERY_COST": str(BURST),
    }
    env.pop("TRUSTED_PROXIES", None)
    cli = os.path.join(os.path.dirname(sys.executable), "clustergraph")
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603 -- fixed argv
        [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            wait_until_healthy(base, proc, tmp_path / "serve.log")
            seen = []
            for forwarded in ("203.0.113.20", "203.0.113.21"):
                response = http.post(
                    "/graphql", json={"query": SMALL}, headers={"X-Forwarded-For": forwarded}
                )
                assert response.status_code == 200
                seen.append(remaining(response))
        assert seen == [BURST - cost, BURST - 2 * cost]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.mark.usefixtures("_dataset_loaded")
def test_in_a_batch_each_operation_spends_its_cost_and_one_refused_keeps_the_batch_200(
    settings: Settings,
) -> None:
    """A batch whose second operation its client's bucket cannot pay: the first is answered, the second's result
    is RATE_LIMITED, the batch is 200, and the bucket lost only the first's cost."""
    large = expected_cost(settings, LARGE)
    with app_client(settings, limited_app(settings, batch_max_operations=5)) as client:
        left = BURST
        while left - large >= large:  # leave the bucket able to pay one LARGE, not two
            response = post(client, LARGE)
            assert response.status_code == 200
            left = remaining(response)
        batch = client.post("/graphql", json=[{"query": LARGE}, {"query": LARGE}])
        assert batch.status_code == 200
        first, second = batch.json()
        assert first["data"]["clusters"]["nodes"]
        assert first["extensions"]["cost"] == large
        assert second["errors"][0]["extensions"]["code"] == RATE_LIMITED
        assert "data" not in second
        assert remaining(batch) == left - large
