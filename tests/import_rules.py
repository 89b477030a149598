"""What the layer tests of both roots (tests/adoext/test_layers.py, tests/backend/test_layers.py) read from
the source: the imports a module makes inside its functions."""

from __future__ import annotations

import ast
from pathlib import Path


def function_level_imports(path: Path, root_package: str) -> list[tuple[str, int]]:
    """Return (module, line) for each import of `root_package` made inside a function of `path`."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                names = [inner.module]
            elif isinstance(inner, ast.Import):
                names = [alias.name for alias in inner.names]
            else:
                continue
            found += [(name, inner.lineno) for name in names if name.split(".")[0] == root_package]
    return found
