"""Issue 13's public cases: adoext packages the inputs of tests/adoext/tfx_cases.py as tfx-cli 0.23.1 did.

The expected data (tfx_expected/<case>.json) was produced once by tfx itself (`python -m
tests.adoext.tfx_cases <tfx>`): zip entries, the generated manifests byte for byte, every part's
content type as [Content_Types].xml resolves it, and the files --rev-version rewrote (text and mode).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from adoext.cli import get_cli
from adoext.package.content_types import libmagic_available
from click.testing import CliRunner

from tests.adoext.tfx_cases import CASES, EXPECTED, case_folder, summary

NEEDS_LIBMAGIC = {"content-types"}  # tfx asked libmagic; without it adoext's table answers differently
# tfx's bug (reference §1.4): it runs `file` on localized parts that exist only in memory and keeps the
# last word of the error. adoext types them as the manifests they are.
DELIBERATE = {
    ("loc-root", "de-DE/Extension.vsixlangpack"): ("directory)", "text/xml"),
    ("loc-root", "de-DE/extension.vsomanifest"): ("directory)", "application/json"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_adoext_packages_the_case_as_tfx_did(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if name in NEEDS_LIBMAGIC and not libmagic_available():
        pytest.skip("libmagic is not installed (Debian: libmagic1)")
    cwd, args = case_folder(name, tmp_path / "in")
    out = tmp_path / "out.vsix"
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(
        get_cli(), ["package", *args, "--output-path", str(out), "--no-prompt", "--no-color"]
    )
    assert result.exit_code == 0, result.output
    expected = json.loads((EXPECTED / f"{name}.json").read_text())
    ours = summary(out, cwd, name)
    assert ours["entries"] == expected["entries"]
    for (case, part), (tfx_type, our_type) in DELIBERATE.items():
        if case == name:
            assert (expected["content_types"].pop(part), ours["content_types"].pop(part)) == (
                tfx_type,
                our_type,
            )
    assert ours["content_types"] == expected["content_types"]
    assert ours["generated"] == expected["generated"]
    assert ours["rewritten"] == expected["rewritten"]
