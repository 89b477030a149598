"""A command that cannot find this project names the option it has: --project for manifest, else --root."""

from __future__ import annotations

from pathlib import Path

import pytest
from adoext.cli import get_cli
from click.testing import CliRunner


@pytest.mark.parametrize(
    ("args", "flag", "absent"),
    [
        (["validate", "--target-env", "dev"], "--root", "--project"),
        (["package", "--target-env", "dev"], "--root", "--project"),
        (["manifest", "--target-env", "dev"], "--project", "--root"),
    ],
)
def test_the_hint_names_an_option_of_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], flag: str, absent: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(get_cli(), args)

    assert result.exit_code == 2, result.output
    assert f"or pass {flag}." in result.stderr
    assert absent not in result.stderr


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["validate", "--root", "{path}"], "--root"),
        (["package", "--root", "{path}"], "--root"),
        (["validate", "--target-env", "dev", "--root", "{path}"], "--root"),
        (["package", "--target-env", "dev", "--root", "{path}"], "--root"),
        (["manifest", "--target-env", "dev", "--project", "{path}"], "--project"),
    ],
)
@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_named_folder_that_is_not_one_is_refused_before_any_search(
    project: Path, args: list[str], flag: str, kind: str
) -> None:
    """Inside a project, a --root or --project naming no folder is an error naming the option: not a
    search from the missing folder upwards that finds the project around it, nor 'manifest not found'."""
    named = project / "extension" / ("no-such-folder" if kind == "missing" else "package.json")
    if kind == "file":
        named.write_text("{}\n", encoding="utf-8")
    result = CliRunner().invoke(get_cli(), [arg.format(path=named) for arg in args])

    assert result.exit_code == 2, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert flag in line and f"'{named}'" in line, line
    # click's own check of --project (a click.Path that takes no file) words it "is a file".
    folder_wording = "is not a folder" if flag == "--root" else "is a file"
    wording = "does not exist" if kind == "missing" else folder_wording
    assert wording in line
    assert not list(project.rglob("*.vsix")) and not (project / "manifest" / "build").exists()
