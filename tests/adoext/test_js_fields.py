"""The manifest's fields as tfx's JavaScript reads them (continued from test_js_values.py): files entries,
written text and numbers, Q&A, scopes, restrictedTo, the Paid check, targets, and characters XML cannot
carry. Expected outputs are what tfx-cli 0.23.1 wrote for the same manifests, run side by side."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from adoext.errors import ManifestError, ValidationFailed

from tests.adoext.conftest import Ext, base_manifest, read_parts
from tests.adoext.test_js_values import manifest_parts

ASSET = '<Asset Type="{t}" d:Source="File" Path="{p}"{a}/>'


@pytest.mark.parametrize(
    ("entry", "entries", "assets", "override"),
    [  # what tfx-cli 0.23.1 packaged for each `files` entry (dist/hub.js left out of the comparison)
        ({"addressable": 1, "lang": 5, "contentType": True}, ["dist/hub.html"],
         ['<Asset Type="dist/hub.html" d:Source="File" Path="dist/hub.html" Addressable="true" Lang="5"/>'],
         '<Override ContentType="true" PartName="/dist/hub.html"/>'),
        ({"addressable": "false"}, ["dist/hub.html"],
         [ASSET.format(t="dist/hub.html", p="dist/hub.html", a=' Addressable="true"')], None),
        ({"addressable": True, "assetType": ["X", 5, ""]}, ["dist/hub.html"],
         [ASSET.format(t=t, p="dist/hub.html", a=' Addressable="true"') for t in ("X", "5", "")], None),
        ({"addressable": True, "packagePath": ""}, ["dist/hub.html"],
         [ASSET.format(t="dist/hub.html", p="dist/hub.html", a=' Addressable="true"')], None),
        ({"addressable": True, "partName": "p/a.html", "packagePath": "q/a.html"}, ["p/a.html"],
         [ASSET.format(t="p/a.html", p="p/a.html", a=' Addressable="true"')], None),
        ({"addressable": True, "packagePath": []}, [], [], None),
    ],
)  # fmt: skip
def test_a_files_entry_is_read_as_tfx_reads_its_values(
    make_ext: Callable[..., Ext],
    entry: dict[str, Any],
    entries: list[str],
    assets: list[str],
    override: str | None,
) -> None:
    manifest = base_manifest(files=[{"path": "dist/hub.html", **entry}, {"path": "img", "addressable": True}])
    parts = read_parts(make_ext(manifest).package().path)
    manifest_xml, types = parts["extension.vsixmanifest"].decode(), parts["[Content_Types].xml"].decode()
    assert [name for name in parts if name.startswith(("dist/", "p/", "q/")) and "." in name] == entries
    found = re.findall(r"<Asset [^>]*/>", manifest_xml)
    assert [a for a in found if "img/" not in a and "vsomanifest" not in a] == assets
    assert re.findall(r"<Override [^>]*hub\.html[^>]*/>", types) == ([override] if override else [])


def test_a_null_asset_type_is_left_out_with_a_warning_and_nothing_crashes(
    make_ext: Callable[..., Ext],
) -> None:
    manifest = base_manifest(files=[{"path": "dist/hub.html", "addressable": True, "assetType": [None, 7]}])
    result = make_ext(manifest).package()
    manifest_xml = read_parts(result.path)["extension.vsixmanifest"].decode()
    found = re.findall(r'<Asset Type="[^"]*" d:Source="File" Path="dist/hub.html"', manifest_xml)
    assert found == ['<Asset Type="7" d:Source="File" Path="dist/hub.html"']
    assert any("'assetType' has a null item" in str(w) for w in result.warnings)


def test_written_values_are_javascripts_text(make_ext: Callable[..., Ext]) -> None:
    """tfx wrote Value="true" for theme true, "1" for 1.0 and "1,a,true" for [1, "a", true]."""
    manifest = base_manifest(
        branding={"theme": True, "other": 1.0, "list": [1, "a", True]},
        targets=[{"id": "Microsoft.VisualStudio.Services", "version": 1.0}],
    )
    manifest_xml = read_parts(make_ext(manifest).package().path)["extension.vsixmanifest"].decode()
    assert 'Branding.Theme" Value="true"' in manifest_xml and 'Branding.Other" Value="1"' in manifest_xml
    assert 'Branding.List" Value="1,a,true"' in manifest_xml
    assert '<InstallationTarget Id="Microsoft.VisualStudio.Services" Version="1"/>' in manifest_xml


@pytest.mark.parametrize(
    ("qna", "link", "enabled"),
    [  # tfx-cli 0.23.1 writes into the object as it reads it: a later spelling reads what an earlier wrote
        ({"enableMarketplaceQnA": False, "uri": "https://a", "url": "https://b"}, "https://a", "false"),
        ({"url": "https://b", "uri": "https://a"}, "https://a", None),
        ({"Uri": "https://a", "URL": "https://b", "EnableMarketplaceQnA": True,
          "enableMarketplaceQnA": False}, "https://b", "true"),
    ],
)  # fmt: skip
def test_qna_spellings_resolve_as_tfx_resolves_them(
    make_ext: Callable[..., Ext], qna: dict[str, Any], link: str, enabled: str | None
) -> None:
    properties, vso = manifest_parts(make_ext(base_manifest(CustomerQnASupport=qna)))
    prefix = '<Property Id="Microsoft.VisualStudio.Services.'
    assert f'{prefix}CustomerQnALink" Value="{link}"/>' in properties
    flag = [p for p in properties if "EnableMarketplaceQnA" in p]
    assert flag == ([f'{prefix}EnableMarketplaceQnA" Value="{enabled}"/>'] if enabled else [])
    assert vso["CustomerQnASupport"]["url"] == link


def test_scopes_that_are_no_names_stay_in_as_in_tfx_with_a_warning(make_ext: Callable[..., Ext]) -> None:
    result = make_ext(base_manifest(scopes=["vso.work", 5, None, "vso.work", 5])).package()
    assert json.loads(read_parts(result.path)["extension.vsomanifest"])["scopes"] == ["vso.work", 5, None]
    assert sum("a scope must be a string" in str(w) for w in result.warnings) == 3


def test_numbers_and_lone_surrogates_are_written_as_json_stringify_writes_them(
    make_ext: Callable[..., Ext],
) -> None:
    """tfx-cli 0.23.1's vsomanifest for the same properties, line for line."""
    manifest = base_manifest()
    extra = {"big": 1e21, "small": 1e-7, "huge": 1.5e300, "bigint": 2**64 + 1, "f": 1.0, "neg": -0.0,
             "sur": "x \ud800 y", "e5": 0.00001, "n17": 12345678901234567890}  # fmt: skip
    manifest["contributions"][0]["properties"].update(extra)
    text = read_parts(make_ext(manifest).package().path)["extension.vsomanifest"].decode()
    expected = ['"big": 1e+21,', '"small": 1e-7,', '"huge": 1.5e+300,', '"bigint": 18446744073709552000,']
    expected += ['"f": 1,', '"neg": 0,', '"sur": "x \\ud800 y",', '"e5": 0.00001,']
    expected += ['"n17": 12345678901234567000']
    assert [line for line in expected if line not in text] == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"description": "x \x1f y"}, {"description": "x \ud800 y"}, {"name": "a\x00b"}, {"tags": ["t\x0b"]},
        {"galleryProperties": {"k": "v\uffff"}}, {"description": "x \ufffe"},
    ],
)  # fmt: skip
def test_a_character_xml_cannot_carry_is_one_error_and_nothing_is_written(
    make_ext: Callable[..., Ext], overrides: dict[str, Any]
) -> None:
    """tfx-cli 0.23.1 fails on each ("Invalid character in string"); adoext wrote a vsixmanifest no XML
    parser could read, or crashed on the lone surrogate."""
    ext = make_ext(base_manifest(**overrides))
    with pytest.raises(ManifestError) as caught:
        ext.package()
    assert "which XML cannot carry" in str(caught.value) and "\n" not in str(caught.value)
    assert not (ext.root / "out").exists()


