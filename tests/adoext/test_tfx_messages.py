"""Issue 13, class 10: messages name what is wrong in the user's terms, never as raw Python text."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from adoext.cli import get_cli
from click.testing import CliRunner

from tests.adoext.conftest import Ext


def errors(ext: Ext, monkeypatch: pytest.MonkeyPatch, *args: str) -> list[str]:
    """Run `adoext package` and return its stderr lines (it must fail)."""
    monkeypatch.chdir(ext.root)
    result = CliRunner().invoke(
        get_cli(), ["package", *args, "--output-path", "o.vsix"], catch_exceptions=False
    )
    assert result.exit_code != 0
    lines = result.stderr.splitlines()
    assert not any("Errno" in line or "Traceback" in line for line in lines), lines
    return lines


def test_a_missing_overrides_file_says_so(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert errors(make_ext(), monkeypatch, "--overrides-file", "over.json") == [
        "Error: over.json: overrides file not found. Check the path (relative to the current folder)."
    ]


def test_a_manifest_that_is_a_folder(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    ext = make_ext()
    (ext.root / "parts.json").mkdir()
    assert errors(ext, monkeypatch, "--manifests", "parts.json") == [
        "Error: parts.json: is a folder, not a manifest. Name the file (relative to --root)."
    ]


def test_a_manifest_that_is_not_utf8(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    ext = make_ext()
    ext.write("vss-extension.json", b"\xff\xfe{")
    assert errors(ext, monkeypatch) == [
        "Error: vss-extension.json: the manifest is not UTF-8 text. Save it as UTF-8."
    ]


def test_a_broken_resources_file(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    ext = make_ext()
    ext.write("loc/de-DE/resources.resjson", "{oops")
    (line,) = errors(ext, monkeypatch, "--loc-root", "loc")
    assert line.startswith("Error: ") and "loc/de-DE/resources.resjson: invalid JSON5" in line


def test_an_unreadable_folder(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder whose path is too long to open (ENAMETOOLONG, which binds root too) is one line."""
    ext = make_ext()
    fd = os.open(ext.root / "dist", os.O_RDONLY)
    try:
        for _ in range(24):  # 24 x 200 characters: past PATH_MAX (4096)
            os.mkdir("d" * 200, dir_fd=fd)
            child = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
    finally:
        os.close(fd)
    lines = errors(ext, monkeypatch)
    assert any("cannot read the folder" in line and "File name too long" in line for line in lines), lines
