"""Typed settings, read from the environment (and an optional `.env` file).

Nothing here is created at import time: the CLI builds a `Settings` and passes it on, and tests build their own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The one place that names the Neo4j version the project runs and tests against.
NEO4J_VERSION = "5.26.30"
#: Neo4j Browser, served by the local server at /browser/ (the newest release on Maven Central).
NEO4J_BROWSER_VERSION = "5.24.0"
#: The documented development password of the local server. Change it anywhere that is not a laptop.
DEV_PASSWORD = "clustergraph-dev"  # noqa: S105 -- the documented development default, not a secret


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

    dataset_dir: Path = Path("data")

    @property
    def uses_local_neo4j(self) -> bool:
        """True when no external Neo4j is configured and the local server is the one to use."""
        return not self.neo4j_uri

    @property
    def bolt_uri(self) -> str:
        """The URI the driver connects to."""
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.local_neo4j_bolt_port}"
