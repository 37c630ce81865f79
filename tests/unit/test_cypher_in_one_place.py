"""All Cypher lives in the `clustergraph.cypher` package: no other module of the service holds a Cypher clause or
pattern in a string (docstrings, which describe, are not code)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import clustergraph

PACKAGE = Path(clustergraph.__file__).parent
CYPHER = PACKAGE / "cypher"
#: Clause keywords as Cypher writes them, subquery expressions, and relationship patterns.
CLAUSE = re.compile(
    r"\b(OPTIONAL MATCH|MATCH|MERGE|UNWIND|RETURN|DETACH DELETE|CREATE (CONSTRAINT|INDEX)|ORDER BY|"
    r"CALL (db\.|\{|\()|COUNT \{|COLLECT \{|EXISTS \{)|-\[:?\w*:|\]->|<-\["
)


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings (of the module, its classes and functions)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def cypher_outside_the_package() -> list[str]:
    hits = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if CYPHER in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and id(node) not in docstrings and CLAUSE.search(node.value):
                hits.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value[:60]!r}")
    return hits


def test_no_module_outside_the_cypher_package_holds_cypher() -> None:
    assert cypher_outside_the_package() == []


def test_the_check_finds_cypher_where_there_is_some() -> None:
    """The pattern recognises the package's own statements (so an empty result above means something)."""
    tree = ast.parse((CYPHER / "statements.py").read_text(encoding="utf-8"))
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert sum(1 for s in strings if CLAUSE.search(s)) >= 30
