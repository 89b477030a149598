"""Issue 13, class 9: where tfx packages and no Marketplace rule rejects, adoext warns; --strict refuses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from adoext.errors import ValidationFailed

from tests.adoext.conftest import Ext, base_manifest

JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def test_a_jpeg_icon_is_accepted(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(icons={"default": "img/logo.jpg"}))
    ext.write("img/logo.jpg", JPEG)
    assert [str(w) for w in ext.package().warnings] == []
    assert [str(w) for w in ext.package(strict=True).warnings] == []


def test_a_missing_id_is_a_warning(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(id=None))
    result = ext.package(output_path="out/")
    assert any("'extensionId' is missing" in str(w) for w in result.warnings)
    assert result.path.name == "fabrikam.-1.0.0.vsix"
    with pytest.raises(ValidationFailed, match="1 problem"):
        ext.package(strict=True)


def test_files_given_as_a_string_is_ignored_with_a_warning(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(files="dist", icons=None))
    result = ext.package()
    assert any("$.files: 'files' is not an array" in str(w) for w in result.warnings)
    with pytest.raises(ValidationFailed):
        ext.package(strict=True)
