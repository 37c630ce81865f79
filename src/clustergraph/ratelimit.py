"""Rate limiting by cost: a token bucket per client, spent by each request's estimated cost (`limits`).

A client is the subject of its token when it sends a valid one, else its address: the connection's peer, or, when
that peer is one of `TRUSTED_PROXIES` (CIDRs; none by default), the address its `X-Forwarded-For` names (the
rightmost hop that is not itself a trusted proxy). X-Forwarded-For is never read from anyone else: a client could
otherwise pick a new identity per request.

Each bucket holds at most `RATE_LIMIT_BURST` and refills at `RATE_LIMIT_BUDGET` per minute. A request is refused
with 429 and code RATE_LIMITED (and `Retry-After`) at once when its client's bucket is empty, and after validation
when its estimated cost is more than the bucket holds; it then spends nothing. Otherwise it spends its estimated
cost, shown in `extensions.cost`. A request whose cost is not estimated (refused before or at validation, an
over-cost document, an answer from the HTTP cache) spends `FLAT_COST`, so that refused requests are not free.

Every answer carries the bucket's state in the header fields of draft-ietf-httpapi-ratelimit-headers-06:
`RateLimit-Limit` (the burst), `RateLimit-Remaining` (what the bucket holds now), `RateLimit-Reset` (seconds until
it is full again) and `RateLimit-Policy` (`<burst>;w=<seconds to refill it>`).

A live query (`live`) spends its estimated cost once, when it starts: each `subscribe` message over
graphql-transport-ws (the client of its connection: the token of `connection_init` or of the upgrade request, else
the peer's address as above) and each GraphQL-over-SSE request (before its stream starts: a refused one is a 429).
Its re-executions after each change spend nothing: the client did not ask for them, and the shared re-read is
bounded by the worker's subscription limit (`LIVE_MAX_SUBSCRIPTIONS`) and is run once per distinct live query.

The buckets live in the memory of each worker, in an LRU of `RATE_LIMIT_CLIENTS` entries (a client forgotten starts
again with a full bucket): with several workers or replicas, a client may spend up to the budget in each of them.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from strawberry.extensions import SchemaExtension

from . import metrics
from .auth import Principal
from .limits import cost_of
from .lru import LRUCache
from .settings import Settings

RATE_LIMITED = "RATE_LIMITED"
#: What a request spends when its cost is not estimated: refused before or at validation, or answered from the
#: HTTP cache. Small beside a query's cost, but not nothing: a client cannot send refused requests for free.
FLAT_COST = 10
FORWARDED_FOR = "x-forwarded-for"
#: The response header fields a browser client may read (CORS).
RATE_LIMIT_HEADERS = (
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "ratelimit-policy",
    "retry-after",
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class Bucket:
    tokens: float
    updated: float


@dataclass(frozen=True)
class BucketState:
    """A bucket after a request: what it holds, and when it is full again."""

    limit: int
    remaining: float
    reset_s: int


class RateLimiter:
    """The buckets of one worker."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(settings.rate_limit_burst)
        self.per_second = settings.rate_limit_budget / 60.0
        self.clock = clock
        self.trusted = [ipaddress.ip_network(cidr, strict=False) for cidr in settings.trusted_proxies]
        self._buckets: LRUCache[str, Bucket] = LRUCache(settings.rate_limit_clients)
        #: The RateLimit-Policy field: the burst, and the seconds the bucket takes to refill it.
        self.policy = f"{int(self.capacity)};w={math.ceil(self.capacity / self.per_second)}"

    def _bucket(self, client: str) -> Bucket:
        now = self.clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = Bucket(self.capacity, now)
            self._buckets[client] = bucket
        else:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second)
            bucket.updated = now
        return bucket

    def available(self, client: str) -> float:
        return self._bucket(client).tokens

    def try_spend(self, client: str, cost: int) -> bool:
        """Spend `cost` when the bucket holds it (True); else spend nothing (False)."""
        bucket = self._bucket(client)
        if cost > bucket.tokens:
            return False
        bucket.tokens -= cost
        return True

    def charge(self, client: str, cost: int) -> None:
        """Spend `cost`, or what is left when the bucket holds less (a refused request that still costs)."""
        bucket = self._bucket(client)
        bucket.tokens = max(0.0, bucket.tokens - cost)

    def state(self, client: str) -> BucketState:
        tokens = self._bucket(client).tokens
        return BucketState(
            limit=int(self.capacity),
            remaining=tokens,
            reset_s=math.ceil((self.capacity - tokens) / self.per_second),
        )

    def retry_after(self, client: str, needed: float) -> int:
        """Whole seconds until the bucket holds `needed` (at least 1)."""
        missing = needed - self._bucket(client).tokens
        return max(1, math.ceil(missing / self.per_second))

    def client_of(self, request: HTTPConnection, principal: Principal | None) -> str:
        """The client a request's (or a WebSocket connection's) spending is counted for: its token's subject, else
        its address."""
        if principal is not None:
            return f"sub:{principal.subject}"
        return f"addr:{client_address(request, self.trusted)}"

    def subscribe(self, client: str, cost: int) -> GraphQLError | None:
        """Start a live query over WebSocket: spend its estimated cost (FLAT_COST for one not estimated), or the
        RATE_LIMITED error when the bucket holds less, spending nothing."""
        cost = cost or FLAT_COST
        if self.try_spend(client, cost):
            return None
        metrics.refused(RATE_LIMITED)
        return rate_limited(client, cost, self)

    # --- one request ---------------------------------------------------------------------------------------

    def admit(self, request: Request, principal: Principal | None) -> Response | None:
        """Start a request: None when it may run (its ticket is in `request.state.rate_limit`), else the 429."""
        ticket = Ticket(self, self.client_of(request, principal))
        request.state.rate_limit = ticket
        if self.available(ticket.client) >= 1:
            return None
        ticket.refused_cost = 1
        ticket.spent = True
        response = refusal(ticket, 1, request)
        self.finish(request, response)
        return response

    def finish(self, request: Request, response: Response) -> None:
        """End a request: a flat cost when none was spent, the RateLimit header fields, and 429 when refused."""
        ticket: Ticket | None = getattr(request.state, "rate_limit", None)
        if ticket is None:
            return
        if not ticket.spent:
            self.charge(ticket.client, FLAT_COST)
        headers = response.headers  # none of these fields is set before: appended, not searched for
        if not headers.get("cache-control", "").startswith("public"):
            # An answer a shared cache may keep and give to others does not carry one client's budget.
            state = self.state(ticket.client)
            headers.append("RateLimit-Limit", str(state.limit))
            headers.append("RateLimit-Remaining", str(math.floor(state.remaining)))
            headers.append("RateLimit-Reset", str(state.reset_s))
            headers.append("RateLimit-Policy", self.policy)
        if ticket.refused_cost is not None:
            if not ticket.counted:
                ticket.counted = True
                metrics.refused(RATE_LIMITED)
            # A batch is answered 200 whatever its results hold: the refused operation's result says so.
            if not getattr(request.state, "batch", False):
                response.status_code = 429
                headers.append("Retry-After", str(self.retry_after(ticket.client, ticket.refused_cost)))


