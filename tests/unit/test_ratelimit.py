"""The token bucket's arithmetic (on a clock the test moves), its bounded memory, and whose address a request
counts for."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request

from clustergraph.ratelimit import RateLimiter, client_address
from clustergraph.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, **changes: object) -> RateLimiter:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, rate_limit_budget=600, rate_limit_burst=100, max_query_cost=100, **changes
    )
    return RateLimiter(settings, clock=clock)


def test_a_bucket_starts_full_is_spent_and_refills_at_the_budget_per_minute() -> None:
    """600 per minute is 10 a second: spent down to 30, it holds 50 two seconds later, and is full (never more)
    after 7 s; Reset says when it is full again."""
    clock = Clock()
    buckets = limiter(clock)
    assert buckets.try_spend("a", 70)
    assert buckets.state("a").remaining == 30
    assert buckets.state("a").reset_s == 7
    assert not buckets.try_spend("a", 31)  # more than it holds: refused, nothing spent
    assert buckets.state("a").remaining == 30
    assert buckets.retry_after("a", 31) == 1
    assert buckets.retry_after("a", 100) == 7
    clock.now += 2
    assert buckets.state("a").remaining == 50
    clock.now += 60
    assert buckets.state("a").remaining == 100
    assert buckets.policy == "100;w=10"


def test_charge_never_takes_a_bucket_below_empty() -> None:
    clock = Clock()
    buckets = limiter(clock)
    buckets.charge("a", 95)
    buckets.charge("a", 10)
    assert buckets.state("a").remaining == 0


def test_each_worker_keeps_a_bounded_number_of_buckets() -> None:
    """Past RATE_LIMIT_CLIENTS clients, the least recently seen is forgotten (and starts full again)."""
    clock = Clock()
    buckets = limiter(clock, rate_limit_clients=2)
    buckets.charge("a", 50)
    buckets.charge("b", 50)
    buckets.charge("c", 50)
    assert len(buckets._buckets) == 2
    assert buckets.state("a").remaining == 100


def request(peer: str, forwarded: list[str]) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request(
        {"type": "http", "method": "POST", "path": "/graphql", "headers": headers, "client": (peer, 1)}
    )


TRUSTED = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]


def test_forwarded_for_is_read_only_from_a_trusted_peer() -> None:
    assert client_address(request("192.0.2.1", ["203.0.113.5"]), TRUSTED) == "192.0.2.1"
    assert client_address(request("10.0.0.1", ["203.0.113.5"]), []) == "10.0.0.1"
    assert client_address(request("10.0.0.1", ["203.0.113.5"]), TRUSTED) == "203.0.113.5"


def test_the_client_is_the_rightmost_hop_that_is_not_a_trusted_proxy() -> None:
    """Hops a client wrote itself (on the left) are not believed; trusted proxies on the right are skipped; a hop
    that is not an address ends the walk; every hop trusted leaves the leftmost."""
    assert (
        client_address(request("10.0.0.1", ["198.51.100.1, 203.0.113.5, 10.0.0.2"]), TRUSTED) == "203.0.113.5"
    )
    assert client_address(request("10.0.0.1", ["198.51.100.1", "203.0.113.5"]), TRUSTED) == "203.0.113.5"
    assert client_address(request("10.0.0.1", ["garbage, 10.0.0.3"]), TRUSTED) == "10.0.0.3"
    assert client_address(request("10.0.0.1", ["10.0.0.4, 10.0.0.3"]), TRUSTED) == "10.0.0.4"
    assert client_address(request("fd00::1", ["2001:db8::7"]), TRUSTED) == "2001:db8::7"
    assert client_address(request("10.0.0.1", []), TRUSTED) == "10.0.0.1"
