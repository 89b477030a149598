"""adoext package vs tfx-cli 0.23.1's reference outputs in ../shared/conformance/tfx (read, never copied)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest
from adoext.cli import get_cli
from adoext.package.content_types import CONTENT_TYPES_PART, TFX_TABLE, extension_of, resolve
from click.testing import CliRunner

from tests.adoext.conftest import CONFORMANCE

pytestmark = pytest.mark.skipif(
    not (CONFORMANCE / "cases").is_dir(),
    reason=f"tfx conformance cases not found at {CONFORMANCE} (the shared folder beside the repository)",
)
CASES = sorted(p.name for p in (CONFORMANCE / "cases").iterdir()) if (CONFORMANCE / "cases").is_dir() else []
ORDER_INSENSITIVE = {"ado-extension-sample-globs"}  # tfx's glob order varies between its own runs
GENERATED = {CONTENT_TYPES_PART, "extension.vsixmanifest", "extension.vsomanifest"}
# Parts whose content type tfx took from `file --mime-type` and we take from our table, where the two differ.
# Every such difference must be listed here with its reason; an unlisted difference fails the test.
DELIBERATE_TYPE_DIFFERENCES: dict[tuple[str, str], str] = {}
# The parts whose type tfx took from `file --mime-type` (extension outside its table, or none): compared
# like every other part, listed so the test fails if a case stops exercising that path.
SNIFFED_BY_TFX = {
    ("ms-samples-fabrikam-build-tasks", "MyPlainTask2/README.txt"),
    ("multivalue-control-dev", "LICENSE"),
    ("npm-audit-widget", "LICENSE"),
}
# The upstream sample's widget points at widget-catalog/widget-catalog.html, which is not in the package
# (the bundle is dist/widget-catalog/...): tfx packages it silently; adoext packages it too but warns,
# and refuses it with --strict.
UNPACKAGED_URI = {"ado-extension-sample-globs": "widget-catalog/widget-catalog.html"}
NS = {"v": "http://schemas.microsoft.com/developer/vsx-schema/2011"}


def case_args(case: Path) -> list[str]:
    """Return the ARGS array from the case's args.sh, as bash reads it."""
    script = f"source {shlex.quote(str(case / 'args.sh'))}; printf '%s\\0' \"${{ARGS[@]}}\""
    out = subprocess.run(["bash", "-c", script], check=True, capture_output=True).stdout
    return [arg.decode() for arg in out.split(b"\0")[:-1]]


