"""tfx is JavaScript: a manifest value reaches the package as JavaScript turns it into text (String()),
judges it (truthiness) and orders an object's keys (array indices first). adoext follows the same rules
wherever tfx's output depends on them. The expected lines are what tfx-cli 0.23.1 wrote for the same
manifests (run side by side on 2026-12-04); `jsvalues` itself is checked against Node."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from adoext.errors import ManifestError, ValidationFailed
from adoext.package.jsvalues import js_keys, js_string

from tests.adoext.conftest import Ext, base_manifest, read_parts

VALUES: list[Any] = [
    0, 1, -2.5, 1.0, 0.1, 1e-6, 1e-7, 1.5e-7, 0.000123, 1e20, 1e21, 1.2345678901234569e23, 5e-324,
    1.7976931348623157e308, 12345.678, 2**53 + 1, True, False, None, "", "text", [], [1, [2, None], "x"],
    [None], {}, {"a": 1}, [{"a": 1}],
]  # fmt: skip
KEYS = {"b": 1, "10": 2, "2": 3, "01": 4, "-1": 5, "4294967295": 6, "4294967294": 7, "a": 8}


@pytest.mark.skipif(shutil.which("node") is None, reason="compares with Node's own String()")
def test_string_and_key_order_are_nodes() -> None:
    script = "const [v, k] = JSON.parse(process.argv[1]);"
    script += "console.log(JSON.stringify([v.map(String), Object.keys(k)]))"
    argument = json.dumps([VALUES, KEYS])
    node = subprocess.run(
        ["node", "-e", script, argument], capture_output=True, text=True, check=True, timeout=60
    )
    strings, keys = json.loads(node.stdout)
    assert [js_string(value) for value in VALUES] == strings
    assert js_keys(KEYS) == keys


def manifest_parts(ext: Ext) -> tuple[list[str], dict[str, Any]]:
    """Package; return the vsixmanifest's Property lines and the vsomanifest."""
    parts = read_parts(ext.package().path)
    properties = re.findall(r"<Property [^>]*/>", parts["extension.vsixmanifest"].decode())
    return properties, json.loads(parts["extension.vsomanifest"])


def gallery_lines(properties: list[str]) -> list[str]:
    return [line for line in properties if ".GalleryProperties." in line]


def test_gallery_properties_take_javascripts_text_and_skip_what_it_calls_false(
    make_ext: Callable[..., Ext],
) -> None:
    gallery = {"b": 1, "2": 0.5, "1": [1, None, 2], "zero": 0, "off": False, "on": True, "obj": {"x": 1}}
    ext = make_ext(base_manifest(galleryProperties=gallery))
    properties, _ = manifest_parts(ext)
    prefix = '<Property Id="Microsoft.VisualStudio.Services.GalleryProperties.'
    assert gallery_lines(properties) == [  # tfx: indices first; 0 and false skipped with a warning
        f'{prefix}1" Value="1,,2"/>',
        f'{prefix}2" Value="0.5"/>',
        f'{prefix}B" Value="1"/>',
        f'{prefix}On" Value="true"/>',
        f'{prefix}Obj" Value="[object Object]"/>',
    ]
    warnings = [str(w) for w in ext.package(output_path="out/again.vsix").warnings]
    assert sum("incorrectly formed property group" in w for w in warnings) == 2


def test_gallery_properties_as_an_array_are_written_as_tfx_writes_them_with_a_warning(
    make_ext: Callable[..., Ext],
) -> None:
    ext = make_ext(base_manifest(galleryProperties=[{"markdownItParser": True}]))
    properties, _ = manifest_parts(ext)
    assert gallery_lines(properties) == [
        '<Property Id="Microsoft.VisualStudio.Services.GalleryProperties.0" Value="[object Object]"/>'
    ]
    [warning] = [str(w) for w in ext.package(output_path="out/again.vsix").warnings if "array" in str(w)]
    assert '"galleryProperties": {"markdownItParser": true}' in warning


@pytest.mark.parametrize(
    ("manifest", "flags"),
    [
        ({"galleryFlags": ["Public", "Preview"], "public": True}, "Public Preview"),  # Public keeps its place
        ({"galleryFlags": ["Preview", "Public"], "public": True}, "Preview Public"),
        ({"public": True, "galleryFlags": ["Preview"]}, "Public Preview"),
        ({"galleryFlags": ["Public", "Preview"], "public": False}, "Preview"),
    ],
)
def test_public_adds_its_flag_where_tfx_does(
    make_ext: Callable[..., Ext], manifest: dict[str, Any], flags: str
) -> None:
    parts = read_parts(make_ext(base_manifest(**manifest)).package().path)
    assert f"<GalleryFlags>{flags}</GalleryFlags>" in parts["extension.vsixmanifest"].decode()


