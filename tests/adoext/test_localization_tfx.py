"""i18n: strings, `_<key>.comment` entries and --loc-root lookups, as tfx-cli 0.23.1 handles them.

Every expected value below is what tfx-cli 0.23.1 (`tfx extension create`) was observed to write for
the same inputs (differential sweep report 3, sections E4-E6, re-run by hand against tfx).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from adoext.package import lodash_paths

from tests.adoext.conftest import Ext, base_manifest, read_parts
from tests.adoext.test_tfx_messages import errors


def localized_manifest(**properties: Any) -> dict[str, Any]:
    """A manifest with an i18n: name and hub name; keyword arguments add hub properties."""
    manifest = base_manifest(name="i18n:Sample", description="i18n:Desc", releaseNotes="i18n:Notes")
    manifest["contributions"][0]["properties"].update({"name": "i18n:HubName", **properties})
    return manifest


def hub(parts: dict[str, bytes], name: str = "extension.vsomanifest") -> dict[str, Any]:
    """Return the hub contribution's properties from a vsomanifest part."""
    props: dict[str, Any] = json.loads(parts[name])["contributions"][0]["properties"]
    return props


def with_translations(make_ext: Callable[..., Ext], resjson: Any, **properties: Any) -> dict[str, bytes]:
    """Package localized_manifest() with loc/de-DE/resources.resjson and return its parts."""
    ext = make_ext(localized_manifest(**properties))
    ext.write("loc/de-DE/resources.resjson", json.dumps(resjson))
    return read_parts(ext.package(loc_root=Path("loc")).path)


def test_i18n_prefix_is_stripped_without_loc_root(make_ext: Callable[..., Ext]) -> None:
    """E4: tfx runs its loc key generator on every package, so the prefix goes without --loc-root too."""
    manifest = localized_manifest(deep={"x": ["i18n:A", "plain"]})
    manifest.update(
        tags=["i18n:T1", "plain"],
        categories=["i18n:Azure Boards"],
        galleryproperties={"p": "i18n:PV"},
        badges=[{"href": "https://x.org/a", "uri": "https://x.org/b.svg", "description": "i18n:BD"}],
        other="i18n:O",
    )
    parts = read_parts(make_ext(manifest).package().path)
    vsix = parts["extension.vsixmanifest"].decode()
    assert "i18n:" not in vsix
    for line in (
        "<DisplayName>Sample</DisplayName>",
        '<Description xml:space="preserve">Desc</Description>',
        "<Tags>T1,plain</Tags>",  # the joined list is one string: only its start is a prefix
        "<Categories>Azure Boards</Categories>",
        "<ReleaseNotes>Notes</ReleaseNotes>",
        'Value="PV"/>',
        'Description="BD"/>',
    ):
        assert line in vsix
    vso = json.loads(parts["extension.vsomanifest"])
    assert vso["contributions"][0]["properties"]["name"] == "HubName"
    assert vso["contributions"][0]["properties"]["deep"] == {"x": ["A", "plain"]}
    assert vso["badges"][0]["description"] == "BD"
    assert vso["other"] == "O"


def test_only_a_leading_prefix_of_the_joined_tags_goes(make_ext: Callable[..., Ext]) -> None:
    parts = read_parts(make_ext(base_manifest(tags=["plain", "i18n:T1"])).package().path)
    assert b"<Tags>plain,i18n:T1</Tags>" in parts["extension.vsixmanifest"]


def test_tags_lose_the_prefix_with_loc_root(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(tags=["i18n:T1", "plain"]))
    ext.write("loc/de-DE/resources.resjson", "{}")
    parts = read_parts(ext.package(loc_root=Path("loc")).path)
    assert b"<Tags>T1,plain</Tags>" in parts["extension.vsixmanifest"]


def test_comment_keys_are_left_out_of_every_vsomanifest(make_ext: Callable[..., Ext]) -> None:
    """E5: `_getLocResult` skips `_<key>.comment`, at any depth, in the default and each language."""
    parts = with_translations(
        make_ext, {"displayName": "Beispiel"}, **{"_name.comment": "hub", "deep": [{"_x.comment": 1, "y": 2}]}
    )
    for name in ("extension.vsomanifest", "de-DE/extension.vsomanifest"):
        props = hub(parts, name)
        assert "_name.comment" not in props
        assert props["deep"] == [{"y": 2}]
    plain = base_manifest()
    plain["contributions"][0]["properties"]["_name.comment"] = "no i18n at all"
    assert "_name.comment" not in hub(read_parts(make_ext(plain).package().path))


def test_nested_translations_work_like_dotted_keys(make_ext: Callable[..., Ext]) -> None:
    """E6: tfx expands the resjson with `_.set` and reads it with `_.get`."""
    resjson = {"contributions": {"hub": {"properties": {"name": "Nabe"}}}, "displayName": "Beispiel"}
    parts = with_translations(make_ext, resjson)
    assert hub(parts, "de-DE/extension.vsomanifest")["name"] == "Nabe"
    assert hub(parts)["name"] == "HubName"
    assert b"<LocalizedName>Beispiel</LocalizedName>" in parts["de-DE/Extension.vsixlangpack"]


