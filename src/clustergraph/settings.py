"""Typed settings, read from the environment (and an optional `.env` file).

Nothing here is created at import time: the CLI builds a `Settings` and passes it on, and tests build their own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The one place that names the Neo4j version the project runs and tests against.
NEO4J_VERSION = "5.26.30"
#: Neo4j Browser, served by the local server at /browser/ (the newest release on Maven Central).
NEO4J_BROWSER_VERSION = "5.24.0"
#: The documented development password of the local server. Change it anywhere that is not a laptop.
DEV_PASSWORD = "clustergraph-dev"  # noqa: S105 -- the documented development default, not a secret
#: The development JWT secret (HS256). Production settings refuse it.
DEV_JWT_SECRET = "clustergraph-dev-jwt-secret-change-me"  # noqa: S105 -- documented development default


def _xdg(var: str, default: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / default)


def default_cache_dir() -> Path:
    """Where the Neo4j jars are kept (outside git, shared by every instance)."""
    return _xdg("XDG_CACHE_HOME", ".cache") / "clustergraph"


def default_state_dir() -> Path:
    """Where local Neo4j instances keep their data and logs (outside git, kept across restarts)."""
    return _xdg("XDG_DATA_HOME", ".local/share") / "clustergraph"


class Settings(BaseSettings):
    """Everything the service, the CLI and the tests can configure."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    neo4j_uri: str | None = Field(
        default=None,
        description="Bolt URI of the Neo4j to use. Unset: the local server that `clustergraph neo4j start` runs.",
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr(DEV_PASSWORD)
    neo4j_database: str = "neo4j"
    neo4j_max_pool_size: int = Field(default=50, ge=1)
    neo4j_connection_timeout_s: float = Field(default=5.0, gt=0)
    # How long the driver retries a transaction that failed for a transient reason (a leader change, a restart).
    neo4j_max_retry_s: float = Field(default=3.0, ge=0)

    # The local Neo4j server (used only when neo4j_uri is unset).
    local_neo4j_instance: str = Field(default="dev", pattern=r"^[a-z][a-z0-9-]{0,30}$")
    local_neo4j_bolt_port: int = Field(default=7687, ge=1, le=65535)
    local_neo4j_http_port: int = Field(default=7474, ge=1, le=65535)
    local_neo4j_heap: str = Field(default="1g", pattern=r"^\d+[mg]$")
    local_neo4j_pagecache: str = Field(default="512m", pattern=r"^\d+[mg]$")
    cache_dir: Path = Field(default_factory=default_cache_dir)
    state_dir: Path = Field(default_factory=default_state_dir)

    # The HTTP service.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
    graphiql: bool = True
    cors_origins: list[str] = Field(default_factory=list)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_json: bool = False

    # GraphQL list sizes.
    default_page_size: int = Field(default=20, ge=1)
    max_page_size: int = Field(default=100, ge=1)

    # Limits on what one request may ask for; all but the timeout are checked before any database work.
    # Deepest nesting of fields in an operation (fragments expanded; introspection fields not counted: the cost
    # estimate counts what introspection answers).
    max_query_depth: int = Field(default=10, ge=1)
    # Most aliases in a document (fragments expanded).
    max_aliases: int = Field(default=30, ge=0)
    # Most lexical tokens in a document; parsing stops past it.
    max_tokens: int = Field(default=2000, ge=1)
    # Highest estimated cost: each field costs 1 and a list's page size multiplies what is selected under it.
    max_query_cost: int = Field(default=50_000, ge=1)
    # Largest request body in bytes; a larger one is refused with 413 before it is read.
    max_body_bytes: int = Field(default=100_000, ge=1)
    # Seconds one request may take, and each Neo4j transaction it runs (the driver's transaction timeout).
    request_timeout_s: float = Field(default=10.0, gt=0)
    # Plans (statement and response shape) of the most recent distinct (document, operation, variables); 0: none.
    plan_cache_size: int = Field(default=512, ge=0)
    # HTTP caching of query answers: an ETag on each answer, 304 Not Modified when the client has it already, and
    # a cache of answers per worker, all keyed by the request and the graph version (which every committed write
    # changes, whoever writes). Costs one small read per query; off, nothing of this runs.
    http_cache: bool = False
    # Answers kept per worker (the least recently used go first; 0: ETags only), and the largest kept, in bytes.
    http_cache_size: int = Field(default=1000, ge=0)
    http_cache_max_body_bytes: int = Field(default=100_000, ge=0)
    # Public deployment: no introspection and no GraphiQL, and the development JWT secret is refused.
    production: bool = False

    # Authentication (JWT). Reads are public unless require_token_for_reads; writes need an editor token.
    jwt_algorithm: Literal["HS256", "RS256", "ES256"] = "HS256"
    # HS256's shared secret. The default is for local development only: production refuses it.
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    # RS256/ES256: the PEM public key the service verifies with, and the private key `token create` signs with.
    jwt_public_key: str | None = None
    jwt_private_key: SecretStr | None = None
    jwt_issuer: str = "clustergraph"
    jwt_audience: str = "clustergraph"
    require_token_for_reads: bool = False

    dataset_dir: Path = Path("data")

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if (
            self.production
            and self.jwt_algorithm == "HS256"
            and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET
        ):
            raise ValueError(
                "PRODUCTION is set but JWT_SECRET is the development default: set a secret of your own"
            )
        if self.jwt_algorithm == "HS256" and len(self.jwt_secret.get_secret_value().encode()) < 32:
            raise ValueError("JWT_SECRET must be at least 32 bytes long for HS256 (RFC 7518, section 3.2)")
        return self

    @property
    def transaction_retry_s(self) -> float:
        """How long a failed transaction is retried: never longer than most of a request's time."""
        return min(self.neo4j_max_retry_s, self.request_timeout_s * 0.8)

    @property
    def uses_local_neo4j(self) -> bool:
        """True when no external Neo4j is configured and the local server is the one to use."""
        return not self.neo4j_uri

    @property
    def bolt_uri(self) -> str:
        """The URI the driver connects to."""
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.local_neo4j_bolt_port}"