def test_objects_keep_javascripts_key_order_in_the_vsomanifest(make_ext: Callable[..., Ext]) -> None:
    manifest = base_manifest()
    hub = manifest["contributions"][0]
    hub["properties"] = {**hub["properties"], "b": 1, "2": "two", "1": {"z": 1, "0": 0}}
    _, vso = manifest_parts(make_ext(manifest))
    properties = vso["contributions"][0]["properties"]
    assert list(properties)[:2] == ["1", "2"] and list(properties["1"]) == ["0", "z"]
    assert list(properties)[-1] == "b"


def test_a_contribution_icon_served_from_the_base_uri_is_not_looked_for_in_the_package(
    make_ext: Callable[..., Ext],
) -> None:
    manifest = base_manifest(baseUri="https://localhost:3000")
    manifest["contributions"][0]["properties"]["icon"] = "assets/not-packaged.png"
    warnings = [str(w) for w in make_ext(manifest).package().warnings]
    assert not [w for w in warnings if "is not a file in the package" in w]
    manifest.pop("baseUri")
    warnings = [str(w) for w in make_ext(manifest).package(output_path="out/local.vsix").warnings]
    assert [w for w in warnings if "contribution icon 'assets/not-packaged.png'" in w]


def test_list_fields_take_any_json_items_as_tfx_joins_them(make_ext: Callable[..., Ext]) -> None:
    tags = ["a", 1, True, None, {"x": 1}, [2, 3], "a", 1.0, "1", "b,c", ""]
    manifest = base_manifest(tags=tags, categories=["Azure Boards", 5], galleryFlags=["Preview", 7])
    manifest_xml = read_parts(make_ext(manifest).package().path)["extension.vsixmanifest"].decode()
    found = dict(re.findall(r"<(Tags|Categories|GalleryFlags)>(.*?)</", manifest_xml))
    # tfx: a repeated "a" and 1.0 (the number 1 again) dropped, "1" kept (a string), null empty.
    assert found == {
        "Tags": "a,1,true,,[object Object],2,3,1,b,c,",
        "Categories": "Azure Boards,5",
        "GalleryFlags": "Preview 7",
    }


@pytest.mark.parametrize(
    ("description", "refused"),
    [
        (True, True), (5, True), ({"a": 1}, True),  # JavaScript finds no length: tfx refuses them
        ("\U0001f600" * 101, True), ("\U0001f600" * 100, False),  # an emoji is two UTF-16 units
        ("", False), (0, False), ("x" * 200, False),
    ],
)  # fmt: skip
def test_the_description_rule_reads_lengths_as_javascript_does(
    make_ext: Callable[..., Ext], description: Any, refused: bool
) -> None:
    ext = make_ext(base_manifest(description=description))
    if refused:
        with pytest.raises(ValidationFailed) as caught:
            ext.package()
        assert "'description' must be less than 200 characters" in caught.value.problems[0]
    else:
        ext.package()


@pytest.mark.parametrize("key", ["name", "publisher"])
def test_a_name_of_white_space_packages_as_with_tfx_with_a_warning(
    make_ext: Callable[..., Ext], key: str
) -> None:
    result = make_ext(base_manifest(**{key: "  "})).package()
    assert any(f"'{key}' is only white space" in str(w) for w in result.warnings)


@pytest.mark.parametrize(
    ("friendly", "warned"),
    [("\U0001f600" * 40, False), ("\U0001f600" * 41, True), ("a\ufe0f" * 40, False), ("a" * 41, True)],
)
def test_a_task_friendly_name_is_counted_as_tfx_counts_it(
    make_ext: Callable[..., Ext], friendly: str, warned: bool
) -> None:
    task = {"id": "t", "type": "ms.vss-distributed-task.task", "targets": ["ms.vss-distributed-task.tasks"]}
    manifest = base_manifest(files=[{"path": "mytask"}, {"path": "img", "addressable": True}])
    manifest["contributions"] = [{**task, "properties": {"name": "mytask"}}]
    ext = make_ext(manifest)
    ext.write("mytask/run.js", "1")
    ext.write(
        "mytask/task.json",
        {
            "id": "7c939663-33ca-4cb6-9b8c-6e164d446eea", "name": "MyTask", "friendlyName": friendly,
            "instanceNameFormat": "Run", "execution": {"Node20_1": {"target": "run.js"}},
        },
    )  # fmt: skip
    warnings = [str(w) for w in ext.package().warnings]
    assert any("friendlyName is a required string" in w for w in warnings) == warned


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
