"""``base`` sits below every DVW package: it imports the standard library and itself, nothing else."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parents[2] / "base"


def _imported_roots(source: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_base_imports_only_the_standard_library() -> None:
    sources = sorted(BASE.rglob("*.py"))
    assert sources
    foreign = {
        f"{source.relative_to(BASE.parent)}: {root}"
        for source in sources
        for root in _imported_roots(source)
        if root not in sys.stdlib_module_names and root != "base"
    }
    assert not foreign
