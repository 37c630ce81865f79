"""The root `Subscription` type, derived from `Query`: each root query field again, with the same name, arguments,
result type and description, as a live query (see `live`). A root field added to `Query` is live with nothing
more to write."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

LIVE_NOTE = " Live: sent at once, then again whenever a committed write changes the answer."


class LiveField(StrawberryField):
    """A subscription field whose stream is the live answer of the same field of `Query` (its arguments and the
    rest of the document are read again by the engine, as a query)."""

    def get_result(self, source: Any, info: Any, args: list[Any], kwargs: Any) -> Any:
        context = info.context
        live = getattr(context, "live", None)
        if live is None:
            raise RuntimeError("live queries need the app's LiveQueries in the context")
        return live.open(info)

    @classmethod
    def of(cls, field: StrawberryField) -> LiveField:
        """The live twin of a field of `Query`."""
        live = cls(
            python_name=field.python_name,
            graphql_name=field.graphql_name,
            type_annotation=field.type_annotation,
            origin=field.origin,
            is_subscription=True,
            description=(field.description or "") + LIVE_NOTE,
            base_resolver=field.base_resolver,
            deprecation_reason=field.deprecation_reason,
            directives=list(field.directives),
        )
        live.arguments = list(field.arguments)
        return live


def live_type(query: type) -> type:
    """The `Subscription` type of `query`: one live field per root field."""
    definition = get_object_definition(query, strict=True)
    namespace: dict[str, Any] = {field.python_name: LiveField.of(field) for field in definition.fields}
    namespace["__doc__"] = "Live queries: every root query field, its answer kept up to date."
    cls = type("Subscription", (), namespace)
    return strawberry.type(
        cls,
        description="Every root query field as a live query: the answer at once, then again whenever a "
        "committed write has changed it (over graphql-transport-ws or GraphQL over SSE).",
    )