@dataclass
class Ticket:
    """One request's account: its client, what its operations spent, and the cost refused, if one was."""

    limiter: RateLimiter
    client: str
    spent: bool = False
    costs: list[int] = field(default_factory=list)
    refused_cost: int | None = None
    counted: bool = False
    #: Spent by the view before the operation ran (a stream: a live query over SSE): not spent again at validation.
    prepaid: bool = False

    def spend(self, cost: int) -> None:
        """Spend an operation's estimated cost, or raise the RATE_LIMITED error when the bucket holds less."""
        self.spent = True
        if self.limiter.try_spend(self.client, cost):
            self.costs.append(cost)
            return
        self.refused_cost = cost
        raise rate_limited(self.client, cost, self.limiter)


def rate_limited(client: str, cost: int, limiter: RateLimiter) -> GraphQLError:
    remaining = math.floor(limiter.available(client))
    retry = limiter.retry_after(client, cost)
    return GraphQLError(
        f"Rate limited: this request's estimated cost is {cost} and {remaining} of the budget remain "
        f"(RATE_LIMIT_BUDGET {limiter.per_second * 60:g} per minute, at most {int(limiter.capacity)} at once); "
        f"try again in {retry} s, or ask for less.",
        extensions={"code": RATE_LIMITED, "cost": cost, "remaining": remaining, "retryAfter": retry},
    )


def refusal(ticket: Ticket, cost: int, request: Request) -> JSONResponse:
    """The 429 of a request whose client's bucket is empty, before anything of it runs."""
    error = rate_limited(ticket.client, cost, ticket.limiter)
    extensions = {**(error.extensions or {}), "requestId": getattr(request.state, "request_id", None)}
    return JSONResponse({"errors": [{"message": error.message, "extensions": extensions}]}, status_code=429)


def client_address(request: HTTPConnection, trusted: list[Network]) -> str:
    """The connection's peer; behind a trusted proxy, the rightmost X-Forwarded-For hop that is not trusted."""
    peer = request.client.host if request.client is not None else "unknown"
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    found = peer
    hops = [hop.strip() for value in request.headers.getlist(FORWARDED_FOR) for hop in value.split(",")]
    for hop in reversed(hops):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            break  # not an address: the proxies' own record stops here
        found = str(address)
        if not any(address in network for network in trusted):
            break
    return found


def _is_trusted(host: str, trusted: list[Network]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in trusted)


class RateLimitExtension(SchemaExtension):
    """Spends the estimated cost of each valid operation from its request's ticket (set by `RateLimiter.admit`);
    a request without one (rate limiting off, or no HTTP request) is not counted.

    Listed before `limits.QueryCostLimiter`, so that it runs after the estimate once the document is valid (the
    estimate is memoised: it is not walked twice)."""

    def __init__(
        self,
        *,
        execution_context: Any = None,
        default_page_size: int,
        max_page_size: int,
        max_cost: int,
    ) -> None:
        super().__init__(execution_context=execution_context)
        self.default_page_size = default_page_size
        self.max_page_size = max_page_size
        self.max_cost = max_cost
        self.cost: int | None = None

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if context.pre_execution_errors or context.graphql_document is None:
            return  # refused: the request spends the flat cost
        request = getattr(context.context, "request", None)
        ticket: Ticket | None = getattr(getattr(request, "state", None), "rate_limit", None)
        if ticket is None or ticket.prepaid:
            return
        cost, _ = cost_of(context, self.default_page_size, self.max_page_size, self.max_cost)
        ticket.spend(cost)
        self.cost = cost

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.cost} if self.cost is not None else {}
