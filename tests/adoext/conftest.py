"""Fixtures for adoext: tiny extension trees built at run time, and helpers to package and read back."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from adoext.package.api import package
from adoext.package.diagnostics import Report
from adoext.package.model import PackageOptions, PackageResult

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f3f0000000049454e44ae426082"
)
REPO_ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = REPO_ROOT.parent / "shared" / "conformance" / "tfx"
PROJECT_SOURCES = ("base.json.j2", "env", "images", "overview.md")  # under manifest/


def base_manifest(**overrides: Any) -> dict[str, Any]:
    """Return a small valid manifest; keyword arguments replace or add keys (None removes one)."""
    manifest: dict[str, Any] = {
        "manifestVersion": 1,
        "id": "sample",
        "publisher": "fabrikam",
        "version": "1.0.0",
        "name": "Sample",
        "description": "A sample extension.",
        "categories": ["Azure Boards"],
        "targets": [{"id": "Microsoft.VisualStudio.Services"}],
        "icons": {"default": "img/logo.png"},
        "files": [{"path": "dist", "addressable": True}, {"path": "img", "addressable": True}],
        "contributions": [
            {
                "id": "hub",
                "type": "ms.vss-web.hub",
                "targets": ["ms.vss-work-web.work-hub-group"],
                "properties": {"name": "Hub", "uri": "dist/hub.html"},
            }
        ],
        "scopes": ["vso.work"],
    }
    for key, value in overrides.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    return manifest


@dataclass
class Ext:
    """A temporary extension folder."""

    root: Path

    def write(self, name: str, data: bytes | str | dict[str, Any]) -> Path:
        """Write a file (dicts as JSON) under the root."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, dict):
            data = json.dumps(data, indent=2)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def options(self, **kwargs: Any) -> PackageOptions:
        """Return options rooted here, output to out/ext.vsix."""
        kwargs.setdefault("output_path", "out/ext.vsix")
        return PackageOptions(cwd=self.root, **kwargs)

    def package(self, **kwargs: Any) -> PackageResult:
        """Package with the given options."""
        return package(self.options(**kwargs))


@pytest.fixture
def make_ext(tmp_path: Path) -> Callable[..., Ext]:
    """Build an extension tree: the manifest plus dist/hub.html and img/logo.png."""

    def build(manifest: dict[str, Any] | None = None, name: str = "vss-extension.json") -> Ext:
        ext = Ext(tmp_path / "ext")
        ext.write(name, manifest if manifest is not None else base_manifest())
        ext.write("dist/hub.html", "<html></html>")
        ext.write("dist/hub.js", "console.log(1);")
        ext.write("img/logo.png", PNG_1X1)
        return ext

    return build


def read_parts(path: Path) -> dict[str, bytes]:
    """Return every entry of a zip, in order."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def problems(report: Report) -> list[str]:
    """Return the errors of a report as text."""
    return [str(p) for p in report.errors]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this repository's manifest sources, with a one-page extension/dist."""
    for name in PROJECT_SOURCES:
        source = REPO_ROOT / "manifest" / name
        target = tmp_path / "manifest" / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (tmp_path / "manifest" / "contributions").mkdir()
    (tmp_path / "extension" / "dist" / "hub").mkdir(parents=True)
    (tmp_path / "extension" / "dist" / "hub" / "hub.html").write_text("<html></html>")
    return tmp_path
