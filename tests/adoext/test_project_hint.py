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
