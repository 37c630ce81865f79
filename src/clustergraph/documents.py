"""Persisted documents: automatic persisted queries (Apollo's protocol) and trusted documents.

A request may name its document by hash instead of sending it, in `extensions.persistedQuery`
(`{"version": 1, "sha256Hash": "<hex>"}`, the sha256 of the document's text), over POST or GET. Two sources answer
the hash:

- **Automatic persisted queries**: a client that is told `PERSISTED_QUERY_NOT_FOUND` sends the hash again with the
  document; the document, once it has parsed and validated, is remembered by hash in a bounded store per worker
  (`persisted_query_cache_size`; documents over `MAX_REMEMBERED_CHARS` run but are not remembered).
- **Trusted documents**: a manifest (`{"<sha256>": "<document>", ...}`, written by `clustergraph documents build`,
  or Apollo's persisted-query manifest) loaded at start (`trusted_documents`), every document parsed and validated
  once then, against the schema and the query limits: a bad one stops the start with its hash and operations named.
  With `trusted_documents_only`, nothing else runs: a document neither sent by a registered hash nor equal, to the
  character, to a registered one is refused with `UNTRUSTED_DOCUMENT` before it is parsed.

`DocumentStore.resolve` turns a request's `query` and `extensions` into the text to run; the view calls it before
Strawberry parses anything, and the HTTP cache calls it to key a request by its document.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import structlog
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    specified_rules,
    validate,
)
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from .graphql.schema import PARSER_CACHE_SIZE
from .limits import CostOverLimit, estimate_cost, expanded_field_count, validation_rules
from .lru import LRUCache
from .settings import Settings

log = structlog.get_logger("clustergraph")

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
UNTRUSTED_DOCUMENT = "UNTRUSTED_DOCUMENT"
BAD_REQUEST = "BAD_REQUEST"

#: The longest document (in characters) the automatic store remembers: a frontend's documents are far smaller, and
#: the bound keeps the store's memory at most `persisted_query_cache_size` times this.
MAX_REMEMBERED_CHARS = 16_384
#: The protocol's version, the only one there is.
PERSISTED_QUERY_VERSION = 1
#: Apollo's persisted-query manifest (`@apollo/generate-persisted-query-manifest`), also accepted as a manifest.
APOLLO_MANIFEST_FORMAT = "apollo-persisted-query-manifest"

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def document_hash(text: str) -> str:
    """The sha256 of a document's text (UTF-8), in lower-case hex: the hash of the protocol and of the manifest."""
    return hashlib.sha256(text.encode()).hexdigest()


