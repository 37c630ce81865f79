"""A statement with its parameters written in as Cypher literals, for a person to read and run in Neo4j Browser.

Never sent to Neo4j by the service (which always sends values as parameters): it is the text of the Neo4j Browser
links a request asks for outside production (`cypher_extension`), so that one click opens a statement that runs
as it is, without setting parameters first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

_NAME_PART = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")
_STRING_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class NotALiteral(ValueError):
    """A parameter value that Cypher cannot write as a literal (not finite, or of a type without one)."""


def literal(value: Any) -> str:
    """`value` as a Cypher literal: null, booleans, integers, finite floats, strings, lists and maps of them."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotALiteral(value)
        return repr(value).replace("e+", "e")  # Cypher's exponent takes a minus sign, not a plus
    if isinstance(value, str):
        return "'" + "".join(_STRING_ESCAPES.get(c, c) for c in value) + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_quoted(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
    raise NotALiteral(value)


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def inline_parameters(statement: str, params: Mapping[str, Any]) -> str:
    """`statement` with each `$name` of `params` replaced by its value as a literal. Strings, quoted names and
    comments of the statement are left as they are; `NotALiteral` when a value has no literal."""
    out: list[str] = []
    i, n = 0, len(statement)
    while i < n:
        c = statement[i]
        if c in "'\"`":
            end = _closing(statement, i)
            out.append(statement[i:end])
            i = end
        elif statement.startswith("//", i):
            end = statement.find("\n", i)
            end = n if end < 0 else end
            out.append(statement[i:end])
            i = end
        elif statement.startswith("/*", i):
            end = statement.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(statement[i:end])
            i = end
        elif c == "$" and i + 1 < n and statement[i + 1] in _NAME_PART:
            end = i + 1
            while end < n and statement[end] in _NAME_PART:
                end += 1
            name = statement[i + 1 : end]
            out.append(literal(params[name]) if name in params else statement[i:end])
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _closing(text: str, start: int) -> int:
    """The index just past the quote that closes the one at `start` (backslash escapes inside strings)."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        if text[i] == "\\" and quote != "`":
            i += 2
            continue
        if text[i] == quote:
            if quote == "`" and text.startswith("``", i):
                i += 2
                continue
            return i + 1
        i += 1
    return len(text)
