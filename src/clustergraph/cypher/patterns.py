"""Cypher fragments rendered from the graph model's structural declarations.

`graph_model` declares a relationship as a path of hops (relationship type, direction, the label reached) and a
computed sort key as a count or a least value over such a path; the functions here write the Cypher for them. The
fragments keep placeholders that the statement builder fills with its variable names:

- `{a}` the parent node of a relationship field, `{b}` its target;
- `{r}` the relationship whose properties the edges expose, `{m}` the node in the middle of a path that an
  argument of the field reads;
- `{n}` the node a sort key is computed for;
- `{value}` the parameter holding an argument's value.

Every name in a fragment (relationship types, labels, properties) comes from the model; request values never do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, LiteralString

if TYPE_CHECKING:
    from ..graph_model import Hop


def _node(var: LiteralString, label: LiteralString | None) -> LiteralString:
    return f"({var}:{label})" if label else f"({var})"


def _step(hop: Hop, var: LiteralString) -> LiteralString:
    return f"-[{var}:{hop.type}]->" if hop.outgoing else f"<-[{var}:{hop.type}]-"


def path(
    start: LiteralString,
    hops: Sequence[Hop],
    *,
    end: LiteralString = "",
    middle: LiteralString = "",
    edge: LiteralString = "",
) -> LiteralString:
    """`start` followed by the hops: `end` names the last node, `middle` the node the first hop reaches (when the
    path is longer), `edge` the relationship of the hop that carries edge properties."""
    text = start
    for i, hop in enumerate(hops):
        text += _step(hop, edge if hop.edge_props else "")
        var = end if i == len(hops) - 1 else (middle if i == 0 else "")
        text += _node(var, hop.label)
    return text


def relationship(hops: Sequence[Hop], *, names_middle: bool) -> LiteralString:
    """A relationship field's pattern from `({a})` to `({b}:Target)`, e.g.
    `({a})-[:LOCATED_IN]->(:County)-[:IN_CITY]->({b}:City)`."""
    return path("({a})", hops, end="{b}", middle="{m}" if names_middle else "", edge="{r}")


def property_value(prop: LiteralString, coordinate: LiteralString | None = None) -> LiteralString:
    """A property of `{n}` (`{n}.year`), or one coordinate of a point property (`{n}.location.y`)."""
    return f"{{n}}.{prop}.{coordinate}" if coordinate else f"{{n}}.{prop}"


def count(hops: Sequence[Hop], *, distinct: bool = False) -> LiteralString:
    """How many paths start at `{n}`, or with `distinct`, how many different nodes they end at."""
    if distinct:
        return f"COUNT {{ MATCH {path('({n})', hops, end='c')} RETURN DISTINCT c }}"
    return f"COUNT {{ {path('({n})', hops)} }}"


def least(hops: Sequence[Hop], prop: LiteralString) -> LiteralString:
    """The smallest `prop` of the nodes the paths from `{n}` end at (null when there is none)."""
    # Ordered and limited rather than min(): the value may sit inside an aggregation (a list's collect()).
    return (
        f"COLLECT {{ MATCH {path('({n})', hops, end='r')} WHERE r.{prop} IS NOT NULL "
        f"RETURN r.{prop} ORDER BY r.{prop} LIMIT 1 }}[0]"
    )


def rank(value: LiteralString, values: Sequence[LiteralString]) -> LiteralString:
    """The position of `value` (an enum stored by name) among `values`, the enum's values in declared order."""
    for v in values:
        if not v.isidentifier():
            raise ValueError(f"{v!r} is not an enum value name")
    cases = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"CASE {value} {cases} END"


def middle_equals(prop: LiteralString) -> LiteralString:
    """The node in the middle of the path has `prop` equal to the argument's value."""
    return f"{{m}}.{prop} = {{value}}"


def none_earlier(hops: Sequence[Hop], prop: LiteralString) -> LiteralString:
    """The target reaches no node over `hops` whose `prop` is below the parent's."""
    return f"NOT EXISTS {{ MATCH {path('({b})', hops, end='earlier')} WHERE earlier.{prop} < {{a}}.{prop} }}"


def related_value(
    hops: Sequence[Hop], prop: LiteralString, coordinate: LiteralString | None
) -> LiteralString:
    """`prop` (or one coordinate of it) of the node a to-one path from `{n}` reaches (null when it reaches none)."""
    value = f"v.{prop}.{coordinate}" if coordinate else f"v.{prop}"
    return f"COLLECT {{ MATCH {path('({n})', hops, end='v')} RETURN {value} LIMIT 1 }}[0]"