class DocumentError(Exception):
    """A request's document cannot be had or may not run: a GraphQL request error with `code`."""

    def __init__(self, code: str, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extensions = extensions

    def graphql_error(self, request_id: str | None = None) -> GraphQLError:
        extensions = {"code": self.code, **self.extensions}
        if request_id is not None:
            extensions["requestId"] = request_id
        return GraphQLError(self.message, extensions=extensions)


class ManifestError(ValueError):
    """A manifest of trusted documents that cannot be used; the message names the file and each problem."""


@dataclass(frozen=True)
class Resolved:
    """The document a request runs (None: the request has none), and the hash under which to remember it once it
    has run without a request error (None: nothing to remember)."""

    query: str | None
    remember_as: str | None = None


def _persisted_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash a request names in `extensions.persistedQuery`, or None; DocumentError when that is malformed."""
    if not isinstance(extensions, Mapping) or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, Mapping):
        raise DocumentError(
            BAD_REQUEST,
            'extensions.persistedQuery must be an object {"version": 1, "sha256Hash": "<64 hex digits>"}.',
        )
    if persisted.get("version") != PERSISTED_QUERY_VERSION:
        raise DocumentError(
            BAD_REQUEST,
            f"Unsupported persisted query version {persisted.get('version')!r} in "
            f"extensions.persistedQuery.version: only {PERSISTED_QUERY_VERSION} is supported.",
        )
    given = persisted.get("sha256Hash")
    if not isinstance(given, str) or not _SHA256.match(given):
        shown = repr(given) if not isinstance(given, str) or len(given) <= 80 else repr(given[:80] + "…")
        raise DocumentError(
            BAD_REQUEST,
            f"extensions.persistedQuery.sha256Hash must be the document's sha256 as 64 hex digits, not {shown}.",
        )
    return given.lower()


class DocumentStore:
    """The trusted documents (by hash) and the automatic store of one worker."""

    def __init__(self, settings: Settings, trusted: Mapping[str, str] | None = None) -> None:
        self.trusted: dict[str, str] = dict(trusted or {})
        self.trusted_only = settings.trusted_documents_only
        self.automatic: LRUCache[str, str] | None = (
            LRUCache(settings.persisted_query_cache_size) if settings.persisted_query_cache_size > 0 else None
        )

    @classmethod
    def from_settings(cls, settings: Settings, schema: GraphQLSchema) -> DocumentStore:
        """The store of `settings`: their manifest, when they name one, read and checked (ManifestError)."""
        trusted: dict[str, str] = {}
        if settings.trusted_documents is not None:
            trusted = read_manifest(settings.trusted_documents)
            check_documents(settings.trusted_documents, trusted, schema, settings)
            log.info(
                "trusted_documents_loaded",
                path=str(settings.trusted_documents),
                documents=len(trusted),
                only=settings.trusted_documents_only,
            )
        return cls(settings, trusted)

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> Resolved:
        """The document a request runs, from its `query` and `extensions`; DocumentError when there is none to
        run. Nothing is parsed here: with `trusted_only`, an unregistered document is refused unparsed."""
        wanted = _persisted_hash(extensions)
        if wanted is None:
            if self.trusted_only and query is not None and document_hash(query) not in self.trusted:
                raise DocumentError(
                    UNTRUSTED_DOCUMENT,
                    "This service runs only its registered documents, and this one is not registered: send the "
                    "sha256 of a registered document in extensions.persistedQuery, or its exact text.",
                )
            return Resolved(query)
        if query is not None:
            actual = document_hash(query)
            if actual != wanted:
                raise DocumentError(
                    PERSISTED_QUERY_HASH_MISMATCH,
                    f"extensions.persistedQuery.sha256Hash is {wanted}, but the sha256 of the query sent is "
                    f"{actual}: the hash must be that of the document's exact text (UTF-8).",
                    sha256Hash=wanted,
                )
            if wanted in self.trusted:
                return Resolved(query)
            if self.trusted_only:
                raise _untrusted_hash(wanted)
            remember = self.automatic is not None and len(query) <= MAX_REMEMBERED_CHARS
            return Resolved(query, wanted if remember else None)
        registered = self.trusted.get(wanted)
        if registered is not None:
            return Resolved(registered)
        if self.trusted_only:
            raise _untrusted_hash(wanted)
        if self.automatic is None:
            raise DocumentError(
                PERSISTED_QUERY_NOT_SUPPORTED,
                "PersistedQueryNotSupported",
                reason="This service does not remember documents by hash (PERSISTED_QUERY_CACHE_SIZE=0): send "
                "the document in `query`.",
            )
        stored = self.automatic.get(wanted)
        if stored is None:
            # The message is the protocol's own word, which clients match; `reason` says it in full.
            raise DocumentError(
                PERSISTED_QUERY_NOT_FOUND,
                "PersistedQueryNotFound",
                sha256Hash=wanted,
                reason="No document is known by this hash here: send it again with the document in `query`.",
            )
        return Resolved(stored)

    def remember(self, resolved: Resolved) -> None:
        """Remember a document that has run (parsed and validated) under its hash."""
        if resolved.remember_as is not None and resolved.query is not None and self.automatic is not None:
            self.automatic[resolved.remember_as] = resolved.query


def _untrusted_hash(wanted: str) -> DocumentError:
    return DocumentError(
        UNTRUSTED_DOCUMENT,
        f"No registered document has the sha256 {wanted}, and this service runs only its registered documents: "
        "register the document at build time (`clustergraph documents build`).",
        sha256Hash=wanted,
    )


# --- manifests -----------------------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, str]:
    """The documents of a manifest, by hash: a JSON object `{"<sha256>": "<document>"}` (the format `documents
    build` writes, and Relay's and GraphQL Yoga's), or Apollo's persisted-query manifest (`{"format":
    "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "body", ...}]}`). Every hash must be
    the sha256 of its document; ManifestError names the file and what is wrong."""
    try:
        raw = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise ManifestError(f"{path}: the manifest of trusted documents cannot be read: {exc}") from exc
    except orjson.JSONDecodeError as exc:
        raise ManifestError(f"{path}: the manifest of trusted documents is not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ManifestError(f'{path}: a manifest is a JSON object {{"<sha256>": "<document>", ...}}')
    if raw.get("format") == APOLLO_MANIFEST_FORMAT:
        operations = raw.get("operations")
        if not isinstance(operations, list):
            raise ManifestError(f"{path}: an Apollo manifest needs an `operations` list")
        pairs = []
        for index, operation in enumerate(operations):
            if not isinstance(operation, dict):
                raise ManifestError(f"{path}: operations[{index}] is not an object")
            pairs.append((operation.get("id"), operation.get("body"), f"operations[{index}]"))
    else:
        pairs = [(key, value, f"entry {key!r}") for key, value in raw.items()]
    documents: dict[str, str] = {}
    problems = []
    for given, body, where in pairs:
        if not isinstance(given, str) or not _SHA256.match(given):
            problems.append(f"{where}: the key must be a sha256 in 64 hex digits")
        elif not isinstance(body, str):
            problems.append(f"{where}: the document must be a string")
        elif document_hash(body) != given.lower():
            problems.append(f"{where}: the sha256 of the document is {document_hash(body)}, not {given}")
        else:
            documents[given.lower()] = body
    if problems:
        raise ManifestError(f"{path}: " + "; ".join(problems))
    return documents


def _operation_names(document: DocumentNode | None) -> str:
    if document is None:
        return "?"
    names = [
        d.name.value if d.name is not None else "(anonymous)"
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    return ", ".join(names) or "(no operation)"


def document_problems(text: str, schema: GraphQLSchema, settings: Settings) -> tuple[str, list[str]]:
    """The operations of a document (names, for messages) and what stops it running on this service: syntax,
    validation against the schema, and the query limits (tokens, depth, aliases, cost with the variables'
    defaults and default page sizes); an empty list when it would run."""
    try:
        # The service's own bounded parser cache, with the arguments of a request's parse: a document checked at
        # start is not parsed again when it is first requested.
        document = _get_parse_cache(PARSER_CACHE_SIZE)(text, max_tokens=settings.max_tokens)
    except GraphQLError as exc:
        return "?", [exc.message]
    names = _operation_names(document)
    try:
        fields = expanded_field_count(document)
    except RecursionError:
        fields = settings.max_query_cost + 1
    if fields > settings.max_query_cost:
        return names, [
            f"it selects {fields} fields once its fragments are expanded (limit {settings.max_query_cost})"
        ]
    # The rules a request's validation applies: graphql-core's, Strawberry's own two, and the service's limits.
    rules = [*specified_rules, *validation_rules(settings), MaybeNullValidationRule, OneOfInputValidationRule]
    errors = validate(schema, document, rules)
    if errors:
        return names, [e.message for e in errors]
    problems = []
    for operation in (d for d in document.definitions if isinstance(d, OperationDefinitionNode)):
        name = operation.name.value if operation.name is not None else None
        try:
            cost = estimate_cost(
                schema,
                document,
                default_page_size=settings.default_page_size,
                operation_name=name,
                max_page_size=settings.max_page_size,
                limit=settings.max_query_cost,
            )
        except CostOverLimit as over:
            cost = over.counted
        if cost > settings.max_query_cost:
            problems.append(
                f"operation {name or '(anonymous)'} has an estimated cost of {cost}, over the limit "
                f"{settings.max_query_cost}"
            )
    return names, problems


def check_documents(
    source: Path, documents: Mapping[str, str], schema: GraphQLSchema, settings: Settings
) -> None:
    """Parse and validate every document of a manifest once; ManifestError naming the file, each bad document's
    hash and operations, and what is wrong with it."""
    problems = []
    for digest, text in documents.items():
        names, found = document_problems(text, schema, settings)
        if found:
            problems.append(f"document {digest} (operations: {names}): " + "; ".join(found))
    if problems:
        raise ManifestError(
            f"{source}: {len(problems)} trusted document(s) would not run:\n  " + "\n  ".join(problems)
        )


def build_manifest(directory: Path, schema: GraphQLSchema, settings: Settings) -> dict[str, str]:
    """The manifest of the `.graphql` files under `directory` (recursively; each file one complete document, its
    fragments included), keyed by the sha256 of each file's exact text, in path order. ManifestError naming each
    file (and its operations) that would not run, or when there is none."""
    files = sorted(p for p in directory.rglob("*.graphql") if p.is_file())
    if not files:
        raise ManifestError(f"{directory}: no .graphql file found")
    manifest: dict[str, str] = {}
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        names, found = document_problems(text, schema, settings)
        if found:
            problems.append(f"{path} (operations: {names}): " + "; ".join(found))
        manifest[document_hash(text)] = text
    if problems:
        raise ManifestError(f"{len(problems)} document(s) would not run:\n  " + "\n  ".join(problems))
    return manifest
