"""adoext's arrows point only downward: the import-linter contracts in the root pyproject.toml hold, and
no adoext module imports another inside a function, except where the CLI loads its commands lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests import import_rules
from tests.adoext.conftest import REPO_ROOT

SOURCE = REPO_ROOT / "scripts" / "adoext"
# The documented lazy loading (scripts/adoext/README.md, "Start-up"): each command module is imported only
# when one of its commands runs, and the console script loads the CLI with the collector off.
LAZY_LOADERS = {"cli/commands.py", "console.py"}


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(REPO_ROOT / "pyproject.toml")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kept, 0 broken." in result.stdout  # the contracts were found and checked


def function_level_imports(path: Path) -> list[str]:
    """Return `module:line` for each adoext import made inside a function of `path`."""
    return [f"{name}:{line}" for name, line in import_rules.function_level_imports(path, "adoext")]


def test_no_function_level_imports_of_adoext_outside_the_lazy_loaders() -> None:
    modules = sorted(SOURCE.rglob("*.py"))
    assert len(modules) > 40
    names = {path.relative_to(SOURCE).as_posix(): path for path in modules}
    offenders = {
        name: imports
        for name, path in names.items()
        if name not in LAZY_LOADERS and (imports := function_level_imports(path))
    }
    assert offenders == {}
    assert function_level_imports(SOURCE / "cli" / "commands.py")  # the lazy loaders are still lazy