def test_control_characters_xml_allows_are_written(make_ext: Callable[..., Ext]) -> None:
    parts = read_parts(make_ext(base_manifest(description="tab\there, del \x7f")).package().path)
    assert "tab\there, del \x7f" in parts["extension.vsixmanifest"].decode()


def test_restricted_to_items_that_are_not_strings_are_kept_as_tfx_keeps_them(
    make_ext: Callable[..., Ext],
) -> None:
    result = make_ext(base_manifest(restrictedTo=[5, None, "member"])).package()
    assert json.loads(read_parts(result.path)["extension.vsomanifest"])["restrictedTo"] == [5, None, "member"]
    assert sum("a restrictedTo item must be a string" in str(w) for w in result.warnings) == 2


@pytest.mark.parametrize("flags", [["PAID"], ["Preview,Paid"], "Preview,Paid\tFree", ["Paid"]])
def test_paid_anywhere_in_the_flags_needs_a_support_link_as_in_tfx(
    make_ext: Callable[..., Ext], flags: Any
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_ext(base_manifest(galleryFlags=flags)).package()
    assert any("Paid extensions are required to have a support link" in p for p in caught.value.problems)
    make_ext(base_manifest(galleryFlags=flags, links={"support": {"uri": "https://x"}})).package(
        output_path="out/linked.vsix"
    )


def test_a_content_type_given_as_a_number_is_its_text_as_in_tfx(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(content={"details": {"path": "d.md", "contentType": 5}}))
    ext.write("d.md", "# Overview")
    types = read_parts(ext.package().path)["[Content_Types].xml"].decode()
    assert '<Override ContentType="5" PartName="/d.md"/>' in types


@pytest.mark.parametrize(
    ("target", "shown"), [({"id": ""}, "''"), ({"version": "1"}, "'undefined'"), ("x", "'undefined'")]
)
def test_every_targets_entry_must_name_a_known_target_as_in_tfx(
    make_ext: Callable[..., Ext], target: Any, shown: str
) -> None:
    """tfx's composer factory reads every entry's id, also one its manifest builder skips for having none."""
    manifest = base_manifest(targets=[{"id": "Microsoft.VisualStudio.Services"}, target])
    with pytest.raises(ValidationFailed) as caught:
        make_ext(manifest).package()
    problems = caught.value.problems
    assert any(f"{shown} is not a recognized target" in p and "$.targets[1]" in p for p in problems)
