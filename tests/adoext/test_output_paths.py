"""Every output path (`manifest --output`, `package --output-path`, --metadata-only) is checked one way:
option text that names no usable path is exit 2, a target that cannot be a regular file is exit 4, and
in both cases nothing is written, replaced or left behind."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from adoext.cli import get_cli
from click.testing import CliRunner, Result

from tests.adoext.conftest import Ext

LONG = "x" * 300 + ".json"
BAD_TEXT = ["", "   ", " lead.json", "bad\udcff.json", "new\nline.json", "tab\t.json"]


def tree(root: Path) -> dict[str, str]:
    """Return every path under `root` with its kind and, for files, its bytes' length and head."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        kind = "fifo" if path.is_fifo() else "dir" if path.is_dir() else path.read_bytes()[:64].hex()
        found[path.relative_to(root).as_posix()] = kind
    return found


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(get_cli(), args)


def assert_one_line(result: Result, code: int) -> str:
    assert result.exit_code == code, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert ".adoext-" not in lines[0]  # never the temporary file's name
    return lines[0]


@pytest.mark.parametrize("value", BAD_TEXT)
def test_manifest_output_text_that_names_no_usable_path(
    project: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    before = tree(project)
    result = run(["manifest", "--target-env", "dev", "--output", value], project, monkeypatch)

    assert "--output" in assert_one_line(result, 2)
    assert tree(project) == before


def make_target(project: Path, kind: str) -> str:
    """Put something other than a regular file where the manifest would go; return the --output value."""
    if kind == "fifo":
        os.mkfifo(project / "out.json")
        return "out.json"
    if kind == "folder":
        (project / "out.json").mkdir()
        return "out.json"
    if kind == "sidecar-fifo":
        os.mkfifo(project / "out.config.json")
        return "out.json"
    if kind == "sidecar-folder":
        (project / "out.config.json").mkdir()
        return "out.json"
    if kind == "long":
        return f"new/deeper/{LONG}"
    if kind == "under-a-file":
        (project / "plain").write_text("keep")
        return "plain/out.json"
    assert kind == "foreign-sidecar"
    (project / "out.config.json").write_text('{"mine": true}\n')
    return "out.json"


@pytest.mark.parametrize(
    "kind", ["fifo", "folder", "sidecar-fifo", "sidecar-folder", "long", "under-a-file", "foreign-sidecar"]
)
def test_manifest_targets_that_cannot_be_written(
    project: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    value = make_target(project, kind)
    before = tree(project)
    result = run(["manifest", "--target-env", "dev", "--output", value], project, monkeypatch)

    assert assert_one_line(result, 4).startswith("Error: cannot write ")
    assert tree(project) == before  # neither file of the pair, no folder, the FIFO still a FIFO


def test_manifest_replaces_its_own_pair(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "out.config.json").write_text('{"backendUrl": "https://old.example"}\n')
    (project / "out.json").write_text("{}\n")
    result = run(["manifest", "--target-env", "dev", "--output", "out.json"], project, monkeypatch)

    assert result.exit_code == 0, result.stderr
    config = json.loads((project / "out.config.json").read_text())
    assert set(config) == {"backendUrl"} and config["backendUrl"] != "https://old.example"
    assert json.loads((project / "out.json").read_text())["files"][-1]["path"] == "out.config.json"


PackageRunner = Callable[[list[str]], Result]


@pytest.fixture
def package_cli(
    make_ext: Callable[..., Ext], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> PackageRunner:
    ext = make_ext()
    monkeypatch.chdir(tmp_path)
    return lambda args: CliRunner().invoke(get_cli(), ["package", "--root", str(ext.root), *args])


@pytest.mark.parametrize("value", BAD_TEXT)
@pytest.mark.parametrize("metadata", [False, True])
def test_package_output_path_text_that_names_no_usable_path(
    package_cli: PackageRunner, tmp_path: Path, value: str, metadata: bool
) -> None:
    before = tree(tmp_path)
    result = package_cli(["--output-path", value, *(["--metadata-only"] if metadata else [])])

    assert "--output-path" in assert_one_line(result, 2)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("kind", ["fifo", "folder", "long"])
def test_package_targets_that_cannot_be_written(
    package_cli: PackageRunner, tmp_path: Path, kind: str
) -> None:
    if kind == "fifo":
        os.mkfifo(tmp_path / "out.vsix")
    elif kind == "folder":
        (tmp_path / "out.vsix").mkdir()
    value = f"new/{'x' * 300}.vsix" if kind == "long" else "out.vsix"
    before = tree(tmp_path)
    result = package_cli(["--output-path", value])

    assert assert_one_line(result, 4).startswith("Error: cannot write ")
    assert tree(tmp_path) == before
