"""GraphiQL, served by the service itself: the page a browser gets at `/graphql`, and its assets under
`/graphiql/assets/` (the IDE, React, the explorer plugin, Monaco's web workers, fonts and CSS). Nothing is loaded
from another host, so GraphiQL works on a network without internet, and the Content-Security-Policy of the page
and of its assets says so: only this origin, no inline script.

The assets in `static/` are a bundle of npm packages at the versions of `package-lock.json` (integrity-checked by
`npm ci`), built by `build.mjs` with esbuild (`make playground`) and committed, so installing the service needs
neither npm nor the network; `static/BUILD.json` records the lock file and every output file by their SHA-256,
which a test checks. The page opens on a cookbook example (`cookbook.py`), lists the others in its Cookbook pane,
and has the request headers editor open, ready for `Authorization: Bearer …`.
"""

from __future__ import annotations

import gzip
import json
import mimetypes
from functools import cache
from pathlib import Path

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from .cookbook import Block, load_cookbook

STATIC_DIR = Path(__file__).with_name("static")
#: The files the page loads itself; the bundle loads the rest (workers, the codicon font) relative to its URL.
ENTRY_FILES = ("graphiql.js", "graphiql.css")
#: What is worth compressing: the scripts, the styles, the licence texts, the codicon font.
_COMPRESSIBLE = frozenset({".js", ".css", ".txt", ".json", ".ttf"})
#: The route prefix of the assets, under the app's root path.
ASSETS_PATH = "/graphiql/assets"
#: The example GraphiQL opens with: what the graph says it does not know, in a dozen lines.
DEFAULT_EXAMPLE = "How much of the 2024 provincial list the graph names"

#: Only this origin, for everything. Scripts are external files (the page's settings travel in a JSON data block,
#: which is not run). Styles need 'unsafe-inline': Monaco, the editor GraphiQL is built on, creates <style>
#: elements at run time (its themes, decorations) without a nonce, and so do GraphiQL's dialogs (framer-motion,
#: react-remove-scroll); an inline style cannot run code. The fonts GraphiQL's CSS embeds are data: URLs.
#: connect-src 'self' covers ws:/wss: to this origin too (CSP Level 3, as Chromium, Firefox and Safari apply it).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "worker-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: A comment the headers editor opens with (GraphiQL reads it as JSON with comments): anonymous reads need no
#: header, mutations a token.
DEFAULT_HEADERS = """{
  // Reads need no token; mutations do (uncomment):
  // "Authorization": "Bearer <token>"
}"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ClusterGraph · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/graphiql.css">
<script type="module" src="{assets}/graphiql.js"></script>
</head>
<body>
<div id="graphiql"><p class="cg-loading">Loading GraphiQL…</p></div>
<noscript>GraphiQL needs JavaScript. The API answers at this URL: POST a JSON body {{"query": "..."}}.</noscript>
<script type="application/json" id="graphiql-config">{config}</script>
</body>
</html>
"""


class AssetsMissingError(RuntimeError):
    """GraphiQL is on but its bundle is not in the package."""


def check_assets(static_dir: Path = STATIC_DIR) -> None:
    """Raise AssetsMissingError, saying how to build them, when the bundle is not there."""
    missing = [name for name in (*ENTRY_FILES, "BUILD.json") if not (static_dir / name).is_file()]
    if missing:
        raise AssetsMissingError(
            f"GraphiQL's assets are missing from {static_dir} ({', '.join(missing)}): run `make playground` "
            "(needs npm), or set GRAPHIQL=false to serve the API without GraphiQL."
        )


@cache
def _cookbook() -> tuple[Block, ...]:
    return tuple(load_cookbook())


def page_config(endpoint: str) -> dict[str, object]:
    """What the page's script needs: the endpoint, the cookbook, which example opens, the default headers."""
    cookbook = _cookbook()
    titles = [b.title for b in cookbook]
    return {
        "endpoint": endpoint,
        "defaultIndex": titles.index(DEFAULT_EXAMPLE) if DEFAULT_EXAMPLE in titles else 0,
        "defaultHeaders": DEFAULT_HEADERS,
        "cookbook": [
            {
                "title": b.title,
                "query": b.query,
                "variables": json.dumps(b.variables, indent=2) if b.variables is not None else None,
            }
            for b in cookbook
        ],
    }


def graphiql_page(endpoint: str) -> HTMLResponse:
    """The GraphiQL page for the GraphQL endpoint at the URL path `endpoint`, with the strict security headers;
    the assets are looked for next to it (`/graphql` → `/graphiql/assets/`), so a path prefix carries over."""
    assets = endpoint.rsplit("/", 1)[0] + ASSETS_PATH
    # The data block must not end early: `</script>` (or `<!--`) in a string would, so `<` is escaped.
    config = json.dumps(page_config(endpoint), ensure_ascii=False).replace("<", "\\u003c")
    html = _PAGE.format(assets=assets, config=config)
    return HTMLResponse(html, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


class Assets:
    """The bundle's files, each response with the security headers (a worker script's policy is that of its own
    response). Only the files BUILD.json lists are served; each one's ETag is its recorded hash, and `no-cache`
    has a browser revalidate (304) rather than keep a stale bundle. Text is sent gzipped to clients that accept it
    (5.3 MB of script is 1.4 MB so), compressed once per process, off the event loop."""

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        record = json.loads((static_dir / "BUILD.json").read_text(encoding="utf-8"))
        self.static_dir = static_dir
        self.digests: dict[str, str] = record["files"]
        self._bodies: dict[tuple[str, bool], bytes] = {}

    async def _body(self, name: str, gzipped: bool) -> bytes:
        body = self._bodies.get((name, gzipped))
        if body is None:
            raw = (self.static_dir / name).read_bytes()
            body = await anyio.to_thread.run_sync(gzip.compress, raw, 6) if gzipped else raw
            self._bodies[(name, gzipped)] = body
        return body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        name = request.url.path.rsplit("/", 1)[-1]
        if name not in self.digests:
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        if request.method not in ("GET", "HEAD"):
            await PlainTextResponse("Method Not Allowed", 405, {"Allow": "GET, HEAD"})(scope, receive, send)
            return
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        gzipped = Path(name).suffix in _COMPRESSIBLE and "gzip" in request.headers.get("accept-encoding", "")
        etag = f'"{self.digests[name][:24]}{"-gzip" if gzipped else ""}"'
        headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache", "ETag": etag, "Vary": "Accept-Encoding"}
        if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
            await Response(status_code=304, headers=headers)(scope, receive, send)
            return
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        body = await self._body(name, gzipped)
        await Response(body if request.method == "GET" else b"", 200, headers, media_type)(
            scope, receive, send
        )
