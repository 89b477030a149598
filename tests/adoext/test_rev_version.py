"""--rev-version with versions tfx-cli 0.23.1 reads, and with versions it cannot parse.

tfx splits the version at each '.' and reads every piece as JavaScript's parseInt; when a piece is not a
number, one is negative or all are zero, it warns "Could not parse <version> as a version (e.g.
major.minor.patch). Skipping version rev...", packages the version as it is and leaves that file alone
(exit 0). Every expected value below was observed running tfx-cli 0.23.1 on Node 20.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from adoext.cli import get_cli
from adoext.errors import ValidationFailed
from adoext.package.api import read_vsix_identity
from adoext.package.rev_version import bump
from click.testing import CliRunner

from tests.adoext.conftest import Ext, base_manifest

# Not versions to tfx: a letter first, an empty piece, "0x" without digits, a negative piece, only zeros,
# and digits that are not ASCII or whitespace that is not JavaScript's (\x85).
UNPARSEABLE = [
    "v1.0.0", "abc", "1..0", "1.0.0.", ".", "1.x", "1.0x", "0x.1", "-1.0", "1.-1", "- 1.0", "0.0.0", "0",
    "1.\uff12", "1.\u0663", "\u00851.2",
]  # fmt: skip
# What tfx made of these (a piece is read up to its first non-digit; 0x is hex; a double's precision).
PARSEABLE = {
    "1.0.0-beta.2": "1.0.0.3",
    "1.2.3+build.5": "1.2.3.6",
    "1e3.0": "1.1",
    "0x10.1": "16.2",
    "1.0x1g": "1.2",
    "1.9007199254740993": "1.9007199254740992",
    "1.1152921504606846977": "1.1152921504606847000",
    "1.999999999999999999999": "1.1e+21",
}


def skipped(version: str) -> str:
    """tfx's warning for a version it cannot parse, as adoext reports it (with where it came from)."""
    return (
        f"vss-extension.json: $.version: Could not parse {version} as a version (e.g. major.minor.patch). "
        "Skipping version rev..."
    )


@pytest.mark.parametrize(("old", "new"), PARSEABLE.items(), ids=PARSEABLE.keys())
def test_bump_reads_the_version_as_tfx_does(old: str, new: str) -> None:
    assert bump(old) == new


@pytest.mark.parametrize("version", UNPARSEABLE)
def test_bump_gives_none_for_what_tfx_cannot_parse(version: str) -> None:
    assert bump(version) is None


@pytest.mark.parametrize("version", UNPARSEABLE)
def test_an_unparseable_version_is_packaged_as_it_is_with_tfxs_warning(
    version: str, make_ext: Callable[..., Ext]
) -> None:
    ext = make_ext(base_manifest(version=version))
    before = (ext.root / "vss-extension.json").read_bytes()
    result = ext.package(rev_version=True)
    assert [str(w) for w in result.warnings] == [skipped(version)]
    assert result.version == version and read_vsix_identity(result.path).version == version
    assert (ext.root / "vss-extension.json").read_bytes() == before


def test_the_cli_warns_and_exits_0(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    ext = make_ext(base_manifest(version="v1.0.0"))
    before = (ext.root / "vss-extension.json").read_bytes()
    monkeypatch.chdir(ext.root)
    argv = ["package", "--rev-version", "--json", "--output-path", "o.vsix"]
    result = CliRunner().invoke(get_cli(), argv, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == ["warning: " + skipped("v1.0.0")]
    assert json.loads(result.stdout)["version"] == "v1.0.0"
    assert (ext.root / "vss-extension.json").read_bytes() == before


def test_each_file_is_judged_on_its_own_version(make_ext: Callable[..., Ext]) -> None:
    # tfx: the manifest's v1 is skipped with the warning, the overrides file's 2.0 becomes 2.1 (and wins).
    ext = make_ext(base_manifest(version="v1"))
    ext.write("over.json", '{"version": "2.0"}')
    result = ext.package(rev_version=True, overrides_file="over.json")
    assert [str(w) for w in result.warnings] == [skipped("v1")]
    assert result.version == "2.1"
    assert json.loads((ext.root / "vss-extension.json").read_text())["version"] == "v1"
    assert (ext.root / "over.json").read_text() == '{"version": "2.1"}'


def test_strict_makes_the_warning_an_error_and_writes_nothing(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(version="abc"))
    before = (ext.root / "vss-extension.json").read_bytes()
    with pytest.raises(ValidationFailed, match="1 problem") as failed:
        ext.package(rev_version=True, strict=True)
    assert failed.value.problems == [skipped("abc")]
    assert (ext.root / "vss-extension.json").read_bytes() == before
    assert not list(ext.root.glob("out/*.vsix"))
