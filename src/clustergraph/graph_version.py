"""One watcher of the graph version per worker: what live answers (`live`) re-run on, and what the HTTP cache's
version check can share.

The graph version is `db.graph_version`: the bookmark Neo4j gives a read transaction, which every committed write
changes, whoever makes it (a mutation of this service, `clustergraph load`, an analyst in Neo4j Browser). A write
made outside the service tells nobody, so the watcher reads the version every `interval_s` (LIVE_POLL_INTERVAL_MS)
- but only while someone listens: with no listener, it sends nothing at all. A write made through the service
calls `changed()` after its commit, and the version is read again at once instead of at the next tick.

The API, for any user of the version in this worker:

- `listen(callback)` registers `callback(version)`, called on the event loop each time the version read differs
  from the previous one (never twice for the same version); it returns a function that removes the listener. The
  first listener starts the polling task, the last one to go stops it.
- `changed()` says a write of this worker has committed: the version read so far is out of date (the next
  `fresh` reads again, whatever its age), and with listeners it is read now instead of at the next tick.
- `version` is the last version read (None before the first read), and `read_at` when that read started (the
  loop's clock), so that a caller content with a version at most a few milliseconds old (the HTTP cache's check)
  can take it without a round trip of its own: `await fresh(max_age_s)` returns it, reading only when it is
  older than `max_age_s` or a write of this worker came after it. Callers that find it too old at the same time
  share one read (the first reads, the others take its version), so a worker reads at most once per `max_age_s`
  for them, and never while nobody asks. `fresh(max_age_s, read)` makes that read with `read` (a request's own
  reader: its statement is then counted in that request); `current(max_age_s)` is the version `fresh` would take
  without a read, or None. The app's watcher is `app.state.live.watcher`. Its version carries no request's
  bookmarks: a caller whose request sent some (`X-Neo4j-Bookmarks`) must not take it unless it holds them (see
  `httpcache.HttpCache.version`), or it could see a version older than the client's own write on another
  replica.
- `baseline()` reads the version if none was read yet: what a listener calls before the first read it wants
  kept up to date, so that a write landing between that read and the watcher's first one is not missed.
- `close()` stops the task (the app's lifespan calls it).

A failed read (Neo4j restarting) is logged and tried again at the next tick; listeners hear of nothing until a
version is read again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from neo4j.exceptions import DriverError, Neo4jError

log = structlog.get_logger("clustergraph")

VersionReader = Callable[[], Awaitable[str]]
Listener = Callable[[str], None]


class GraphVersionWatcher:
    """Reads the graph version every `interval_s` while it has listeners, and tells them when it changed."""

    def __init__(self, read_version: VersionReader, interval_s: float) -> None:
        self._read_version = read_version
        self.interval_s = interval_s
        self.version: str | None = None
        self.read_at: float | None = None
        #: Reads of the version made so far (for tests and the bench: what the watcher costs).
        self.reads = 0
        self._listeners: dict[int, Listener] = {}
        self._next_id = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._read_lock = asyncio.Lock()
        self._closed = False
        #: Writes of this worker so far (`changed`), and how many had committed when the last read started: a
        #: version read before a write of this worker committed is never taken as fresh.
        self._writes = 0
        self._read_after_writes = -1

    @property
    def listening(self) -> bool:
        return bool(self._listeners)

    def listen(self, callback: Listener) -> Callable[[], None]:
        """Call `callback(version)` whenever the version changes; returns the function that stops it."""
        if self._closed:
            raise RuntimeError("the graph version watcher is closed")
        key = self._next_id
        self._next_id += 1
        self._listeners[key] = callback
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._poll(), name="graph-version-watcher")

        def stop() -> None:
            self._listeners.pop(key, None)
            if not self._listeners:
                self._wake.set()  # the task sees nobody listens and ends

        return stop

    def changed(self) -> None:
        """A write of this worker has committed: the version read so far is out of date; with listeners, read it
        now rather than at the next tick."""
        self._writes += 1
        if self._listeners:
            self._wake.set()

    async def baseline(self) -> None:
        """Make sure a version has been read: an answer read after this returns is newer than what the watcher
        compares the next read with, so no write made after it goes unnoticed."""
        if self.version is None:
            await self._read()

    async def fresh(self, max_age_s: float, read: VersionReader | None = None) -> str:
        """The version, read again (with `read` when given) only if the last read started more than `max_age_s`
        seconds ago or before a write of this worker committed; concurrent callers share that read."""
        asked = asyncio.get_running_loop().time()
        version = self.current(max_age_s)
        if version is not None:
            return version
        return await self._read(read, asked - max_age_s)

    def current(self, max_age_s: float, since: float | None = None) -> str | None:
        """The version if `fresh(max_age_s)` would take it without a read (its read started at most `max_age_s`
        seconds ago, or after `since`, and no write of this worker came after it); else None (nothing is read)."""
        if self.version is None or self.read_at is None or self._read_after_writes != self._writes:
            return None
        oldest = asyncio.get_running_loop().time() - max_age_s if since is None else since
        return self.version if self.read_at >= oldest else None

    async def _read(self, read: VersionReader | None = None, since: float | None = None) -> str:
        async with self._read_lock:
            if since is not None and (version := self.current(0.0, since)) is not None:
                return version  # read by the caller this one waited behind, young enough when this one asked
            writes, started = self._writes, asyncio.get_running_loop().time()
            version = await (read or self._read_version)()
            self.reads += 1
            previous, self.version, self.read_at = self.version, version, started
            self._read_after_writes = writes
        if previous is not None and version != previous:
            for callback in list(self._listeners.values()):
                try:
                    callback(version)
                except Exception:
                    log.exception("graph_version_listener_failed")
        return version

    async def _poll(self) -> None:
        while self._listeners and not self._closed:
            self._wake.clear()
            try:
                await self._read()
            except (DriverError, Neo4jError, OSError) as exc:
                log.warning("graph_version_unavailable", error=type(exc).__name__)
            if not self._listeners:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_s):
                    await self._wake.wait()

    async def close(self) -> None:
        """Stop reading; listeners are dropped."""
        self._closed = True
        self._listeners.clear()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
