"""GraphiQL's committed bundle is reproducible: `npm ci` from the lock file (each package checked against its
integrity) and build.mjs, in a scratch copy of the playground sources, give static/ byte for byte.

Needs Node.js 20+ with npm and the npm registry (`.ci/run` installs npm when missing); without npm the test
fails, it is not skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from clustergraph.playground import STATIC_DIR

PLAYGROUND = STATIC_DIR.parent
SOURCES = ("package.json", "package-lock.json", "build.mjs", "src")


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    assert done.returncode == 0, (
        f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    )


def test_npm_ci_and_the_build_reproduce_the_committed_bundle(tmp_path: Path) -> None:
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.fail(
            "npm and node are needed to rebuild GraphiQL's bundle from its lock file: install Node.js 20+ with npm "
            "(`apt-get install nodejs npm`; .ci/run does this)."
        )
    for name in SOURCES:
        source = PLAYGROUND / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy2(source, tmp_path / name)
    _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], tmp_path)
    _run([node, "build.mjs"], tmp_path)
    built = {p.name: p.read_bytes() for p in (tmp_path / "static").iterdir()}
    committed = {p.name: p.read_bytes() for p in STATIC_DIR.iterdir()}
    assert sorted(built) == sorted(committed)
    differing = [name for name in built if built[name] != committed[name]]
    assert differing == [], f"static/ differs from a fresh build in {differing}: run `make playground`"
