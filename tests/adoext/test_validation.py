"""One test per validation message: names the file and JSON path, says how to fix, writes nothing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from adoext.errors import ManifestError, ValidationFailed
from adoext.package.api import validate
from adoext.package.checks.packaged_files import check_files
from adoext.package.diagnostics import Report
from adoext.package.model import PackageFile

from tests.adoext.conftest import PNG_1X1, Ext, base_manifest


def errors_for(ext: Ext, **options: Any) -> list[str]:
    """Package; return the error lines (and check that nothing was written)."""
    with pytest.raises(ValidationFailed) as caught:
        ext.package(**options)
    assert not (ext.root / "out").exists()
    return caught.value.problems


def hub(uri: str = "dist/hub.html", **props: Any) -> dict[str, Any]:
    """Return a hub contribution."""
    return {
        "id": "hub",
        "type": "ms.vss-web.hub",
        "targets": ["ms.vss-work-web.work-hub-group"],
        "properties": {"name": "Hub", "uri": uri, **props},
    }


@pytest.mark.parametrize(
    ("overrides", "message", "path"),
    [
        ({"id": "a.b"}, "'extensionId' may only include letters, numbers, underscores, and dashes", "$.id"),
        ({"id": "a b"}, "'extensionId' may only include letters", "$.id"),
        ({"version": 1}, "'version' must be provided.", "$.version"),
        ({"version": ""}, "'version' must be provided.", "$.version"),
        ({"description": "x" * 201}, "'description' must be less than 200 characters", "$.description"),
        ({"name": ""}, "'name' must be provided.", "$.name"),
        ({"publisher": ""}, "'publisher' must be provided.", "$.publisher"),
        ({"categories": None}, "One or more 'categories' must be provided.", "$"),
        ({"contributions": None}, "must define at least one contribution or contribution type", "$"),
        ({"contributions": [hub(), hub()]}, "duplicate contribution id 'hub'", "$.contributions[1]"),
        (
            {"galleryFlags": ["Paid"]},
            "Paid extensions are required to have a support link.",
            "$.galleryFlags",
        ),
        (
            {"targets": [{"id": "Microsoft.VisualStudio.Nope"}]},
            "'Microsoft.VisualStudio.Nope' is not a recognized",
            "$.targets[0]",
        ),
        (
            {"targets": [{"id": "Microsoft.VisualStudio.Services.Integration"}]},
            "must provide a 'getstarted' link",
            "$",
        ),
        ({"public": "true"}, "The value for `public` must be a boolean true or false.", "$.public"),
        (
            {"gitHubFlavoredMarkdown": "yes"},
            "Value for gitHubFlavoredMarkdown is invalid.",
            "$.gitHubFlavoredMarkdown",
        ),
        ({"repository": {"url": "https://x"}}, "Repository must have a 'type' property.", "$.repository"),
        (
            {"repository": {"type": "svn", "url": "x"}},
            "Currently 'git' is the only supported",
            "$.repository.type",
        ),
        ({"repository": {"type": "git"}}, "Repository must contain a 'url' property.", "$.repository"),
        ({"branding": {"color": "blurple"}}, "Could not parse branding color", "$.branding.color"),
        (
            {"contributions": {"id": "x"}},
            '"contributions" must be an array of Contribution objects.',
            "$.contributions",
        ),
        ({"constraints": "x"}, '"constraints" must be an array', "$.constraints"),
        ({"restrictedTo": "member"}, '"restrictedTo" must be an array of strings.', "$.restrictedTo"),
        ({"files": [{"addressable": True}]}, "All 'files' must include a 'path'.", "$.files[0]"),
    ],
)
def test_rule_message(
    make_ext: Callable[..., Ext], overrides: dict[str, Any], message: str, path: str
) -> None:
    ext = make_ext(base_manifest(**overrides))
    found = errors_for(ext)
    matching = [line for line in found if message in line]
    assert matching, found
    assert matching[0].startswith(f"vss-extension.json: {path}: "), matching[0]


UNPACKAGED_REFERENCES = [
    (hub("dist/missing.html"), "contribution uri 'dist/missing.html' is not a file", "properties.uri"),
    (
        hub(icon={"light": "asset://img/none.png", "dark": "img/logo.png"}),
        "contribution icon 'asset://img/none.png' is not a file",
        "properties.icon.light",
    ),
]


@pytest.mark.parametrize(("contribution", "message", "field"), UNPACKAGED_REFERENCES)
def test_an_unpackaged_reference_is_a_warning_like_tfx_and_an_error_with_strict(
    make_ext: Callable[..., Ext], contribution: dict[str, Any], message: str, field: str
) -> None:
    ext = make_ext(base_manifest(contributions=[contribution]))
    where = f"vss-extension.json: $.contributions[0].{field}: "
    result = ext.package()  # tfx packages it, so adoext does too (a drop-in) ...
    (warning,) = [str(w) for w in result.warnings if message in str(w)]
    assert warning.startswith(where) and "will fail to load" in warning and "Add the file" in warning
    shutil.rmtree(result.path.parent)
    found = errors_for(ext, strict=True)  # ... and --strict refuses it, writing nothing
    assert [line for line in found if message in line and line.startswith(where)], found


def test_every_error_says_how_to_fix(make_ext: Callable[..., Ext]) -> None:
    found = errors_for(make_ext(base_manifest(id="a b", version=1, categories=None, name="")))
    assert len(found) == 4
    assert all(any(word in line for word in ("Add", "Write", "Rename", "Give")) for line in found)


def test_bypass_validation_turns_rules_into_warnings(make_ext: Callable[..., Ext]) -> None:
    result = make_ext(base_manifest(categories=None)).package(bypass_validation=True)
    assert result.path.exists()
    assert any("categories" in str(w) for w in result.warnings)


@pytest.mark.parametrize(
    "name", ["has space.js", "hash#.js", "caret^.js", "brackets[1].js", "q?.js", "lt<.js", "trailing."]
)
def test_invalid_part_names_name_the_file(make_ext: Callable[..., Ext], name: str) -> None:
    ext = make_ext()
    ext.write(f"dist/{name}", "x")
    found = errors_for(ext)
    assert any(f"Part Name 'dist/{name}' is invalid" in line and "$.files[0]" in line for line in found), (
        found
    )


def test_case_insensitive_duplicates(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(
        base_manifest(
            files=[
                {"path": "dist", "addressable": True},
                {"path": "img", "addressable": True},
                {"path": "extra/a.html", "packagePath": "DIST/HUB.html"},
            ]
        )
    )
    ext.write("extra/a.html", "x")
    found = errors_for(ext)
    assert any("same name ignoring case" in line and "$.files[2]" in line for line in found), found


def test_missing_file_is_an_error_not_a_traceback(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(files=[{"path": "nowhere", "addressable": True}, {"path": "img"}]))
    found = errors_for(ext)
    assert any("file or folder not found" in line and "$.files[0].path" in line for line in found), found


def test_files_outside_root_are_rejected(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    ext.write("../outside.js", "x")
    ext.write(
        "vss-extension.json",
        base_manifest(
            files=[
                {"path": "dist", "addressable": True},
                {"path": "img", "addressable": True},
                {"path": "../outside.js"},
            ]
        ),
    )
    found = errors_for(ext)
    assert any("is outside --root" in line and "$.files[2]" in line for line in found), found


@pytest.mark.parametrize("folder", ["..", "../sibling"], ids=["contains-root", "beside-root"])
def test_a_folder_outside_root_is_one_error_and_is_not_read(
    make_ext: Callable[..., Ext], folder: str
) -> None:
    """One line for the entry, not one per file; and the folder is not walked (a link loop in it would
    otherwise be the error: '..' of a checkout, or '/', is a whole tree)."""
    ext = make_ext()
    for n in range(50):
        ext.write(f"../sibling/f{n}.js", "x")
    (ext.root.parent / "sibling" / "loop").symlink_to(".")
    ext.write("vss-extension.json", base_manifest(files=[*base_manifest()["files"], {"path": folder}]))
    found = errors_for(ext)
    assert len(found) == 1, found
    assert "$.files[2]" in found[0] and "is outside --root" in found[0]
    assert f"'{os.path.normpath(ext.root / folder)}'" in found[0]


@pytest.mark.parametrize(
    "name", ["../evil.html", "a/../../evil.html", "a//b.html", "x/./y.html", "..\\evil.html"]
)
@pytest.mark.parametrize("where", ["first name, --bypass-validation", "further name"])
def test_a_name_that_would_unzip_outside_the_package_is_never_written(
    make_ext: Callable[..., Ext], name: str, where: str
) -> None:
    """tfx zips such a name (its rule is skipped by --bypass-validation and for further packagePaths)."""
    first = where.startswith("first")
    entry = {"path": "dist/hub.js", "packagePath": name if first else ["dist/hub.js", name]}
    ext = make_ext(base_manifest(files=[*base_manifest()["files"], entry]))
    found = errors_for(ext, bypass_validation=first)
    refused = [line for line in found if "Part Name" in line and "'..' segment" in line]
    assert refused and all("$.files[2]" in line for line in refused), found


def test_icon_that_is_not_an_image_is_a_warning_and_strict_refuses_it(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    ext.write("img/logo.png", "<svg/>")
    expected = "icon 'img/logo.png' is not a BMP, GIF, JPEG, PNG or TIFF"
    assert any(expected in line for line in errors_for(ext, strict=True))
    assert any(expected in str(w) for w in ext.package().warnings)


def test_package_over_the_size_limit_warns_and_strict_writes_nothing(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    ext.write("dist/big.bin", os.urandom(8000))  # incompressible
    found = errors_for(ext, max_size=4000, strict=True)
    assert any(
        line.startswith("vss-extension.json: $.files: the package is ")
        and "over the 4,000-byte limit" in line
        and "--max-size" in line
        for line in found
    ), found
    assert list(ext.root.glob("**/*.tmp")) == []
    result = ext.package(max_size=4000)
    assert result.path.exists()
    assert any("over the 4,000-byte limit" in str(w) and "26,214,400" in str(w) for w in result.warnings)


def test_unknown_scope_is_a_warning(make_ext: Callable[..., Ext]) -> None:
    result = make_ext(base_manifest(scopes=["vso.work", "vso.wrok"])).package()
    assert any("unknown scope 'vso.wrok'" in str(w) and "$.scopes" in str(w) for w in result.warnings)


def test_uri_checks_skip_content_served_from_base_uri(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(baseUri="https://localhost:3000", contributions=[hub("dev/only.html")]))
    assert ext.package().path.exists()


def test_validate_writes_nothing_and_reports_the_package(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    result = validate(ext.options())
    assert (result.extension_id, result.part_count) == ("sample", 6)
    assert result.size > 0 and not (ext.root / "out").exists()


def test_invalid_json_names_the_file_and_position(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    ext.write("vss-extension.json", '{"id": "x",\n  // comment\n}')
    with pytest.raises(ManifestError) as caught:
        ext.package()
    assert "vss-extension.json: invalid JSON at line 2 column 3" in caught.value.message
    assert "--json5" in caught.value.message


def test_glob_without_matches(make_ext: Callable[..., Ext]) -> None:
    with pytest.raises(ManifestError) as caught:
        make_ext().package(manifest_globs=("nothing/*.json",))
    assert "No manifests found from the following glob patterns: nothing/*.json" in caught.value.message


def task_manifest() -> dict[str, Any]:
    """Return a manifest with one build task contribution (folder 'mytask')."""
    task = {
        "id": "mytask",
        "type": "ms.vss-distributed-task.task",
        "targets": ["ms.vss-distributed-task.tasks"],
        "properties": {"name": "mytask"},
    }
    return base_manifest(
        contributions=[task], files=[{"path": "mytask"}, {"path": "img", "addressable": True}]
    )


def test_task_json_problems_are_warnings(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(task_manifest())
    ext.write(
        "mytask/task.json",
        {
            "id": "not-a-guid",
            "name": "my task",
            "friendlyName": "x" * 41,
            "execution": {"Node10": {"target": "gone.js"}},
        },
    )
    warnings = [str(w) for w in ext.package().warnings]
    for expected in (
        "task mytask/task.json: id is a required GUID",
        "name is required and may only contain",
        "friendlyName is a required string of at most 40",
        "instanceNameFormat is required",
        "depends on an end-of-life task runner",
        "target references file that does not exist: gone.js",
    ):
        assert any(expected in w and "vss-extension.json: $.contributions[0]" in w for w in warnings), (
            expected
        )


def test_a_task_id_or_name_with_a_trailing_newline_is_warned_about_as_tfx_does(
    make_ext: Callable[..., Ext],
) -> None:
    """tfx's patterns are JavaScript's, whose `$` is the end: a Python `$` would take "...\\n" too."""
    ext = make_ext(task_manifest())
    ext.write("mytask/run.js", "1")
    task = {"friendlyName": "x", "instanceNameFormat": "Run", "execution": {"Node20_1": {"target": "run.js"}}}
    guid = "7c939663-33ca-4cb6-9b8c-6e164d446eea"
    ext.write("mytask/task.json", {**task, "id": f"{guid}\n", "name": "MyTask\n"})
    warnings = [str(w) for w in ext.package().warnings]
    assert sum("id is a required GUID" in w or "name is required and may only" in w for w in warnings) == 2


def test_windows_style_task_target_that_exists_is_fine(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(task_manifest())
    ext.write("mytask/run.ps1", "Write-Host hi")
    ext.write(
        "mytask/task.json",
        {
            "id": "7c939663-33ca-4cb6-9b8c-6e164d446eea",
            "name": "mytask",
            "friendlyName": "My task",
            "instanceNameFormat": "Run",
            "execution": {"PowerShell3": {"target": "$(currentDirectory)\\run.ps1"}},
        },
    )
    assert [str(w) for w in ext.package().warnings] == []


@pytest.mark.parametrize(("data", "is_image"), [(PNG_1X1, True), (b"GIF89a", True), (b"<svg/>", False)])
def test_generated_icon_is_checked_from_its_bytes(tmp_path: Path, data: bytes, is_image: bool) -> None:
    """A generated part has no file to read: the image check looks at its bytes."""
    icon = "Microsoft.VisualStudio.Services.Icons.Default"
    item = PackageFile(tmp_path / "env.json", "img/icon.png", "env.json", "$.icon", False, [icon], data=data)
    report = Report()
    check_files([item], tmp_path, report, bypass=False)
    assert report.errors == []
    assert [str(p) for p in report.warnings] == (
        []
        if is_image
        else [
            "env.json: $.icon: icon 'img/icon.png' is not a BMP, GIF, JPEG, PNG or TIFF image, the formats "
            "the VSIX manifest schema documents for icons. Convert it to PNG."
        ]
    )
