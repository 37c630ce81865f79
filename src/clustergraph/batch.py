"""Batching: a JSON array of operations in one POST, answered by an array of results in the same order.

Off unless `batch_max_operations` > 0; a batch of more operations than that is refused whole (400,
`BATCH_TOO_LARGE`), and so is one whose operations' estimated costs add up to more than `max_query_cost` (400,
`QUERY_TOO_COMPLEX`, with each operation's cost): the cost limit bounds the batch, not each of its operations
alone. Both are checked before any operation runs. Otherwise every operation runs, one after the other in the
array's order (a mutation is its own transaction, as alone, and the operations after it see its write), and each
result holds that operation's own errors. The request has one id, one deadline (`request_timeout_s`, for the whole
batch), one set of client bookmarks (`X-Neo4j-Bookmarks`, waited for by every operation) and one bookmarks header
in the response (the writes of every operation). A batch is never kept by the HTTP cache and has no ETag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import GraphQLError, GraphQLSchema
from strawberry.extensions.parser_cache import _get_parse_cache

from .graphql.schema import PARSER_CACHE_SIZE
from .limits import QUERY_TOO_COMPLEX, CostOverLimit, estimate_cost
from .settings import Settings

BATCH_TOO_LARGE = "BATCH_TOO_LARGE"
BATCH_NOT_ENABLED = "BATCH_NOT_ENABLED"


class BatchRefused(Exception):
    """A batch refused as a whole, before any of its operations ran: a 400 with this one error."""

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions

    def body(self, request_id: str | None) -> dict[str, Any]:
        extensions = {**self.extensions, "requestId": request_id}
        return {"errors": [{"message": self.message, "extensions": extensions}]}


_FIELDS = {
    "query": (str, "a string"),
    "operationName": (str, "a string"),
    "variables": (dict, "an object"),
    "extensions": (dict, "an object"),
}


def check_batch(items: Sequence[object], max_operations: int) -> None:
    """A batch's shape: batching on, 1 to `max_operations` operations, each an object whose members have the
    types GraphQL over HTTP gives them. BatchRefused saying which operation is wrong, and how."""
    if max_operations <= 0:
        raise BatchRefused(
            "Batching is not enabled on this service: send one operation per request as a JSON object (or set "
            "BATCH_MAX_OPERATIONS).",
            code=BATCH_NOT_ENABLED,
        )
    if not items:
        raise BatchRefused("The batch is empty: send at least one operation.", code="BAD_REQUEST")
    if len(items) > max_operations:
        raise BatchRefused(
            f"The batch holds {len(items)} operations, more than the limit {max_operations}: split it.",
            code=BATCH_TOO_LARGE,
            limit=max_operations,
        )
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BatchRefused(
                f'Operation {index} of the batch is not an object such as {{"query": "{{ __typename }}"}}.',
                code="BAD_REQUEST",
            )
        for name, (kind, described) in _FIELDS.items():
            value = item.get(name)
            if value is not None and not isinstance(value, kind):
                raise BatchRefused(
                    f"Operation {index} of the batch: `{name}` must be {described} or null, if provided.",
                    code="BAD_REQUEST",
                )


def operation_cost(
    schema: GraphQLSchema,
    settings: Settings,
    query: str | None,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
) -> int:
    """The estimated cost of one operation of a batch (`limits.estimate_cost`), from the request's own bounded,
    cached parse; 0 for one that does not parse (its result reports that)."""
    if query is None:
        return 0
    try:
        document = _get_parse_cache(PARSER_CACHE_SIZE)(query, max_tokens=settings.max_tokens)
    except GraphQLError:
        return 0
    try:
        return estimate_cost(
            schema,
            document,
            default_page_size=settings.default_page_size,
            variables=variables,
            operation_name=operation_name,
            max_page_size=settings.max_page_size,
            limit=settings.max_query_cost,
        )
    except CostOverLimit as over:
        return over.counted
    except RecursionError:
        return settings.max_query_cost + 1


def check_batch_cost(costs: Sequence[int], limit: int) -> None:
    """BatchRefused when the operations' estimated costs add up to more than `limit`."""
    total = sum(costs)
    if total > limit:
        raise BatchRefused(
            f"The batch's estimated cost {total} (the sum of its operations' costs {list(costs)}) exceeds the limit "
            f"{limit}, which bounds a batch as a whole: ask for less, or send the operations in several requests.",
            code=QUERY_TOO_COMPLEX,
            cost=total,
            costs=list(costs),
            limit=limit,
        )
