"""The `X-Neo4j-Bookmarks` header: Neo4j bookmarks sealed by this service, so a client can only send back what the
service gave it.

A Neo4j bookmark makes a transaction wait until the database has reached it, up to the server's
`db.transaction.bookmark_ready_timeout` (30 s by default). Passed through as given, the header would let anyone hold
a connection and a transaction for that long with a made-up bookmark (one for the system database, or far in the
future). So the service never hands out raw bookmarks: it returns a token, the bookmarks of the service's own
database with an HMAC-SHA256 over them and that database's name, and accepts only tokens whose MAC verifies. A token
that does not is refused (400, BAD_USER_INPUT) before any database work.

The key: `BOOKMARK_SECRET` when set; else derived from `JWT_SECRET` (HS256 and not the development default), which
every replica shares already; else a random key for this process only, which is refused with several workers or
in production (a token issued by one process must verify in the others).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

import orjson

from .settings import Settings

#: A token: "cgb1.<base64url of the JSON bookmarks>.<base64url of the MAC>".
PREFIX = "cgb1"
#: Most tokens in one header, and the longest token accepted.
MAX_TOKENS = 16
MAX_TOKEN_CHARS = 4096
#: This process's key when no shared secret is configured (development, one worker).
_PROCESS_KEY = secrets.token_bytes(32)


class BookmarkError(ValueError):
    """The header holds something this service did not issue."""


def signing_key(settings: Settings) -> bytes:
    """The HMAC key of the bookmark tokens (see the module's docstring)."""
    if settings.bookmark_secret is not None:
        return settings.bookmark_secret.get_secret_value().encode()
    if settings.has_shared_bookmark_secret:
        jwt_secret = settings.jwt_secret.get_secret_value().encode()
        return hmac.new(jwt_secret, b"clustergraph bookmark tokens", hashlib.sha256).digest()
    return _PROCESS_KEY


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, database: str, payload: bytes) -> bytes:
    return hmac.new(key, database.encode() + b"\0" + payload, hashlib.sha256).digest()


def seal(settings: Settings, bookmarks: list[str]) -> str:
    """The token that carries `bookmarks` (of the service's database) back to the client."""
    payload = orjson.dumps(sorted(bookmarks))
    mac = _mac(signing_key(settings), settings.neo4j_database, payload)
    return f"{PREFIX}.{_b64(payload)}.{_b64(mac)}"


def unseal(settings: Settings, header: str) -> list[str]:
    """The Neo4j bookmarks of the tokens in a header (comma-separated); BookmarkError unless each token was issued
    by this service (with this key) for its database."""
    tokens = [t.strip() for t in header.split(",") if t.strip()]
    if not tokens:
        return []
    if len(tokens) > MAX_TOKENS:
        raise BookmarkError(f"at most {MAX_TOKENS} bookmark tokens are accepted, not {len(tokens)}")
    key = signing_key(settings)
    bookmarks: set[str] = set()
    for token in tokens:
        bookmarks.update(_unseal_one(key, settings.neo4j_database, token))
    return sorted(bookmarks)


def _unseal_one(key: bytes, database: str, token: str) -> list[str]:
    parts = token.split(".")
    if len(token) > MAX_TOKEN_CHARS or len(parts) != 3 or parts[0] != PREFIX:
        raise BookmarkError("a bookmark token is not one this service issued")
    try:
        payload, mac = _unb64(parts[1]), _unb64(parts[2])
    except (binascii.Error, ValueError):
        raise BookmarkError("a bookmark token is not one this service issued") from None
    if not hmac.compare_digest(mac, _mac(key, database, payload)):
        raise BookmarkError(
            "a bookmark token is not one this service issued (or was issued with another key)"
        )
    values = orjson.loads(payload)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BookmarkError("a bookmark token is not one this service issued")
    return values
