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
from adoext.errors import ValidationFailed
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
