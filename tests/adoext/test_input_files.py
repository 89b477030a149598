"""Every file adoext reads as input (a manifest, an overrides file, the project's sources, a --vsix) must
be a regular file of a sane size: a FIFO or device is one line (it would block, or never end), never a
hang or a crash. FIFOs are made in tmp_path; nothing opens them for writing, so a read would block."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from adoext.cli import get_cli
from click.testing import CliRunner, Result

from tests.adoext.conftest import REPO_ROOT, Ext

MAX_TEXT_INPUT = 16 * 1024 * 1024  # adoext.package.realpaths.MAX_TEXT_INPUT, as documented


def one_line(result: Result, code: int) -> str:
    assert result.exit_code == code, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("which", ["manifest", "overrides"])
def test_a_fifo_manifest_or_overrides_file_is_refused(
    make_ext: Callable[..., Ext], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    ext = make_ext()
    os.mkfifo(ext.root / "fifo.json")
    fifo = str(ext.root / "fifo.json")
    args = ["--manifests", "fifo.json"] if which == "manifest" else ["--overrides-file", fifo]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(get_cli(), ["validate", "--root", str(ext.root), *args])

    assert "not a regular file" in one_line(result, 2)


def test_a_manifest_over_the_input_limit_is_refused(make_ext: Callable[..., Ext], tmp_path: Path) -> None:
    ext = make_ext()
    (ext.root / "big.json").write_bytes(b" " * (MAX_TEXT_INPUT + 1))
    result = CliRunner().invoke(get_cli(), ["validate", "--root", str(ext.root), "--manifests", "big.json"])

    assert f"more than the {MAX_TEXT_INPUT:,}" in one_line(result, 2)


def test_a_fifo_environment_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO_ROOT / "manifest", tmp_path / "manifest", ignore=shutil.ignore_patterns("build"))
    (tmp_path / "manifest" / "env" / "dev.json").unlink()
    os.mkfifo(tmp_path / "manifest" / "env" / "dev.json")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(get_cli(), ["manifest", "--target-env", "dev"])

    assert "manifest/env/dev.json: cannot read it: not a regular file" in one_line(result, 2)
    assert not (tmp_path / "manifest" / "build").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["show"],
        ["isvalid"],
        ["publish", "--dry-run"],
        ["install", "--org", "contoso", "--dry-run"],
        ["share", "--org", "contoso", "--dry-run"],
    ],
)
def test_a_fifo_vsix_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    os.mkfifo(tmp_path / "pipe.vsix")
    monkeypatch.chdir(tmp_path)
    env = {"ADOEXT_PAT": "x" * 52, "AZURE_DEVOPS_EXT_PAT": None, "ADOEXT_SERVICE_URL": None}
    result = CliRunner().invoke(get_cli(), [*args, "--vsix", "pipe.vsix"], env=env)

    assert "not a regular file (a FIFO, device or socket)" in one_line(result, 4)
