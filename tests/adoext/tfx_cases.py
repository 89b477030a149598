"""Issue 13's public tfx cases: inputs built in code, tfx-cli 0.23.1's output committed in tfx_expected/.

Each case writes its extension into a folder and returns the `tfx extension create` arguments (run in
that folder). `python -m tests.adoext.tfx_cases /path/to/tfx` regenerates tfx_expected/ (done once with
tfx-cli 0.23.1, Node 20, libmagic 5.44 on Linux); test_tfx_cases.py packages the same inputs with adoext.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adoext.package.content_types import CONTENT_TYPES_PART, resolve

from tests.adoext.conftest import PNG_1X1, base_manifest

EXPECTED = Path(__file__).parent / "tfx_expected"
GENERATED = ("extension.vsixmanifest", "extension.vsomanifest")
# A minimal PE image: the DOS header's "MZ" and e_lfanew pointing at "PE\0\0" and a COFF header.
PE = b"MZ" + b"\0" * 58 + (64).to_bytes(4, "little") + b"PE\0\0" + b"\x4c\x01" + b"\0" * 18


def write(folder: Path, name: str, data: bytes | str | dict[str, Any]) -> None:
    """Write one input file (dicts as indented JSON)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, dict):
        data = json.dumps(data, indent=2)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def _common(folder: Path, **manifest: Any) -> list[str]:
    """The manifest plus dist/hub.html and img/logo.png; returns the usual arguments."""
    write(folder, "vss-extension.json", base_manifest(**manifest))
    write(folder, "dist/hub.html", "<html></html>")
    write(folder, "dist/hub.js", "console.log(1);")
    write(folder, "img/logo.png", PNG_1X1)
    return ["--root", ".", "--manifests", "vss-extension.json"]


def package_paths(folder: Path) -> list[str]:
    """Class 1: a file outside --root under several package paths; a folder packaged twice."""
    ext = folder / "ext"
    write(folder, "shared/lib.js", "export const x = 1;")
    write(folder, "shared/sub/util.js", "export const y = 2;")
    files = [
        {"path": "dist", "addressable": True},
        {"path": "img", "addressable": True},
        {"path": "../shared/lib.js", "packagePath": ["lib/a.js", "lib/b.js"]},
        {"path": "../shared/lib.js", "packagePath": "lib/c.js"},
        {"path": "../shared", "packagePath": "v1/shared"},
        {"path": "../shared", "packagePath": "v2/shared"},
        {"path": "dist", "packagePath": "copy"},
    ]
    return _common(ext, files=files)


def rare_keys(folder: Path) -> list[str]:
    """Class 11: vsomanifest keys tfx rewrites (a link-like object it normalises, odd types, lodash paths)."""
    return _common(
        folder,
        CustomerQnASupport={"Uri": "https://example.com/qna", "enablemarketplaceqna": True},
        eventCallbacks="not-an-object",
        manifestVersion="abc",
        scopes="vso.work",
        contributionTypes="not-an-array",
        **{"demands[0]": "api-version/3.0", "_note.comment": "kept nested"},
    )


def rare_keys_order(folder: Path) -> list[str]:
    """Class 11: the same keys another way: both link spellings (the last wins), a falsy manifestVersion."""
    return _common(
        folder,
        CustomerQnASupport={
            "url": "https://example.com/first",
            "URI": "https://example.com/last",
            "enableMarketplaceQnA": False,
            "EnableMarketplaceQnA": True,
        },
        eventCallbacks={"installed": "https://example.com/installed"},
        manifestVersion=0,
        **{"links[1]": "second", "a.b.c": 1},
    )


def loc_root(folder: Path) -> list[str]:
    """Class 6: --loc-root; the manifest has no scopes or contributionTypes."""
    manifest = base_manifest(name="i18n:Sample", scopes=None)
    manifest["contributions"][0]["properties"]["name"] = "i18n:Hub"
    args = _common(folder, **manifest)
    write(
        folder,
        "loc/de-DE/resources.resjson",
        {"displayName": "Beispiel", "contributions.hub.properties.name": "Nabe"},
    )
    return [*args, "--loc-root", "loc"]


def content_types(folder: Path) -> list[str]:
    """Class 3: files tfx types with `file --mime-type`: PE, UTF-16 XML, .tsx, .yml, dotfiles, empty."""
    args = _common(folder)
    samples: dict[str, bytes | str] = {
        "dist/lib.dll": PE,
        "dist/app.exe": PE,
        "dist/a.xml": '<?xml version="1.0"?><a/>\n',
        "dist/b.xml": '<?xml version="1.0"?><b/>\n',
        "dist/utf16.xml": '<?xml version="1.0" encoding="utf-16"?><c/>\n'.encode("utf-16"),
        "dist/view.tsx": "export const View = () => <div/>;\n",
        "dist/config.yml": "name: build\non: [push]\n",
        "dist/.eslintrc": '{"root": true}\n',
        "dist/.npmignore": "*.log\n",
        "dist/run": "#!/bin/sh\necho hi\n",
        "dist/empty.txt": "",
        "dist/notes.txt": "some notes\n",
        "dist/LICENSE": "MIT License\n\nPermission is hereby granted, free of charge\n",
        "dist/font.woff2": bytes(range(256)) * 4,
    }
    for name, data in samples.items():
        write(folder, name, data)
    return args


