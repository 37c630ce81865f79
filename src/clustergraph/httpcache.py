"""HTTP caching of query answers (off by default; `HTTP_CACHE=true`): an ETag on every answer to a query, 304 Not
Modified when the client already holds that answer, and a bounded cache of answers in each worker.

Both are keyed by the request (document, operation name, variables) and the graph version (`db.graph_version`: the
bookmark Neo4j gives a read, which every committed write changes, whoever writes: this service, the loader or an
analyst in Neo4j Browser). The version checked is the worker's (`graph_version.GraphVersionWatcher`, shared with
the live queries), read again only when it is older than `http_cache_max_staleness_ms` or a write through this
worker's API has committed since (`version`): a warm hit sends nothing to Neo4j, a write made elsewhere is seen
within that bound, and a request carrying bookmarks is never answered from a version older than them. With the
bound at 0, every query reads the version itself (one small read). An answer gets an ETag and is
stored only when every read that made it ran at the version checked, so a write that lands while a request runs
never leaves a stale answer behind; mutations, answers with errors and answers over `http_cache_max_body_bytes`
are never stored. No read depends on who asks, so one entry serves every client (a token, when reads need one, is
still checked before the cache).

A request that names its document by hash (`extensions.persistedQuery`, see `documents`) is keyed by that document,
like the same request sent with it; Apollo Client's `extensions.clientLibrary` is part of the key, and any other
extension makes a request uncacheable. What shared caches are told: `Cache-Control` (`cache_control`) is
`no-cache`, or with `edge_cache_max_age_s` `public, max-age=N[, stale-while-revalidate=M]` for a request without an
`Authorization` header; with one (valid or not: an invalid one is refused before the cache anyway), or when reads
need a token, it is `private, no-cache`. `Vary` names every request header an answer or its headers depend on
(`VARY`).
"""

from __future__ import annotations

import hashlib

import orjson
from graphql import GraphQLError, OperationDefinitionNode, OperationType
from starlette.requests import Request
from strawberry.extensions.parser_cache import _get_parse_cache

from .documents import DocumentError, DocumentStore
from .graph_version import GraphVersionWatcher
from .graphql.schema import PARSER_CACHE_SIZE
from .lru import LRUCache
from .repository import Repository
from .settings import Settings

#: Documents whose kind (query or not) is remembered.
KINDS_CACHE_SIZE = 1024
#: The request headers an answer depends on: the media type (`Accept`), whether a token was sent (`Authorization`:
#: public or private, and refused or not when reads need one) and the client's bookmarks (`X-Neo4j-Bookmarks`: a
#: request carrying them must not get an answer made before the write they name). CORS adds `Origin` itself.
VARY = "Accept, Authorization, X-Neo4j-Bookmarks"
#: The request extensions a cached answer may have: the persisted query's hash (the document is in the key) and
#: the name and version Apollo Client 4 sends (`clientLibrary`, in the key too). Any other extension may change the
#: answer or depend on who asks: such a request is not cached.
KEYED_EXTENSIONS = frozenset({"persistedQuery", "clientLibrary"})


