"""An --override that changes nothing is an error, as the README's table says: blank text is no
exception (it used to be skipped silently, as if the option were absent)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from adoext.cli import get_cli
from click.testing import CliRunner

from tests.adoext.conftest import Ext


@pytest.mark.parametrize("value", ["", "   ", "\n", "[1]"])
@pytest.mark.parametrize("command", ["package", "validate"])
def test_an_override_that_changes_nothing_is_refused(
    make_ext: Callable[..., Ext], command: str, value: str
) -> None:
    ext = make_ext()
    extra = ["--output-path", str(ext.root / "out.vsix")] if command == "package" else []
    result = CliRunner().invoke(get_cli(), [command, "--root", str(ext.root), "--override", value, *extra])

    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --override"), result.stderr
    assert not (ext.root / "out.vsix").exists()