def rev_version(folder: Path) -> list[str]:
    """Class 7: --rev-version with CRLF files, a version in both the manifest and the overrides file."""
    manifest = json.dumps(base_manifest(version="1.0.9"), indent=4).replace("\n", "\r\n")
    write(folder, "vss-extension.json", manifest + "\r\n")
    os.chmod(folder / "vss-extension.json", 0o640)
    write(folder, "overrides.json", '{\r\n  "version": "2.0.0",\r\n  "public": false\r\n}\r\n')
    write(folder, "dist/hub.html", "<html></html>")
    write(folder, "img/logo.png", PNG_1X1)
    return [
        "--root",
        ".",
        "--manifests",
        "vss-extension.json",
        "--overrides-file",
        "overrides.json",
        "--rev-version",
    ]



def auto_added_package_paths(folder: Path) -> list[str]:
    """D7: icons, screenshots and content that `files` packages under another name are zipped again at
    their own path (tfx's additional package paths); their <Asset> goes to the first name, and only when
    that entry has asset types (docs/ is not addressable: the details page gets no <Asset>)."""
    hub = {**base_manifest()["contributions"][0], "properties": {"name": "Hub", "uri": "hub.html"}}
    args = _common(
        folder,
        files=[
            {"path": "dist", "addressable": True, "packagePath": "/"},
            {"path": "img", "addressable": True, "packagePath": "static/img"},
            {"path": "docs", "packagePath": "help"},
            {"path": "shots/one.png", "addressable": True, "packagePath": "s1.png", "contentType": "x/a"},
            {"path": "shots/two.png", "addressable": True},
        ],
        icons={"default": "img/logo.png", "large": "dist/large.png"},
        screenshots=[{"path": "shots/one.png", "contentType": "image/x-b"}, {"path": "shots/two.png"}],
        content={"details": {"path": "docs/overview.md"}, "license": {"path": "dist/LICENSE.md"}},
        contributions=[hub],
    )
    for name in ("dist/large.png", "shots/one.png", "shots/two.png"):
        write(folder, name, PNG_1X1)
    write(folder, "docs/overview.md", "# Overview\n")
    write(folder, "dist/LICENSE.md", "MIT\n")
    return args


def addressable_package_path_array(folder: Path) -> list[str]:
    """D8: every name of a packagePath array adds its asset types (its own name when addressable without
    an assetType) to the first name's <Asset> rows, repeats kept; a repeat of a non-addressable file
    adds none."""
    args = _common(
        folder,
        files=[
            {"path": "dist", "addressable": True},
            {"path": "img", "addressable": True},
            {"path": "lib/b.js", "addressable": True, "packagePath": ["x/b.js", "y/b.js", "z/b.js"]},
            {"path": "lib/c.js", "packagePath": ["c1.js", "c2.js", "c3.js"], "assetType": ["T.a", "T.b"]},
            {"path": "lib/d.js", "packagePath": ["d1.js", "d2.js"], "assetType": "T.d"},
            {"path": "lib/e.js", "packagePath": ["e1.js", "e2.js"]},
            {"path": "lib/sub", "addressable": True, "packagePath": ["s1", "s2/"]},
            {"path": "more"},
            {"path": "more/m.js", "addressable": True},
        ],
    )
    for name in ("lib/b.js", "lib/c.js", "lib/d.js", "lib/e.js", "lib/sub/f.js", "more/m.js"):
        write(folder, name, f"// {name}\n")
    return args

CASES: dict[str, Callable[[Path], list[str]]] = {
    "package-paths": package_paths,
    "rare-keys": rare_keys,
    "rare-keys-order": rare_keys_order,
    "loc-root": loc_root,
    "content-types": content_types,
    "rev-version": rev_version,
    "auto-added-package-paths": auto_added_package_paths,
    "addressable-package-path-array": addressable_package_path_array,
}
REWRITTEN = {"rev-version": ("vss-extension.json", "overrides.json")}


def case_folder(name: str, scratch: Path) -> tuple[Path, list[str]]:
    """Build a case under `scratch`; return the folder to run in and the arguments."""
    args = CASES[name](scratch)
    cwd = scratch / "ext" if name == "package-paths" else scratch
    return cwd, args


def summary(vsix: Path, cwd: Path, name: str) -> dict[str, Any]:
    """What a case is compared on: entries, generated parts, each part's content type, rewritten files."""
    with zipfile.ZipFile(vsix) as archive:
        names = sorted(n for n in archive.namelist() if not n.endswith("/"))
        parts = {n: archive.read(n) for n in names}
    types = parts[CONTENT_TYPES_PART].decode()
    return {
        "entries": names,
        "generated": {
            n: parts[n].decode() for n in names if n.endswith(GENERATED) or n.endswith(".vsixlangpack")
        },
        "content_types": {n: resolve(types, n) for n in names if n != CONTENT_TYPES_PART},
        "rewritten": {
            f: {"text": (cwd / f).read_bytes().decode(), "mode": oct((cwd / f).stat().st_mode & 0o777)}
            for f in REWRITTEN.get(name, ())
        },
    }


def regenerate(tfx: str, names: list[str]) -> None:
    """Run tfx on the cases (default: every one) and store each summary (run once; committed)."""
    for name in names or CASES:
        with tempfile.TemporaryDirectory() as tmp:
            cwd, args = case_folder(name, Path(tmp))
            out = Path(tmp) / "out.vsix"
            argv = [tfx, "extension", "create", *args, "--output-path", str(out), "--no-prompt", "--no-color"]
            subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
            target = EXPECTED / f"{name}.json"
            target.parent.mkdir(exist_ok=True)
            target.write_text(json.dumps(summary(out, cwd, name), indent=2, ensure_ascii=False) + "\n")
            print(f"{name}: {target}")


if __name__ == "__main__":
    regenerate(sys.argv[1] if len(sys.argv) > 1 else shutil.which("tfx") or "tfx", sys.argv[2:])
