"""Issue 13, classes 1 and 8: every packagePath a file is mapped to, and tfx's part-name rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from adoext.errors import ValidationFailed

from tests.adoext.conftest import Ext, base_manifest, read_parts


def outside_root(make_ext: Callable[..., Ext], files: list[dict[str, Any]]) -> Ext:
    """An extension whose `files` also name ../shared/lib.js, outside --root."""
    ext = make_ext(base_manifest(files=[*base_manifest()["files"], *files]))
    ext.write("../shared/lib.js", "export const x = 1;")
    ext.write("../shared/sub/util.js", "export const y = 2;")
    return ext


@pytest.mark.parametrize(
    "files",
    [
        [{"path": "../shared/lib.js", "packagePath": ["lib/a.js", "lib/b.js", "lib/c.js"]}],
        [
            {"path": "../shared/lib.js", "packagePath": "lib/a.js"},
            {"path": "../shared/lib.js", "packagePath": "lib/b.js"},
            {"path": "../shared/lib.js", "packagePath": ["lib/c.js", "lib/a.js"]},
        ],
    ],
    ids=["packagePath-array", "several-entries"],
)
def test_a_file_outside_root_may_have_several_package_paths(
    make_ext: Callable[..., Ext], files: list[dict[str, Any]]
) -> None:
    parts = read_parts(outside_root(make_ext, files).package().path)
    for name in ("lib/a.js", "lib/b.js", "lib/c.js"):
        assert parts[name] == b"export const x = 1;"


def test_a_folder_packaged_twice_gives_both_copies(make_ext: Callable[..., Ext]) -> None:
    files = [
        {"path": "../shared", "packagePath": "v1/shared"},
        {"path": "../shared", "packagePath": "v2/shared"},
    ]
    parts = read_parts(outside_root(make_ext, files).package().path)
    for version in ("v1", "v2"):
        assert parts[f"{version}/shared/lib.js"] == b"export const x = 1;"
        assert parts[f"{version}/shared/sub/util.js"] == b"export const y = 2;"


def test_a_folder_inside_root_also_mapped_elsewhere_keeps_its_own_name(make_ext: Callable[..., Ext]) -> None:
    files = [{"path": "dist", "addressable": True}, {"path": "dist", "packagePath": "copy"}]
    ext = make_ext(base_manifest(files=[*files, {"path": "img", "addressable": True}]))
    parts = read_parts(ext.package().path)
    assert parts["dist/hub.js"] == parts["copy/hub.js"] == b"console.log(1);"


def test_a_file_outside_root_without_package_path_is_still_refused(make_ext: Callable[..., Ext]) -> None:
    ext = outside_root(make_ext, [{"path": "../shared/lib.js"}])
    with pytest.raises(ValidationFailed) as failed:
        ext.package()
    assert any("is outside --root" in problem for problem in failed.value.problems)


@pytest.mark.parametrize(
    "name", ["café.js", "a{b}.js", 'a"b.js', "a|b.js", "a\\b.js", "100%.js", "a%zz.js", "a b.js"]
)
def test_names_tfx_refuses_are_refused(make_ext: Callable[..., Ext], name: str) -> None:
    ext = make_ext()
    ext.write(f"dist/{name}", "x")
    with pytest.raises(ValidationFailed) as failed:
        ext.package()
    (problem,) = failed.value.problems
    assert f"Part Name 'dist/{name}' is invalid" in problem and "only ASCII letters, digits" in problem


def test_names_tfx_accepts_are_accepted(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    names = ["a+b(1)!.js", "x;y=z@w.js", "%41.js", "~t$'&,.js"]
    for name in names:
        ext.write(f"dist/{name}", "x")
    parts = read_parts(ext.package().path)
    assert all(f"dist/{name}" in parts for name in names)


def test_a_further_package_path_that_breaks_the_rule_is_a_warning(make_ext: Callable[..., Ext]) -> None:
    files = [{"path": "dist/hub.js", "packagePath": ["dist/hub.js", "copies/hüb.js"]}]
    ext = make_ext(base_manifest(files=[*files, *base_manifest()["files"]]))
    result = ext.package()
    assert any("Part Name 'copies/hüb.js' is invalid" in str(w) for w in result.warnings)


@pytest.mark.parametrize(
    "files",
    [
        [{"path": "dist/hub.js", "addressable": True, "assetType": "T", "packagePath": ["x.js", "y.js"]}],
        [{"path": "dist", "addressable": True}, {"path": "dist/hub.js", "addressable": True}],
    ],
    ids=["packagePath-array-with-assetType", "listed-again-as-addressable"],
)
def test_one_file_with_an_addressable_asset_type_twice_is_refused(
    make_ext: Callable[..., Ext], files: list[dict[str, Any]]
) -> None:
    """tfx adds each name's asset types to the file's rows and then fails (exit 255): "Cannot have
    multiple 'addressable' files with the same 'assetType'. File1: x/b.js, File 2: x/b.js (asset type: T)"."""
    ext = make_ext(base_manifest(files=[*files, {"path": "img", "addressable": True}]))
    with pytest.raises(ValidationFailed) as failed:
        ext.package()
    (problem,) = failed.value.problems
    assert "Cannot have multiple 'addressable' files with the same 'assetType'" in problem


def test_an_icon_outside_root_packaged_under_a_package_path_is_not_zipped_as_dotdot(
    make_ext: Callable[..., Ext],
) -> None:
    """tfx zips it again at its own path, '../shared/logo.png' (and folder entries '../'): a name that
    unzips outside the package. adoext leaves that copy out, with a warning; the icon is the packagePath."""
    files = [{"path": "dist", "addressable": True}, {"path": "../shared/logo.png", "packagePath": "logo.png"}]
    ext = make_ext(base_manifest(files=files, icons={"default": "../shared/logo.png"}))
    ext.write("../shared/logo.png", (ext.root / "img" / "logo.png").read_bytes())
    result = ext.package()
    parts = read_parts(result.path)
    assert "logo.png" in parts and not any(name.startswith("..") for name in parts)
    assert any("not again as '../shared/logo.png'" in str(w) for w in result.warnings)


def test_an_icon_in_a_folder_that_is_not_addressable_has_no_asset_and_a_warning(
    make_ext: Callable[..., Ext],
) -> None:
    """tfx 0.23.1 writes no <Asset> (so no <Icon>) for an icon first packaged by such a folder."""
    ext = make_ext(base_manifest(files=[{"path": "dist", "addressable": True}, {"path": "img"}]))
    result = ext.package()
    manifest = read_parts(result.path)["extension.vsixmanifest"].decode()
    assert "Icons.Default" not in manifest and "img/logo.png" in read_parts(result.path)
    [warning] = [str(w) for w in result.warnings if "gets no asset" in str(w)]
    assert "$.icons.default" in warning and 'Add "addressable": true to $.files[1]' in warning
