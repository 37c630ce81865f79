"""Per-request state that the engine and the mutations find in `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..auth import Principal
from ..db import RequestScope
from ..repository import Repository
from ..settings import Settings


@dataclass
class Context:
    """What every field finds in `info.context`."""

    repo: Repository
    settings: Settings
    principal: Principal | None = None
    #: The request's scope (bookmarks, statement count, deadline); `repo` is bound to it.
    scope: RequestScope = field(default_factory=RequestScope)
    request: Any = None
    response: Any = None
    #: The execution context of the operation (set by the engine), from which a mutation payload's node is planned.
    executor: Any = None
    #: The worker's live queries (`live.LiveQueries`), which the subscription fields open.
    live: Any = None
    #: A WebSocket connection's `connection_init` payload (set by Strawberry's protocol handler).
    connection_params: dict[str, Any] | None = None
