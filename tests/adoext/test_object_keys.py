"""Manifest objects read as tfx-cli 0.23.1 reads them, with Object.keys: an array's keys are its indices,
a string's its characters'. Each expected value below was observed with tfx-cli 0.23.1."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from adoext.errors import ValidationFailed
from adoext.package.jsvalues import js_entries
from adoext.package.lodash_paths import get as lodash_get

from tests.adoext.conftest import PNG_1X1, Ext, base_manifest

PROP = "Microsoft.VisualStudio.Services."


def _manifest(ext: Ext) -> str:
    with zipfile.ZipFile(ext.package().path) as archive:
        return archive.read("extension.vsixmanifest").decode()


def _problems(ext: Ext) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        ext.package()
    return caught.value.problems


def test_js_entries_follows_object_keys() -> None:
    assert js_entries({"b": 1, "1": 2, "a": 3, "0": 4}) == [("0", 4), ("1", 2), ("b", 1), ("a", 3)]
    assert js_entries(["x", None]) == [("0", "x"), ("1", None)]
    assert js_entries("a\U0001f600") == [("0", "a"), ("1", "\ud83d"), ("2", "\ude00")]
    assert js_entries(5) == js_entries(True) == []
    with pytest.raises(TypeError):
        js_entries(None)


def test_lodash_get_reads_a_key_as_a_path() -> None:
    links: dict[str, Any] = {"home": {"x": {"uri": "deep"}}, "a.uri": "whole", "": {"uri": "empty"}}
    assert lodash_get(links, "home.x.uri") == "deep"
    assert lodash_get(links, "a.uri") == "whole"  # a key of the object itself comes first
    assert lodash_get(links, ".uri") == "empty"
    assert lodash_get(links, 'home["x"].uri') == "deep"
    assert lodash_get([{"uri": "first"}], "0.uri") == "first"
    assert lodash_get(links, "home.x.uri.more") is None


def test_links_as_an_array_are_numbered(make_ext: Callable[..., Ext]) -> None:
    manifest = _manifest(make_ext(base_manifest(links=[{"uri": "https://a"}])))
    assert f'<Property Id="{PROP}Links.0" Value="https://a"/>' in manifest


def test_a_link_key_with_a_dot_is_a_path_and_skipped(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(links={"home.x": {"uri": "https://a"}}))
    result = ext.package()
    assert any("'uri' property not found for link: 'home.x'... ignoring." in str(w) for w in result.warnings)
    assert "Links." not in _manifest(ext)


def test_a_whole_path_key_wins(make_ext: Callable[..., Ext]) -> None:
    links = {"home": {"uri": "https://a"}, "home.uri": "https://z"}
    manifest = _manifest(make_ext(base_manifest(links=links)))
    assert f'<Property Id="{PROP}Links.Home" Value="https://z"/>' in manifest


def test_branding_as_an_array_is_numbered(make_ext: Callable[..., Ext]) -> None:
    manifest = _manifest(make_ext(base_manifest(branding=["x", {"a": 1}])))
    assert f'<Property Id="{PROP}Branding.0" Value="x"/>' in manifest
    assert f'<Property Id="{PROP}Branding.1" Value="[object Object]"/>' in manifest


def test_repository_as_an_array_has_no_type(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(repository=[{"type": "git", "url": "https://x"}]))
    [problem] = _problems(ext)
    assert "$.repository: Repository must have a 'type' property." in problem


def test_icons_as_an_array_are_numbered_and_packaged(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(icons=["img/logo.png"]))
    manifest = _manifest(ext)
    assert f'<Asset Type="{PROP}Icons.0" d:Source="File" Path="img/logo.png" Addressable="true"/>' in manifest


def test_icons_as_a_string_fails(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(icons="i.png"))
    ext.write("i.png", PNG_1X1)
    [problem] = _problems(ext)
    assert "$.icons: 'icons' is a string" in problem and "All 'files' must include a 'path'." in problem


def test_content_as_an_array_is_numbered_and_packaged(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(content=[{"path": "d.md"}]))
    ext.write("d.md", "# d\n")
    with zipfile.ZipFile(ext.package().path) as archive:
        assert "d.md" in archive.namelist()
        manifest = archive.read("extension.vsixmanifest").decode()
    assert f'<Asset Type="{PROP}Content.0" d:Source="File" Path="d.md" Addressable="true"/>' in manifest


def test_content_as_a_string_warns_per_character(make_ext: Callable[..., Ext]) -> None:
    result = make_ext(base_manifest(content="ab")).package()
    warned = [str(w) for w in result.warnings if "Did not find 'path' property" in str(w)]
    assert [w.split("content item ")[1] for w in warned] == ["'0'. Ignoring.", "'1'. Ignoring."]


def test_a_null_content_item_fails(make_ext: Callable[..., Ext]) -> None:
    [problem] = _problems(make_ext(base_manifest(content={"license": None})))
    assert "$.content.license: Content item 'license' is null" in problem


def test_badges_read_with_or_and_without_objects(make_ext: Callable[..., Ext]) -> None:
    badges = [5, [1], {"link": "", "href": "https://h", "imgUri": "https://i"}]
    manifest = _manifest(make_ext(base_manifest(badges=badges)))
    assert manifest.count("<Badge/>") == 2
    assert '<Badge Link="https://h" ImgUri="https://i"/>' in manifest


@pytest.mark.parametrize("badge", [None, "x"])
def test_a_null_or_string_badge_fails(make_ext: Callable[..., Ext], badge: Any) -> None:
    [problem] = _problems(make_ext(base_manifest(badges=[badge])))
    assert "$.badges[0]: A badge must be an object" in problem
