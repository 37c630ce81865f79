"""Authentication: JSON Web Tokens carrying a role, checked before any database work.

Reads are public unless `require_token_for_reads` is set; writes need an editor (or admin) token. Tokens are signed
with HS256 and a shared secret, or RS256/ES256 with a key pair (the service needs only the public key). A token must
expire, and within `jwt_max_lifetime_s` (a day by default) of its issue and of now: a long-lived token, leaked or
signed with a known key, stays a short-lived risk. In production, a client is told only that its token is not
valid, never PyJWT's reason.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import jwt
import structlog

from .settings import Settings

log = structlog.get_logger(__name__)

#: A token's life when none is given; the longest `token create` issues is the settings' `jwt_max_lifetime_s`.
DEFAULT_TTL_S = 3600
#: What a client of a production service is told of a token that does not verify (the log has the reason).
INVALID_TOKEN = "the token is not valid"  # noqa: S105 -- a message, not a secret


class Role(Enum):
    """What a token allows: read; read and edit; everything."""

    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"reader": 1, "editor": 2, "admin": 3}[self.value]


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for."""

    subject: str
    role: Role
    #: When the token expires (its `exp`, seconds since the epoch): where a long-lived connection must stop.
    expires_at: float | None = field(default=None, compare=False)

    def can(self, needed: Role) -> bool:
        return self.role.rank >= needed.rank


class AuthError(Exception):
    """A token was missing, malformed, expired or not enough; `code` is UNAUTHENTICATED or FORBIDDEN."""

    def __init__(self, message: str, code: str = "UNAUTHENTICATED") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _verification_key(settings: Settings) -> Any:
    if settings.jwt_algorithm == "HS256":
        return settings.jwt_secret.get_secret_value()
    if not settings.jwt_public_key:
        raise AuthError(f"the service has no public key configured for {settings.jwt_algorithm} tokens")
    return settings.jwt_public_key


def create_token(settings: Settings, role: Role, ttl_s: int = DEFAULT_TTL_S, subject: str = "local") -> str:
    """A signed token for `role` that expires after `ttl_s` seconds."""
    longest = settings.jwt_max_lifetime_s
    if not 0 < ttl_s <= longest:
        raise ValueError(
            f"ttl must be between 1 second and {longest} s (JWT_MAX_LIFETIME_S), not {ttl_s}s: the service "
            "refuses longer-lived tokens"
        )
    now = int(time.time())
    claims = {
        "sub": subject,
        "role": role.value,
        "iat": now,
        "exp": now + ttl_s,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "jti": uuid.uuid4().hex,
    }
    if settings.jwt_algorithm == "HS256":
        key: Any = settings.jwt_secret.get_secret_value()
    elif settings.jwt_private_key is not None:
        key = settings.jwt_private_key.get_secret_value()
    else:
        raise ValueError(f"JWT_PRIVATE_KEY is needed to sign {settings.jwt_algorithm} tokens")
    return jwt.encode(claims, key, algorithm=settings.jwt_algorithm)


def authenticate(settings: Settings, authorization: str | None) -> Principal | None:
    """The principal of an `Authorization: Bearer <token>` header; None without a header; AuthError if bad."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <token>'")
    try:
        claims = jwt.decode(
            token.strip(),
            _verification_key(settings),
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "role"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("the token has expired; ask for a new one") from exc
    except jwt.InvalidTokenError as exc:
        log.info("token_refused", reason=str(exc))
        raise AuthError(INVALID_TOKEN if settings.production else f"{INVALID_TOKEN}: {exc}") from exc
    _check_lifetime(settings, claims)
    try:
        role = Role(claims["role"])
    except ValueError as exc:
        raise AuthError(f"the token's role {claims['role']!r} is not one of reader, editor, admin") from exc
    return Principal(subject=str(claims["sub"]), role=role, expires_at=float(claims["exp"]))


def _check_lifetime(settings: Settings, claims: dict[str, Any]) -> None:
    """Refuse a token that lives longer than `jwt_max_lifetime_s`: from its issue (`iat`, when it has one) to its
    expiry, or from now to its expiry."""
    longest = settings.jwt_max_lifetime_s
    exp = claims["exp"]
    iat = claims.get("iat")
    lifetime = exp - iat if isinstance(iat, int | float) else 0
    remaining = exp - time.time()
    if lifetime > longest or remaining > longest:
        raise AuthError(
            f"the token lives longer than this service accepts ({int(max(lifetime, remaining))} s; at most "
            f"{longest} s): ask for a shorter-lived one"
        )
