"""Checks on the packaged files: part names, duplicates ignoring case, files outside --root, assets, icons."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from adoext.diagnostics import Report
from adoext.files import PackageFile
from adoext.parts import VSIX_MANIFEST, VSO_MANIFEST
from adoext.realpaths import RealPaths

BAD_PART = re.compile(r"[\s#^\[\]<>?]|%2[fF]|%5[cC]")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GENERATED = frozenset({VSIX_MANIFEST.lower(), VSO_MANIFEST.lower(), "[content_types].xml"})


def _part_problem(part: str) -> str | None:
    """Explain why a part name is invalid, or return None."""
    if BAD_PART.search(part):
        return "contains whitespace or one of #^[]<>? or a percent-encoded / or \\"
    if part.endswith("."):
        return "ends with a period"
    if any(seg in ("", ".", "..") for seg in part.split("/")):
        return "has an empty, '.' or '..' segment (is the file outside --root?)"
    return None


def check_files(files: list[PackageFile], root: Path, report: Report, bypass: bool) -> None:
    """Part names valid, unique ignoring case, inside --root; icons are PNG; asset types unique."""
    record = report.warn if bypass else report.error
    seen: dict[str, PackageFile] = {}
    asset_keys: dict[tuple[str, str | None], PackageFile] = {}
    inside = _InsideCheck(root)
    for item in files:
        if not item.explicit_part and not inside(item.source):
            report.error(
                f"'{item.source}' is outside --root ({root}).",
                item.origin,
                item.json_path,
                "Move it under the root, pick another --root, or give it a packagePath.",
            )
            continue
        problem = _part_problem(item.part)
        if problem:
            record(
                f"Part Name '{item.part}' is invalid: it {problem}.",
                item.origin,
                item.json_path,
                f"Rename the file ({item.source}) or give it a packagePath without those characters.",
            )
        key = item.part.lower()
        if key in seen or key in GENERATED:
            other = seen[key].source if key in seen else "a generated manifest"
            exact = key in GENERATED or seen[key].part == item.part
            # Two entries with one exact name cannot both be zipped: an error even with --bypass-validation.
            (report.error if exact else record)(
                f"'{item.part}' and '{other}' have the same name ignoring case.",
                item.origin,
                item.json_path,
                "All files in the package must have a case-insensitive unique filename; rename one.",
            )
        seen.setdefault(key, item)
        _check_assets(item, asset_keys, record)


class _InsideCheck:
    """Tell whether a file, symbolic links followed, lies under --root."""

    def __init__(self, root: Path) -> None:
        self.real = RealPaths()
        self.root = os.path.realpath(root)
        self.prefix = self.root.rstrip(os.sep) + os.sep

    def __call__(self, source: Path) -> bool:
        real = self.real(source)
        return real == self.root or real.startswith(self.prefix)


def _check_assets(
    item: PackageFile, asset_keys: dict[tuple[str, str | None], PackageFile], record: Any
) -> None:
    """Addressable asset types are unique per language; icons must be PNG files."""
    if item.extra:
        return
    for asset_type in item.asset_types:
        if item.addressable:
            other = asset_keys.setdefault((asset_type, item.lang), item)
            if other is not item:
                record(
                    f"Cannot have multiple 'addressable' files with the same 'assetType' ({asset_type}): "
                    f"{other.part} and {item.part}.",
                    item.origin,
                    item.json_path,
                    "Give each its own assetType.",
                )
        if asset_type.startswith("Microsoft.VisualStudio.Services.Icons.") and not _is_png(item):
            record(
                f"icon '{item.part}' is not a PNG image.",
                item.origin,
                item.json_path,
                "Convert it to PNG (the Marketplace only shows PNG icons).",
            )


def _is_png(item: PackageFile) -> bool:
    """Tell whether a file (on disk or generated) starts with the PNG signature."""
    if item.data is not None:
        return item.data.startswith(PNG_SIGNATURE)
    try:
        with open(item.source, "rb") as handle:
            return handle.read(8) == PNG_SIGNATURE
    except OSError:
        return False