def run_case(case: Path, out: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> Any:
    """Run `adoext package` with the case's arguments in its input folder."""
    monkeypatch.chdir(case / "input")
    args = ["package", *case_args(case), *extra, "--output-path", str(out), "--no-prompt", "--no-color"]
    return CliRunner().invoke(get_cli(), args, catch_exceptions=False)


def elements(xml_bytes: bytes) -> list[tuple[str, list[tuple[str, str]], str]]:
    """Flatten an XML document to (tag, ordered attributes, text) in document order."""
    root = ET.fromstring(xml_bytes)
    return [(node.tag, list(node.attrib.items()), (node.text or "").strip()) for node in root.iter()]


def normalised_vso(data: dict[str, Any], case: str) -> dict[str, Any]:
    """Sort contributions/scopes where tfx's own order is not stable."""
    if case in ORDER_INSENSITIVE:
        data["contributions"] = sorted(data["contributions"], key=lambda c: c["id"])
        data["scopes"] = sorted(data["scopes"])
    return data


def assert_equivalent(case: str, vsix: Path) -> None:
    """Compare our package with tfx's expected output, part by part."""
    root = CONFORMANCE / "cases" / case
    expected_dir = root / "expected"
    with zipfile.ZipFile(vsix) as archive:
        names = archive.namelist()
        ours = {name: archive.read(name) for name in names}
    listing = [line for line in (root / "expected-zip-listing.txt").read_text().splitlines() if line]
    assert sorted(names) == sorted(listing)
    for name in names:
        if not name.endswith("/") and name not in GENERATED:
            assert ours[name] == (expected_dir / name).read_bytes(), f"{name} differs from the source file"
    expected_vsix = (expected_dir / "extension.vsixmanifest").read_bytes()
    assert elements(ours["extension.vsixmanifest"]) == elements(expected_vsix)
    assert ours["extension.vsixmanifest"] == expected_vsix  # byte parity, beyond the parsed comparison
    expected_vso = json.loads((expected_dir / "extension.vsomanifest").read_text())
    assert normalised_vso(json.loads(ours["extension.vsomanifest"]), case) == normalised_vso(
        expected_vso, case
    )
    ours_types = ours[CONTENT_TYPES_PART].decode()
    tfx_types = (expected_dir / CONTENT_TYPES_PART).read_text()
    differences = {}
    for name in names:
        if not name.endswith("/") and name != CONTENT_TYPES_PART:
            ours_type, tfx_type = resolve(ours_types, name), resolve(tfx_types, name)
            assert ours_type is not None, f"{name} has no content type"
            if ours_type != tfx_type:
                differences[(case, name)] = f"{tfx_type} -> {ours_type}"
    files = [n for n in names if not n.endswith("/") and n != CONTENT_TYPES_PART]
    sniffed = {(case, n) for n in files if extension_of(n).lower() not in TFX_TABLE}
    assert sniffed == {item for item in SNIFFED_BY_TFX if item[0] == case}
    expected_differences = {k: v for k, v in DELIBERATE_TYPE_DIFFERENCES.items() if k[0] == case}
    assert set(differences) == set(expected_differences), differences


@pytest.mark.parametrize(
    "case", [c for c in CASES if not (CONFORMANCE / "cases" / c / "EXPECT_FAIL").exists()]
)
def test_case_is_equivalent_to_tfx(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same parts, same bytes for copied files, same manifests, same content types as tfx 0.23.1."""
    out = tmp_path / "out.vsix"
    result = run_case(CONFORMANCE / "cases" / case, out, monkeypatch)  # tfx's own arguments, nothing added
    assert result.exit_code == 0, result.output
    assert_equivalent(case, out)
    uri_warnings = [line for line in result.stderr.splitlines() if "will fail to load" in line]
    if case in UNPACKAGED_URI:
        (line,) = uri_warnings
        assert line.startswith("warning:") and UNPACKAGED_URI[case] in line and "properties.uri" in line
    else:
        assert uri_warnings == []


@pytest.mark.parametrize("case", sorted(UNPACKAGED_URI))
def test_strict_refuses_a_contribution_uri_that_is_not_packaged(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --strict the warning is an error naming the manifest, JSON path and uri; nothing is written."""
    out = tmp_path / "out.vsix"
    result = run_case(CONFORMANCE / "cases" / case, out, monkeypatch, "--strict")
    assert result.exit_code == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and UNPACKAGED_URI[case] in errors[0] and "properties.uri" in errors[0]
    assert "widget-catalog.json" in errors[0]
    assert not out.exists()


@pytest.mark.parametrize("case", [c for c in CASES if (CONFORMANCE / "cases" / c / "EXPECT_FAIL").exists()])
def test_expected_failure_fails_the_same_way(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tfx's expected failure fails here too, with tfx's message, the file and JSON path, and no package."""
    root = CONFORMANCE / "cases" / case
    expected = root / "expected-error.txt"
    tfx_errors = [
        line.removeprefix("error: ")
        for line in expected.read_text().splitlines()
        if line.startswith("error: ") and "There were errors" not in line
    ]
    out = tmp_path / "out.vsix"
    result = run_case(root, out, monkeypatch)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    for message in tfx_errors:
        assert any(message in line and "vss-extension.json: $" in line for line in result.stderr.splitlines())
    assert not out.exists()
    assert not os.listdir(tmp_path)
