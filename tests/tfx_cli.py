"""tfx-cli 0.23.1 and its own node_modules (onecolor among them), pinned by tests/publish/tfx_cli's
package-lock.json and installed there with ``npm ci`` the first time a session needs them
(node_modules is ignored by git and reused while the lock is unchanged). tests/conftest.py's
`tfx_cli_modules` fixture installs it; the tests that run tfx or compare with its libraries use it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent / "publish" / "tfx_cli"
MODULES = PROJECT / "node_modules"
SCRIPT = MODULES / "tfx-cli" / "_build" / "tfx-cli.js"
STAMP = MODULES / ".report-bridge-installed"


def install() -> Path:
    """Install the pinned tfx-cli unless the installed copy matches the lock; return node_modules."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("tfx-cli needs Node.js and npm on PATH (the project requires Node 20)")
    want = hashlib.sha256((PROJECT / "package-lock.json").read_bytes()).hexdigest()[:16]
    if not SCRIPT.is_file() or not STAMP.is_file() or STAMP.read_text().strip() != want:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PROJECT,
                       check=True, timeout=600)
        STAMP.write_text(want + "\n")
    return MODULES
