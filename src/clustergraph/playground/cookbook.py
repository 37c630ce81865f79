"""The README's query cookbook as data: each ```graphql block of its "## Query cookbook" section, with its bold
title line and the ```json variables block right after it, if any.

`tests/integration/test_cookbook.py` runs every block against the API; GraphiQL opens with one of them and lists
them all (`cookbook.json` beside this module, written from the README by `make export-cookbook`, since the README
is not part of the installed package; a test fails when the two drift).

    python -m clustergraph.playground.cookbook README.md   # rewrites cookbook.json
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SECTION = "## Query cookbook"
#: Where the installed package keeps the cookbook GraphiQL shows.
COOKBOOK_JSON = Path(__file__).with_name("cookbook.json")

_FENCE = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<body>.*?)^```[ \t]*$", re.S | re.M)
_TITLE = re.compile(r"^\*\*(?P<title>[^*\n]+)\*\*[ \t]*$", re.M)


@dataclass(frozen=True)
class Block:
    """One cookbook example: its title, its GraphQL document and its variables (None without a json block)."""

    index: int
    title: str
    query: str
    variables: dict[str, Any] | None


def cookbook_section(text: str) -> str:
    """The text of the cookbook section, up to the next `## ` heading (or the end)."""
    start = text.find(f"\n{SECTION}\n")
    if start < 0:
        return ""
    body = text[start + len(SECTION) + 2 :]
    following = re.search(r"^## ", body, re.M)
    return body[: following.start()] if following else body


def parse_cookbook(section: str) -> list[Block]:
    """Each graphql fence with the bold title line before it and the json fence right after it, if any."""
    fences = list(_FENCE.finditer(section))
    blocks: list[Block] = []
    for i, fence in enumerate(fences):
        if fence.group("lang") != "graphql":
            continue
        before = section[fences[i - 1].end() if i else 0 : fence.start()]
        titles = _TITLE.findall(before)
        if not titles:
            raise ValueError(f"the graphql block at offset {fence.start()} has no bold title line before it")
        if not before.rstrip().endswith(f"**{titles[-1]}**"):
            raise ValueError(f"text between the title {titles[-1]!r} and its block")
        variables = None
        if i + 1 < len(fences) and fences[i + 1].group("lang") == "json":
            between = section[fence.end() : fences[i + 1].start()]
            if not between.strip():
                variables = json.loads(fences[i + 1].group("body"))
        blocks.append(Block(len(blocks), titles[-1].strip(), fence.group("body"), variables))
    return blocks


def read_cookbook(readme: Path) -> list[Block]:
    """The cookbook of a README file."""
    return parse_cookbook(cookbook_section(readme.read_text(encoding="utf-8")))


def cookbook_json(blocks: list[Block]) -> str:
    """The text of cookbook.json for these blocks."""
    return json.dumps([asdict(b) for b in blocks], ensure_ascii=False, indent=2) + "\n"


def load_cookbook(path: Path = COOKBOOK_JSON) -> list[Block]:
    """The cookbook the package ships (see the module docstring)."""
    return [Block(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]


def main(argv: list[str]) -> int:
    """Rewrite cookbook.json from the README named in argv (default README.md)."""
    readme = Path(argv[0] if argv else "README.md")
    blocks = read_cookbook(readme)
    if not blocks:
        sys.stderr.write(f"{readme}: no {SECTION!r} section with graphql blocks\n")
        return 1
    COOKBOOK_JSON.write_text(cookbook_json(blocks), encoding="utf-8")
    sys.stdout.write(f"wrote {len(blocks)} examples to {COOKBOOK_JSON}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
