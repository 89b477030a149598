"""One test per manifest -> vsixmanifest/vsomanifest mapping rule (reference §1-2, checklist §7)."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from adoext.package.content_types import (
    CONTENT_TYPES_PART,
    TypedPart,
    build_content_types,
    libmagic_available,
    resolve,
)
from adoext.package.merge.naming import capitalized_camel, parse_color, start_case
from adoext.package.realpaths import RealPaths

from tests.adoext.conftest import PNG_1X1, Ext, base_manifest, read_parts

NS = {"v": "http://schemas.microsoft.com/developer/vsx-schema/2011"}


def build(ext: Ext, **options: Any) -> dict[str, bytes]:
    """Package and return the parts."""
    result = ext.package(**options)
    return read_parts(result.path)


def vsix_xml(parts: dict[str, bytes]) -> ET.Element:
    """Parse extension.vsixmanifest."""
    return ET.fromstring(parts["extension.vsixmanifest"])


def vso(parts: dict[str, bytes]) -> dict[str, Any]:
    """Parse extension.vsomanifest."""
    data: dict[str, Any] = json.loads(parts["extension.vsomanifest"])
    return data


def props(root: ET.Element) -> dict[str, str]:
    """Return the <Property> elements as a dict."""
    return {p.get("Id", ""): p.get("Value", "") for p in root.iterfind(".//v:Property", NS)}


def assets(root: ET.Element) -> list[tuple[str, str]]:
    """Return (Type, Path) of every <Asset>, in order."""
    return [(a.get("Type", ""), a.get("Path", "")) for a in root.iterfind(".//v:Asset", NS)]


def test_keys_are_matched_case_insensitively(make_ext: Callable[..., Ext]) -> None:
    manifest = base_manifest(id=None, publisher=None)
    manifest["ID"], manifest["Publisher"] = "cased", "pub"
    identity = vsix_xml(build(make_ext(manifest))).find(".//v:Identity", NS)
    assert identity is not None and identity.get("Id") == "cased" and identity.get("Publisher") == "pub"


def test_identity_attributes_follow_manifest_key_order(make_ext: Callable[..., Ext]) -> None:
    manifest = {"version": "2.0.0", **base_manifest(version=None)}
    identity = vsix_xml(build(make_ext(manifest))).find(".//v:Identity", NS)
    assert identity is not None and list(identity.attrib) == ["Language", "Version", "Id", "Publisher"]


def test_first_value_wins_and_overrides_replace(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    ext.write("second.json", {"name": "Ignored", "tags": ["two"]})
    ext.write("over.json", {"name": "Override", "tags": ["three"]})
    result = ext.package(manifests=("vss-extension.json", "second.json"), overrides_file="over.json")
    root = vsix_xml(read_parts(result.path))
    assert root.findtext(".//v:DisplayName", None, NS) == "Override"
    assert root.findtext(".//v:Tags", None, NS) == "two,three"
    assert any(
        "Multiple values found for 'name'" in str(w) and "second.json" in str(w) for w in result.warnings
    )


def test_override_option_beats_overrides_file_and_publisher_flag_beats_both(
    make_ext: Callable[..., Ext],
) -> None:
    ext = make_ext()
    ext.write("over.json", {"publisher": "from-file", "version": "3.0.0"})
    result = ext.package(overrides_file="over.json", override='{"version": "4.0.0"}', publisher="cli")
    assert (result.publisher, result.version) == ("cli", "4.0.0")


def test_tags_and_categories_accept_comma_strings_and_deduplicate(make_ext: Callable[..., Ext]) -> None:
    root = vsix_xml(build(make_ext(base_manifest(tags="a,b,,a", categories="Azure Boards,Azure Repos"))))
    assert root.findtext(".//v:Tags", None, NS) == "a,b"
    assert root.findtext(".//v:Categories", None, NS) == "Azure Boards,Azure Repos"


def test_public_false_alone_leaves_empty_gallery_flags(make_ext: Callable[..., Ext]) -> None:
    root = vsix_xml(build(make_ext(base_manifest(public=False))))
    flags = root.find(".//v:GalleryFlags", NS)
    assert flags is not None and not flags.text


def test_public_true_adds_public_to_gallery_flags(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(galleryFlags=["Preview"], public=True))
    root = vsix_xml(build(ext))
    assert root.findtext(".//v:GalleryFlags", None, NS) == "Preview Public"
    assert ext.package().is_public


def test_link_and_branding_names_and_colour(make_ext: Callable[..., Ext]) -> None:
    manifest = base_manifest(
        links={"privacy-policy": {"uri": "https://p"}, "learnMore": {"url": "https://l"}, "none": {}},
        branding={"color": "rgb(190, 39, 3)", "theme": "dark"},
    )
    found = props(vsix_xml(build(make_ext(manifest))))
    assert found["Microsoft.VisualStudio.Services.Links.Privacypolicy"] == "https://p"
    assert found["Microsoft.VisualStudio.Services.Links.Learnmore"] == "https://l"
    assert found["Microsoft.VisualStudio.Services.Branding.Color"] == "#be2703"
    assert found["Microsoft.VisualStudio.Services.Branding.Theme"] == "dark"


def test_repository_becomes_github_link_and_is_copied_to_vsomanifest(make_ext: Callable[..., Ext]) -> None:
    repo = {"type": "git", "url": "https://gitlab.example/r"}
    parts = build(make_ext(base_manifest(repository=repo)))
    assert (
        props(vsix_xml(parts))["Microsoft.VisualStudio.Services.Links.GitHub"] == "https://gitlab.example/r"
    )
    assert vso(parts)["repository"] == repo


def test_qna_needs_a_boolean_and_keeps_both_spellings(make_ext: Callable[..., Ext]) -> None:
    parts = build(
        make_ext(base_manifest(CustomerQnASupport={"enablemarketplaceqna": True, "url": "https://q"}))
    )
    found = props(vsix_xml(parts))
    assert found["Microsoft.VisualStudio.Services.EnableMarketplaceQnA"] == "true"
    assert found["Microsoft.VisualStudio.Services.CustomerQnALink"] == "https://q"
    assert vso(parts)["CustomerQnASupport"] == {
        "enablemarketplaceqna": True,
        "url": "https://q",
        "enableMarketplaceQnA": True,
    }
    typo = props(vsix_xml(build(make_ext(base_manifest(CustomerQnASupport={"enableqna": "true"})))))
    assert not any("QnA" in key for key in typo)


def test_unknown_keys_go_verbatim_dotted_keys_nest_and_flags_vanish(make_ext: Callable[..., Ext]) -> None:
    manifest = base_manifest(demands=["api-version/3.0"], flags=["x"], vsoFlags=["y"], scope=["typo"])
    manifest["_name.comment"] = "note"
    manifest["__internal"] = 1
    data = vso(build(make_ext(manifest)))
    assert data["demands"] == ["api-version/3.0"] and data["scope"] == ["typo"]
    assert data["_name"] == {"comment": "note"}
    assert not {"flags", "vsoFlags", "__internal", "name", "publisher", "files"} & set(data)


def test_manifest_version_is_parsed_like_parse_float(make_ext: Callable[..., Ext]) -> None:
    parts = build(make_ext(base_manifest(manifestVersion="1.0")))
    assert b'"manifestVersion": 1,' in parts["extension.vsomanifest"]


def test_defaults_are_appended_and_scopes_deduplicated(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(manifestVersion=None))
    ext.write("more.json", {"scopes": ["vso.work", "vso.build"]})
    data = vso(read_parts(ext.package(manifests=("vss-extension.json", "more.json")).path))
    assert data["scopes"] == ["vso.work", "vso.build"]
    assert list(data)[-2:] == ["contributionTypes", "manifestVersion"] and data["manifestVersion"] == 1


def test_icons_resolve_against_the_manifest_and_content_against_root(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    ext.write("sub/img/icon.png", PNG_1X1)
    ext.write("img/shot.png", PNG_1X1)
    ext.write("details.md", "# hi")
    ext.write(
        "sub/vss-extension.json",
        base_manifest(
            icons={"default": "img/icon.png", "wide-icon": "img/icon.png"},
            files=[{"path": "../dist", "addressable": True}],
            screenshots=[{"path": "img/shot.png"}],
            content={"details": {"path": "details.md"}},
        ),
    )
    root = vsix_xml(read_parts(ext.package(manifests=("sub/vss-extension.json",)).path))
    found = assets(root)
    assert ("Microsoft.VisualStudio.Services.Icons.Default", "sub/img/icon.png") in found
    assert ("Microsoft.VisualStudio.Services.Icons.Wide Icon", "sub/img/icon.png") in found
    assert ("Microsoft.VisualStudio.Services.Screenshots.1", "img/shot.png") in found
    assert ("Microsoft.VisualStudio.Services.Content.Details", "details.md") in found
    assert root.findtext(".//v:Icon", None, NS) == "sub/img/icon.png"


def test_icon_inside_addressable_folder_gets_two_assets_at_folder_position(
    make_ext: Callable[..., Ext],
) -> None:
    found = assets(vsix_xml(build(make_ext())))
    index = found.index(("img/logo.png", "img/logo.png"))
    assert found[index + 1] == ("Microsoft.VisualStudio.Services.Icons.Default", "img/logo.png")
    assert found[-1] == ("Microsoft.VisualStudio.Services.Manifest", "extension.vsomanifest")


def test_non_addressable_files_are_zipped_without_assets(make_ext: Callable[..., Ext]) -> None:
    parts = build(make_ext(base_manifest(files=[{"path": "dist"}, {"path": "img", "addressable": True}])))
    assert "dist/hub.js" in parts
    assert not any(path.startswith("dist/") for _, path in assets(vsix_xml(parts)))


def test_package_path_renames_files_and_folders(make_ext: Callable[..., Ext]) -> None:
    manifest = base_manifest(
        files=[
            {"path": "dist", "addressable": True, "packagePath": "web"},
            {"path": "img/logo.png", "addressable": True, "packagePath": ["a.png", "b.png"]},
        ]
    )
    manifest["contributions"][0]["properties"]["uri"] = "web/hub.html"
    parts = build(make_ext(manifest))
    assert {"web/hub.html", "web/hub.js", "a.png", "b.png"} <= set(parts)
    found = assets(vsix_xml(parts))
    assert ("a.png", "a.png") in found and not any(path == "b.png" for _, path in found)


def test_asset_type_and_lang_and_content_type_override(make_ext: Callable[..., Ext]) -> None:
    manifest = base_manifest(
        files=[
            {"path": "dist", "addressable": True},
            {
                "path": "img/logo.png",
                "addressable": True,
                "assetType": ["x.a", "x.b"],
                "lang": "de-DE",
                "contentType": "image/png",
            },
        ]
    )
    parts = build(make_ext(manifest))
    root = vsix_xml(parts)
    langs = [a.get("Lang") for a in root.iterfind(".//v:Asset", NS) if a.get("Path") == "img/logo.png"]
    assert ("x.a", "img/logo.png") in assets(root) and "de-DE" in langs
    assert b'<Override ContentType="image/png" PartName="/img/logo.png"/>' in parts[CONTENT_TYPES_PART]


def test_content_types_without_libmagic_come_from_the_table() -> None:
    names = ["dist/hub.js", "dist/a.mjs", "dist/b.woff2", "dist/c.txt", "dist/LICENSE", "dist/x.zzz"]
    types = build_content_types([TypedPart(name) for name in names], ["extension.vsixmanifest"], sniff=None)
    assert resolve(types, "dist/a.mjs") == "application/javascript"
    assert resolve(types, "dist/b.woff2") == "font/woff2"
    assert resolve(types, "dist/c.txt") == "text/plain"
    assert resolve(types, "dist/LICENSE") == "text/plain"
    assert resolve(types, "dist/x.zzz") == "application/octet-stream"
    assert types.index('Extension=".js"') < types.index('Extension=".mjs"')  # tfx's table first


@pytest.mark.skipif(
    not libmagic_available() or shutil.which("file") is None, reason="needs libmagic and file"
)
def test_unknown_types_are_libmagics_answer_and_no_name_is_executed(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    files: dict[str, str | bytes] = {
        "dist/a.mjs": "export const a = 1;\n",
        "dist/b.woff2": bytes(range(256)),
        "dist/c.txt": "plain text\n",
        "dist/LICENSE": "MIT License\n\nPermission is hereby granted\n",
        "dist/run": "#!/bin/sh\necho hi\n",
        "dist/x$(touch INJECTED).zzz": "x",
    }
    for name, data in files.items():
        ext.write(name, data)
    types = build(ext, bypass_validation=True)[CONTENT_TYPES_PART].decode()
    for name in files:
        path = str(ext.root / name)
        expected = subprocess.run(["file", "-b", "--mime-type", path], capture_output=True, text=True).stdout
        assert resolve(types, name) == expected.strip(), name
    assert not (ext.root / "INJECTED").exists()


def test_json5_and_bom(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    text = json.dumps(base_manifest(name="Five"))
    ext.write("vss-extension.json", "\ufeff" + text[:-1] + ", // trailing comma\n}")
    assert ext.package(json5=True).extension_id == "sample"
    ext.write("vss-extension.json", "\ufeff" + json.dumps(base_manifest()))
    assert ext.package().extension_id == "sample"


def test_no_targets_warns_and_writes_no_installation(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(targets=None))
    result = ext.package()
    assert vsix_xml(read_parts(result.path)).find("v:Installation", NS) is None
    assert any("Defaulting to Microsoft.VisualStudio.Services" in str(w) for w in result.warnings)


def test_manifest_globs_merge_in_sorted_order(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(contributions=None))
    for name in ("b", "a", "c"):
        ext.write(
            f"parts/{name}/{name}.json",
            {
                "contributions": [
                    {"id": name, "type": "ms.vss-web.hub", "properties": {"uri": "dist/hub.html"}}
                ]
            },
        )
    result = ext.package(manifest_globs=("vss-extension.json", "parts/**/*.json"))
    assert [c["id"] for c in vso(read_parts(result.path))["contributions"]] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("key", "expected"),
    [("default", "Default"), ("wide-icon", "Wide Icon"), ("largeIcon", "Largeicon"), ("large_2", "Large 2")],
)
def test_start_case(key: str, expected: str) -> None:
    assert start_case(key) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("getstarted", "Getstarted"),
        ("privacy-policy", "Privacypolicy"),
        ("learnMore", "Learnmore"),
        ("support", "Support"),
    ],
)
def test_capitalized_camel(key: str, expected: str) -> None:
    assert capitalized_camel(key) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("#0065A3", "#0065a3"),
        ("#abc", "#aabbcc"),
        ("rgb(0, 255, 0)", "#00ff00"),
        ("rgba(255,0,0,0.5)", "#ff0000"),
    ],
)
def test_parse_color(value: str, expected: str) -> None:
    assert parse_color(value) == expected


def test_override_json_paths_resolve_against_root(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext()
    ext.write(
        "sub/vss-extension.json",
        base_manifest(files=[{"path": "../dist", "addressable": True}], icons={"default": "../img/logo.png"}),
    )
    ext.write("extra/notes.txt", "x")
    result = ext.package(manifests=("sub/vss-extension.json",), override='{"files": [{"path": "extra"}]}')
    assert "extra/notes.txt" in read_parts(result.path)


def test_restricted_to_once_and_constraints_concatenate(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(restrictedTo=["member"], constraints=[{"name": "A"}]))
    ext.write("more.json", {"constraints": [{"name": "B"}]})
    data = vso(read_parts(ext.package(manifests=("vss-extension.json", "more.json")).path))
    assert data["restrictedTo"] == ["member"] and data["constraints"] == [{"name": "A"}, {"name": "B"}]
    ext.write("again.json", {"restrictedTo": ["anonymous"]})
    from adoext.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        ext.package(manifests=("vss-extension.json", "again.json"))
    assert caught.value.problems == [
        "again.json: $.restrictedTo: Multiple values found for 'restrictedTo'. "
        "Declare restrictedTo in one manifest only."
    ]
    replaced = ext.package(manifests=("vss-extension.json",), override='{"restrictedTo": ["anonymous"]}')
    assert vso(read_parts(replaced.path))["restrictedTo"] == ["anonymous"]


def test_real_paths_match_os_realpath_through_links_and_dotdot(tmp_path: Path) -> None:
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "sub" / "a.json").write_text("{}")
    (tmp_path / "link").symlink_to(tmp_path / "real" / "sub")
    (tmp_path / "real" / "sub" / "b.json").symlink_to(tmp_path / "real" / "sub" / "a.json")
    (tmp_path / "chain").symlink_to("link")
    real = RealPaths()
    paths: list[str | Path] = [
        tmp_path / "real" / "sub" / "a.json",
        tmp_path / "link" / "a.json",  # a folder that is a link
        tmp_path / "real" / "sub" / "b.json",  # a file that is a link
        tmp_path / "link" / ".." / "sub" / "a.json",  # '..' after a link: the target's parent
        tmp_path / "missing" / "c.json",
        tmp_path / "chain" / "a.json",  # a relative link to a link
        f"{tmp_path}//real/./sub/a.json",  # doubled slashes and '.' segments
        f"{tmp_path}/link/",
        f"/{tmp_path}/real/sub/a.json",  # a leading "//"
        "//",
        "/",
    ]
    for path in paths:
        assert real(path) == os.path.realpath(path), path


@pytest.mark.skipif(not libmagic_available(), reason="needs libmagic")
def test_a_damaged_file_gets_the_mime_type_not_libmagics_remark(make_ext: Callable[..., Ext]) -> None:
    """libmagic answers "application/x-sharedlib, can't read elf program headers at 568" for an ELF cut
    short; tfx keeps its last word ("568"). Neither is a content type: adoext keeps the type."""
    ext = make_ext()
    # An ELF64 shared object's header whose 13 program headers would start at byte 568 of a 600-byte file.
    fields = struct.pack("<HHIQQQIHHHHHH", 3, 0x3E, 1, 0, 568, 0, 0, 64, 56, 13, 64, 0, 0)
    header = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + fields
    ext.write("dist/cut.node", header + b"\0" * (600 - len(header)))
    types = build(ext)[CONTENT_TYPES_PART].decode()
    assert resolve(types, "dist/cut.node") == "application/x-sharedlib"
