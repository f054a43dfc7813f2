"""The packages import one way (DEVELOPERS.md, Layout): each only those below it, none the demo orchestrator."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fundmgr

# Lowest first: a package may import the core and the packages before it in this list, never those after.
LAYERS = ["accounts", "funds", "proposals", "finance", "steering", "results", "notifications", "deadlines"]
PACKAGE_ROOT = Path(fundmgr.__file__).parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every fundmgr module a file imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("fundmgr.")]


@pytest.mark.once
def test_each_package_imports_only_the_core_and_the_packages_below_it():
    """Does any package import one above it, or fundmgr.demo (which imports the packages' demo modules)?"""
    wrong = []
    for rank, package in enumerate(LAYERS):
        for path in sorted((PACKAGE_ROOT / package).rglob("*.py")):
            for line, name in imported_modules(path):
                target = name.split(".")[1]
                if target == "demo" or (target in LAYERS and LAYERS.index(target) > rank):
                    wrong.append(f"{path.relative_to(PACKAGE_ROOT)}:{line} imports {name}")
    assert wrong == []
