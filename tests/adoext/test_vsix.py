"""Determinism and round trip: identical bytes run after run; the package reads back as written."""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from adoext.package.api import read_vsix_identity
from adoext.package.rev_version import bump

from tests.adoext.conftest import Ext, base_manifest, read_parts


def sha256(path: Path) -> str:
    """Hash a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_inputs_give_identical_bytes(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    ext = make_ext()
    first = ext.package(output_path="one.vsix").path
    time.sleep(2.1)  # past the zip format's 2-second clock resolution
    (ext.root / "dist" / "hub.js").touch()
    second = ext.package(output_path="two.vsix").path
    assert sha256(first) == sha256(second)


def test_entry_order_times_and_permissions(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    path = make_ext().package().path
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names[0] == "[Content_Types].xml"
    assert names[1:] == sorted(names[1:])
    assert "dist/" in names and "img/" in names
    assert {i.date_time for i in infos} == {(2023, 11, 14, 22, 13, 20)}
    assert {i.external_attr >> 16 for i in infos if not i.is_dir()} == {0o100644}
    stored = {i.filename for i in infos if i.compress_type == zipfile.ZIP_STORED}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED}
    assert stored == {"dist/", "img/", "img/logo.png"}  # folders, and formats compressed already


def test_default_time_is_1980(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    with zipfile.ZipFile(make_ext().package().path) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_round_trip(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(public=True))
    result = ext.package()
    identity = read_vsix_identity(result.path)
    assert (identity.publisher, identity.extension_id, identity.version, identity.is_public) == (
        "fabrikam",
        "sample",
        "1.0.0",
        True,
    )
    assert result.size == result.path.stat().st_size
    parts = read_parts(result.path)
    assert parts["dist/hub.html"] == (ext.root / "dist" / "hub.html").read_bytes()
    vso = json.loads(parts["extension.vsomanifest"])
    assert vso["contributions"][0]["properties"]["uri"] == "dist/hub.html"
    assert b'<Asset Type="Microsoft.VisualStudio.Services.Manifest"' in parts["extension.vsixmanifest"]


def test_read_identity_of_a_non_vsix(tmp_path: Path) -> None:
    from adoext.errors import PackageError

    bogus = tmp_path / "x.vsix"
    bogus.write_text("not a zip")
    with pytest.raises(PackageError, match="not a readable .vsix"):
        read_vsix_identity(bogus)


@pytest.mark.parametrize(
    ("old", "new"), [("01.01.01", "1.1.2"), ("1.0", "1.1"), ("1.2.3.4", "1.2.3.5"), ("1.0.0-beta", "1.0.1")]
)
def test_bump(old: str, new: str) -> None:
    assert bump(old) == new


def test_rev_version_rewrites_the_manifest_after_packaging(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    before = (ext.root / "vss-extension.json").read_text()
    result = ext.package(rev_version=True)
    assert result.version == "1.0.1" and read_vsix_identity(result.path).version == "1.0.1"
    after = (ext.root / "vss-extension.json").read_text()
    assert after == before.replace('"version": "1.0.0"', '"version": "1.0.1"')


def test_rev_version_rewrites_a_json5_manifest_in_place(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    text = json.dumps(base_manifest(version=None))[1:-1]
    ext.write("vss-extension.json", "{\n  // comment\n  version: '1.2.3',\n" + text + ",\n}\n")
    assert ext.package(rev_version=True, json5=True).version == "1.2.4"
    assert "  version: '1.2.4',\n" in (ext.root / "vss-extension.json").read_text()
    assert "// comment" in (ext.root / "vss-extension.json").read_text()


def test_localized_parts(make_ext: Callable[..., Ext]) -> None:
    manifest = base_manifest(name="i18n:Sample")
    manifest["contributions"][0]["properties"]["name"] = "i18n:Hub"
    ext = make_ext(manifest)
    ext.write(
        "loc/de-DE/resources.resjson",
        {"displayName": "Beispiel", "contributions.hub.properties.name": "Nabe"},
    )
    parts = read_parts(ext.package(loc_root=Path("loc")).path)
    assert json.loads(parts["extension.vsomanifest"])["contributions"][0]["properties"]["name"] == "Hub"
    assert (
        json.loads(parts["de-DE/extension.vsomanifest"])["contributions"][0]["properties"]["name"] == "Nabe"
    )
    assert b"<LocalizedName>Beispiel</LocalizedName>" in parts["de-DE/Extension.vsixlangpack"]
    assert (
        b'Path="de-DE/extension.vsomanifest" Addressable="true" Lang="de-DE"'
        in parts["extension.vsixmanifest"]
    )
    types = parts["[Content_Types].xml"].decode()
    assert '<Default Extension=".vsixlangpack" ContentType="text/xml"/>' in types  # not tfx's "directory)"