def test_a_nested_translation_wins_over_a_dotted_one_written_before_it(make_ext: Callable[..., Ext]) -> None:
    nested = {"hub": {"properties": {"name": "n"}}}
    resjson = {"contributions.hub.properties.name": "flat", "contributions": nested}
    assert hub(with_translations(make_ext, resjson), "de-DE/extension.vsomanifest")["name"] == "n"


def test_empty_translations_fall_back_to_the_default(make_ext: Callable[..., Ext]) -> None:
    """E6: `_.get(translations) || _.get(defaults)`: "" and 0 are false."""
    resjson = {"contributions.hub.properties.name": "", "displayName": "", "description": 0}
    parts = with_translations(make_ext, resjson)
    assert hub(parts, "de-DE/extension.vsomanifest")["name"] == "HubName"
    langpack = parts["de-DE/Extension.vsixlangpack"]
    assert b"<LocalizedName>Sample</LocalizedName>" in langpack
    assert b"<LocalizedDescription>Desc</LocalizedDescription>" in langpack
    # tfx keys releaseNotes by its XML path, so a langpack has no default for it
    assert b"<LocalizedReleaseNotes/>" in langpack


def test_non_text_translations(make_ext: Callable[..., Ext]) -> None:
    """tfx writes a number or an object into the vsomanifest as it is, and String() in a langpack."""
    numbers = {"contributions.hub.properties.name": 5, "displayName": 7}
    parts = with_translations(make_ext, numbers, x="i18n:X")
    assert hub(parts, "de-DE/extension.vsomanifest")["name"] == 5
    assert b"<LocalizedName>7</LocalizedName>" in parts["de-DE/Extension.vsixlangpack"]
    parts = with_translations(make_ext, {"contributions.hub.properties.x": {"a": 1}}, x="i18n:X")
    assert hub(parts, "de-DE/extension.vsomanifest")["x"] == {"a": 1}


@pytest.mark.parametrize("value", [["x", "y"], {"a": 1}])
def test_a_langpack_translation_that_is_not_text(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch, value: Any
) -> None:
    """tfx fails on an array (`Invalid character in name`); adoext names the key instead of str()."""
    ext = make_ext(localized_manifest())
    ext.write("loc/de-DE/resources.resjson", json.dumps({"displayName": value}))
    lines = errors(ext, monkeypatch, "--loc-root", "loc")
    assert lines[0].startswith("error: ") and lines[0].endswith(
        'loc/de-DE/resources.resjson: "displayName" must be text, not an object or array.'
    )
    assert "['x'" not in "\n".join(lines) and "{'a'" not in "\n".join(lines)


@pytest.mark.parametrize("args", [(), ("--loc-root", "loc")])
def test_an_empty_default_fails(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    """tfx: `Could not find translation or default value for resource contributions.hub.properties.e`."""
    ext = make_ext(localized_manifest(e="i18n:"))
    ext.write("loc/de-DE/resources.resjson", "{}")
    lines = errors(ext, monkeypatch, *args)
    assert lines[0] == (
        'error: localized string "contributions.hub.properties.e" is empty: "i18n:" and no default text '
        '(tfx fails on it). Write its default text after "i18n:".'
    )
    assert len(lines) == 2


def test_resource_strings_are_looked_up_like_i18n_ones(make_ext: Callable[..., Ext]) -> None:
    """tfx turns i18n: into `resource:<key>` and resolves every such string, one the author wrote too."""
    copy = "resource:contributions.hub.properties.name"
    manifest = localized_manifest(copy=copy, title="resource:displayName")
    props = hub(read_parts(make_ext(manifest).package().path))
    assert (props["copy"], props["title"]) == ("HubName", "Sample")


def test_keys_lodash_set_refuses_are_left_out(make_ext: Callable[..., Ext]) -> None:
    """tfx rebuilds each vsomanifest with `_.set`, which skips constructor/prototype keys."""
    parts = read_parts(make_ext(localized_manifest(constructor="x", prototype={"a": 1})).package().path)
    assert "constructor" not in hub(parts) and "prototype" not in hub(parts)


def test_contributions_without_an_id_are_keyed_by_index(make_ext: Callable[..., Ext]) -> None:
    manifest = localized_manifest()
    second = {"type": "ms.vss-web.hub", "targets": ["ms.vss-work-web.work-hub-group"]}
    manifest["contributions"].append({**second, "properties": {"name": "i18n:N"}})
    ext = make_ext(manifest)
    ext.write("loc/de-DE/resources.resjson", json.dumps({"contributions.1.properties.name": "Eins"}))
    vso = json.loads(read_parts(ext.package(loc_root=Path("loc")).path)["de-DE/extension.vsomanifest"])
    assert vso["contributions"][1]["properties"]["name"] == "Eins"


def test_lodash_paths() -> None:
    """The lookups follow lodash 4's `_.get`/`_.set` path syntax (as tfx's `_.get` on the resjson does)."""
    expanded = lodash_paths.expand({'a["b.c"][0]': "q", "x.1": "y", "p.q": "r", "p.q.s": "t"})
    assert expanded == {"a": {"b.c": ["q"]}, "x": [None, "y"], "p": {"q": {"s": "t"}}}
    assert lodash_paths.get({"a.b": 1, "a": {"b": 2}}, "a.b") == 1  # a key present as a whole wins
    assert lodash_paths.get(expanded, "a['b.c'].0") == "q"
