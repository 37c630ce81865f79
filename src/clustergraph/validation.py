"""Checks on values that editors write, shared by the mutations (pure: no database here).

Each check returns `FieldError`s naming the input field, what is wrong, and a stable code; nothing is written when
any check fails.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .dataset import ID_PATTERN, MAX_YEAR, MIN_YEAR

MAX_NAME = 300
MAX_TEXT = 5_000
MAX_URL = 2_000
MAX_SOURCES = 50
_ID = re.compile(ID_PATTERN)
_ADMIN_CODE = re.compile(r"^\d{6}$")
_URL = re.compile(r"^https?://[^\s\x00-\x1f\x7f]+$")


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field."""

    field: str
    message: str
    code: str


def _control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text)


class Checker:
    """Collects the problems of one input."""

    def __init__(self, prefix: str = "input") -> None:
        self.prefix = prefix
        self.errors: list[FieldError] = []

    def fail(self, name: str, message: str, code: str) -> None:
        self.errors.append(FieldError(f"{self.prefix}.{name}", message, code))

    def key(self, name: str, value: str | None, required: bool = True) -> None:
        if value is None:
            if required:
                self.fail(name, "is required", "REQUIRED")
            return
        if len(value) > 120 or not _ID.match(value):
            shown = value if len(value) <= 60 else value[:57] + "..."
            self.fail(name, f"{shown!r} is not a key: use lower-case letters, digits and single hyphens "
                      "(e.g. 'pidu-electromagnetic-space-security')", "INVALID_FORMAT")  # fmt: skip

    def admin_code(self, name: str, value: str) -> None:
        if not _ADMIN_CODE.match(value):
            self.fail(name, f"{value[:20]!r} is not a six-digit GB/T 2260 code", "INVALID_FORMAT")

    def text(self, name: str, value: str | None, required: bool = False, limit: int = MAX_NAME) -> None:
        if value is None:
            if required:
                self.fail(name, "is required", "REQUIRED")
            return
        if required and not value.strip():
            self.fail(name, "must not be blank", "REQUIRED")
        elif len(value) > limit:
            self.fail(name, f"is {len(value)} characters long; the limit is {limit}", "TOO_LONG")
        elif _control_characters(value):
            self.fail(name, "contains control characters (such as NUL)", "INVALID_CHARACTERS")

    def year(self, name: str, value: int | None) -> None:
        if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
            self.fail(name, f"{value} is outside {MIN_YEAR}-{MAX_YEAR}", "OUT_OF_RANGE")

    def non_negative(self, name: str, value: float | None) -> None:
        if value is not None and (value < 0 or value != value):  # NaN fails too
            self.fail(name, f"{value} must be zero or more", "OUT_OF_RANGE")

    def coordinate(self, name: str, value: float | None, limit: float) -> None:
        if value is not None and not -limit <= value <= limit:
            self.fail(name, f"{value} is outside -{limit}..{limit}", "OUT_OF_RANGE")

    def sources(self, name: str, urls: list[str] | None) -> None:
        if urls is None:
            return
        if len(urls) > MAX_SOURCES:
            self.fail(name, f"has {len(urls)} URLs; the limit is {MAX_SOURCES}", "TOO_LONG")
            return
        for i, url in enumerate(urls):
            if len(url) > MAX_URL or not _URL.match(url):
                self.fail(f"{name}[{i}]", f"{url[:60]!r} is not an http(s) URL", "INVALID_FORMAT")


def missing_references(found: dict[str, Any], fields: dict[str, tuple[str, str]]) -> list[FieldError]:
    """Errors for references that the graph does not hold; `fields` maps result keys to (field, what)."""
    errors = []
    for result_key, (field, what) in fields.items():
        for key in found.get(result_key) or []:
            errors.append(FieldError(field, f"there is no {what} with key {key!r}", "NOT_FOUND"))
    return errors