class HttpCache:
    """The answers of one worker, and what it needs to key them."""

    def __init__(self, settings: Settings, documents: DocumentStore | None = None) -> None:
        self.max_body_bytes = settings.http_cache_max_body_bytes
        self.max_tokens = settings.max_tokens
        self.documents = documents if documents is not None else DocumentStore(settings)
        self.require_token = settings.require_token_for_reads
        self.max_staleness_s = settings.http_cache_max_staleness_ms / 1000
        public = "no-cache"
        if settings.edge_cache_max_age_s:
            public = f"public, max-age={settings.edge_cache_max_age_s}"
            if settings.edge_cache_stale_while_revalidate_s:
                public += f", stale-while-revalidate={settings.edge_cache_stale_while_revalidate_s}"
        self.public_cache_control = public
        #: What a response that may not be kept is told, with edge caching on (None: nothing, as without it).
        self.uncacheable = "no-store" if settings.edge_cache_max_age_s else None
        self._answers: LRUCache[bytes, tuple[str, bytes]] = LRUCache(settings.http_cache_size)
        self._is_query: LRUCache[tuple[str, str | None], bool] = LRUCache(KINDS_CACHE_SIZE)

    def cache_control(self, request: Request) -> str:
        """The Cache-Control of an answer to `request`: never public when a token is involved."""
        if self.require_token or "authorization" in request.headers:
            return "private, no-cache"
        return self.public_cache_control

    async def version(self, repo: Repository, watcher: GraphVersionWatcher | None) -> str:
        """The graph version to check a request against; `repo` is bound to the request.

        With a staleness bound, the worker's version (`watcher.fresh`: no round trip while it is young enough and
        no write of this worker came after it; else one read, in this request, shared with the requests that
        wait at the same time). A request that sent bookmarks takes it only when it holds them all (the version
        is then at least that of the client's writes): a shared read it makes waits for them, so after the
        client's own write through this worker that read holds them. Otherwise, and with the bound at 0, the
        version is read in the request's own scope, after its bookmarks.
        """
        if watcher is None or not self.max_staleness_s:
            return await repo.graph_version()
        version = await watcher.fresh(self.max_staleness_s, repo.graph_version)
        given = repo.scope.causal_chain.given if repo.scope is not None else []
        if given and not set(given) <= set(version.split(" ")):
            return await repo.graph_version()
        return version

    async def request_key(self, request: Request) -> bytes | None:
        """The key of a request for one query operation (GET, or POST of JSON), or None when it may not be cached:
        a mutation, a document that does not parse, a body that is not JSON, or a browser asking for GraphiQL."""
        if "text/html" in request.headers.get("accept", ""):
            return None
        if request.method == "GET":
            params = request.query_params
            query, operation = params.get("query"), params.get("operationName")
            try:
                variables = orjson.loads(params["variables"]) if params.get("variables") else None
                extensions = orjson.loads(params["extensions"]) if params.get("extensions") else None
            except orjson.JSONDecodeError:
                return None
        elif request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
            try:
                payload = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                return None
            if not isinstance(payload, dict):
                return None
            query, operation = payload.get("query"), payload.get("operationName")
            variables, extensions = payload.get("variables"), payload.get("extensions")
        else:
            return None
        if extensions is not None and not isinstance(extensions, dict):
            return None
        if extensions and not set(extensions) <= KEYED_EXTENSIONS:
            return None  # an extension may change the answer, or depend on who asks
        if not (query is None or isinstance(query, str)) or not (
            operation is None or isinstance(operation, str)
        ):
            return None
        try:
            # Before any parse: a document the service refuses unparsed (trusted documents only) stays unparsed.
            query = self.documents.resolve(query, extensions).query
        except DocumentError:
            return None  # the request reports it
        if query is None:
            return None
        if not self._query_operation(query, operation):
            return None
        # The client's name and version are part of the key; the hash is not: it names the document, which is.
        others = {k: v for k, v in extensions.items() if k != "persistedQuery"} if extensions else None
        material = orjson.dumps([query, operation, variables, others or None], option=orjson.OPT_SORT_KEYS)
        return hashlib.blake2b(material, digest_size=16).digest()

    def _query_operation(self, query: str, operation: str | None) -> bool:
        """The operation the request runs is a query (remembered per document and operation name)."""
        key = (query, operation)
        if key in self._is_query:
            return self._is_query[key]
        try:
            # The parser cache's own parse, with the arguments Strawberry's parse of this request passes (the token
            # limit): the request's document is parsed once, bounded, and this parse is the one reused.
            document = _get_parse_cache(PARSER_CACHE_SIZE)(query, max_tokens=self.max_tokens)
        except GraphQLError:
            is_query = False
        else:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            chosen = [
                d
                for d in operations
                if (operation is None and len(operations) == 1)
                or (d.name is not None and d.name.value == operation)
            ]
            is_query = len(chosen) == 1 and chosen[0].operation is OperationType.QUERY
        self._is_query[key] = is_query
        return is_query

    @staticmethod
    def etag(key: bytes, version: str, media_type: str) -> str:
        """The strong ETag of the answer to the request `key` at `version`, in `media_type`."""
        digest = hashlib.blake2b(key + version.encode() + media_type.encode(), digest_size=16)
        return f'"{digest.hexdigest()}"'

    def answer(self, key: bytes, version: str) -> bytes | None:
        """The stored answer to `key`, if it was made at `version`."""
        if key not in self._answers:
            return None
        made_at, body = self._answers[key]
        return body if made_at == version else None

    def store(self, key: bytes, version: str, body: bytes) -> None:
        if len(body) <= self.max_body_bytes:
            self._answers[key] = (version, body)


def matches(if_none_match: str | None, etag: str) -> bool:
    """The client's If-None-Match names `etag` (weak comparison, RFC 9110 section 13.1.2) or is `*`."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return etag in tags or "*" in tags
