"""The backend's arrows point only downward: the import-linter contracts in the root pyproject.toml hold
(tests/adoext/test_layers.py runs lint-imports for both roots), no backend module imports another inside
a function except the documented lazy loading, and production start-up never reaches backend.devtools."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests import import_rules

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE = REPO_ROOT / "backend"
# The documented lazy loading (README, "Start-up"), each with what it saves:
LAZY = {
    # create_app's features: `report-bridge` commands other than serve never build an app, and importing
    # them all at module level made `import backend.cli` ~16 % more CPU and ~12 MiB more memory.
    "__init__.py": {
        "backend", "backend.api", "backend.audit", "backend.auth", "backend.azdo", "backend.database",
    },
    # the CLI's commands: `serve` alone imports gunicorn (the same lazy loading as adoext's commands).
    "cli.py": {"backend.serve"},
    # the database engines: psycopg is imported only when a PostgreSQL URL is configured.
    "storage/__init__.py": {"backend.storage.postgres", "backend.storage.sqlite"},
}


def function_level_imports(path: Path) -> set[str]:
    """Return the backend modules `path` imports inside a function."""
    return {name for name, _ in import_rules.function_level_imports(path, "backend")}


def test_no_function_level_imports_of_the_backend_outside_the_documented_lazy_loading() -> None:
    modules = sorted(SOURCE.rglob("*.py"))
    assert len(modules) > 60
    found = {path.relative_to(SOURCE).as_posix(): function_level_imports(path) for path in modules}
    offenders = {name: imports - LAZY.get(name, set()) for name, imports in found.items()}
    assert {name: imports for name, imports in offenders.items() if imports} == {}
    for name, allowed in LAZY.items():  # the lazy loaders are still lazy, so each entry is still needed
        assert found[name] == allowed, name


def test_production_start_up_never_imports_devtools(tmp_path: Path) -> None:
    """Build the app and load every production command; `report-bridge dev` is loaded only when asked."""
    program = """
import sys
from pathlib import Path

from tests import import_rules

import click

from backend import create_app
from backend.cli import cli
from backend.config import Settings

create_app(Settings(extension_secret="s" * 32, database=Path(sys.argv[1])))
context = click.Context(cli)
for name in cli.list_commands(context):
    if name != "dev":
        cli.get_command(context, name)
assert not [m for m in sys.modules if m.startswith("backend.devtools")], "devtools imported"
assert cli.get_command(context, "dev") is not None
assert "backend.devtools.dev_command" in sys.modules
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path / "app.db")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stdout + result.stderr
