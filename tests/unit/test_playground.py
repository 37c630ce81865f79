"""GraphiQL's committed bundle is what its lock file builds, the cookbook it lists is the README's, and its page
loads nothing from another host and runs no inline script."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from clustergraph.playground import (
    CONTENT_SECURITY_POLICY,
    DEFAULT_EXAMPLE,
    ENTRY_FILES,
    STATIC_DIR,
    graphiql_page,
    page_config,
)
from clustergraph.playground.cookbook import COOKBOOK_JSON, cookbook_json, load_cookbook, read_cookbook

ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND = STATIC_DIR.parent
CDNS = ("unpkg.com", "jsdelivr.net", "esm.sh", "cdnjs", "googleapis.com", "gstatic.com")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_bundle_was_built_from_the_committed_lock_file() -> None:
    """static/BUILD.json names the lock file by its hash, each package of package.json at its pinned version and
    the lock's integrity, and every file in static/ by its hash: a lock changed without `make playground`, or a
    bundle edited by hand, fails here."""
    record = json.loads((STATIC_DIR / "BUILD.json").read_text(encoding="utf-8"))
    lock = json.loads((PLAYGROUND / "package-lock.json").read_text(encoding="utf-8"))
    manifest = json.loads((PLAYGROUND / "package.json").read_text(encoding="utf-8"))
    hint = "run `make playground` and commit static/"
    assert record["lockfileSha256"] == _sha256(PLAYGROUND / "package-lock.json"), hint
    pinned = manifest["devDependencies"]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in pinned.values()), f"exact versions only: {pinned}"
    assert set(record["packages"]) == set(pinned), hint
    for name, version in pinned.items():
        entry = lock["packages"][f"node_modules/{name}"]
        assert entry["version"] == version
        assert record["packages"][name] == {"version": version, "integrity": entry["integrity"]}, hint
    shipped = {p.name for p in STATIC_DIR.iterdir() if p.name != "BUILD.json"}
    assert set(record["files"]) == shipped, hint
    for name, digest in record["files"].items():
        assert _sha256(STATIC_DIR / name) == digest, f"static/{name} differs from its build: {hint}"
    assert {
        "graphiql.js",
        "graphiql.css",
        "editor.worker.js",
        "json.worker.js",
        "graphql.worker.js",
    } <= shipped


def test_every_locked_package_comes_from_the_npm_registry_with_its_integrity() -> None:
    """Each package of the lock has its sha512 integrity (which `npm ci` checks) and no other source than the
    registry (npm leaves `resolved` out for packages of the configured registry)."""
    lock = json.loads((PLAYGROUND / "package-lock.json").read_text(encoding="utf-8"))
    packages = {path: entry for path, entry in lock["packages"].items() if path}
    assert packages
    for path, entry in packages.items():
        assert entry.get("resolved", "https://registry.npmjs.org/").startswith(
            "https://registry.npmjs.org/"
        ), path
        assert entry["integrity"].startswith("sha512-"), path


def test_the_bundle_names_no_cdn() -> None:
    for name in (*ENTRY_FILES, "editor.worker.js", "json.worker.js", "graphql.worker.js"):
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert [cdn for cdn in CDNS if cdn in text] == [], name


def test_the_shipped_cookbook_is_the_readmes() -> None:
    """cookbook.json (what GraphiQL lists) is the README's cookbook; `make export-cookbook` rewrites it."""
    blocks = read_cookbook(ROOT / "README.md")
    assert blocks
    assert COOKBOOK_JSON.read_text(encoding="utf-8") == cookbook_json(blocks), "run `make export-cookbook`"
    assert load_cookbook() == blocks
    assert DEFAULT_EXAMPLE in [b.title for b in blocks]


def test_the_page_opens_on_the_default_example_with_the_headers_hint() -> None:
    config = page_config("/graphql")
    cookbook = config["cookbook"]
    assert isinstance(cookbook, list)
    assert cookbook[config["defaultIndex"]]["title"] == DEFAULT_EXAMPLE  # type: ignore[index]
    assert '"Authorization": "Bearer' in str(config["defaultHeaders"])
    with_variables = [e for e in cookbook if e["variables"] is not None]
    assert with_variables
    assert all(isinstance(json.loads(e["variables"]), dict) for e in with_variables)


def test_the_policy_allows_only_the_services_own_origin_and_no_inline_script() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["worker-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    sources = " ".join(directives.values()).split()
    assert all(s in {"'self'", "'none'", "'unsafe-inline'", "data:"} for s in sources), sources
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY


def test_the_page_loads_its_assets_next_to_the_endpoint_and_runs_no_inline_script() -> None:
    response = graphiql_page("/api/graphql")
    html = bytes(response.body).decode()
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert 'src="/api/graphiql/assets/graphiql.js"' in html
    assert 'href="/api/graphiql/assets/graphiql.css"' in html
    assert "http://" not in html
    assert "https://" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) == 2
    for attributes, body in scripts:
        assert ' src="' in attributes or 'type="application/json"' in attributes, attributes
        if ' src="' in attributes:
            assert body == ""
    config = json.loads(next(body for attributes, body in scripts if "application/json" in attributes))
    assert config["endpoint"] == "/api/graphql"


def test_the_pages_data_block_cannot_be_closed_by_its_content() -> None:
    html = bytes(graphiql_page("/graphql").body).decode()
    block = html.split('<script type="application/json" id="graphiql-config">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block
