"""Checks on the packaged files: part names, duplicates ignoring case, files outside --root, assets, icons.

Part names follow tfx's rule (its VsixWriter.validatePartName, after OPC): every segment is non-empty,
does not end with a period, holds only ASCII letters, digits and ._~%!$&'()*+,;=:@- (no space), and a %
starts a two-digit hex escape that is not an encoded / or \\. tfx checks only a file's first name; a
further name (another packagePath) that breaks the rule is a warning here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from adoext.package.diagnostics import Report
from adoext.package.model import PackageFile
from adoext.package.parts import VSIX_MANIFEST, VSO_MANIFEST
from adoext.package.realpaths import InsideRoot

# tfx's expression, verbatim: a segment matching it is invalid.
BAD_SEGMENT = re.compile(
    r"(%2f)|(%5c)|(^$)|(%[^0-9a-f])|(%.[^0-9a-f])|(\.$)|([^a-z0-9._~%!$&'()*+,;=:@-])", re.IGNORECASE
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The icon formats the VSIX manifest schema documents (its Icon element): BMP, GIF, JPEG, PNG and TIFF.
ICON_SIGNATURES = (PNG_SIGNATURE, b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
GENERATED = frozenset({VSIX_MANIFEST.lower(), VSO_MANIFEST.lower(), "[content_types].xml"})


# Never zipped, whatever the flags: unzipped, such a name lands outside the package ('..') or on another
# file's name ('a//b', 'a/./b'). tfx writes it (with --bypass-validation, or as a further packagePath).
LEAVES_THE_PACKAGE = "has an empty, '.' or '..' segment (is the file outside --root?)"


def _part_problem(part: str) -> str | None:
    """Explain why a part name is invalid (tfx's rule), or return None."""
    for segment in part.split("/"):
        if segment in ("", ".", ".."):
            return LEAVES_THE_PACKAGE
        if segment.endswith("."):
            return f"has a segment ending with a period ('{segment}')"
        found = BAD_SEGMENT.search(segment)
        if found:
            return (
                f"has '{found.group(0)}' in '{segment}': only ASCII letters, digits and ._~%!$&'()*+,;=:@- "
                "are allowed, and % must start a two-digit hex escape other than %2F or %5C"
            )
    return None


def check_files(files: list[PackageFile], root: Path, report: Report, bypass: bool) -> None:
    """Part names valid, unique ignoring case, inside --root; icons are PNG; asset types unique."""
    record = report.warn if bypass else report.error
    seen: dict[str, PackageFile] = {}
    asset_keys: dict[tuple[str, str | None], PackageFile] = {}
    inside = InsideRoot(root)
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
            # tfx checks only a file's first name: a further packagePath that breaks the rule is a warning,
            # unless the name would leave the package.
            (report.error if problem == LEAVES_THE_PACKAGE else report.warn if item.extra else record)(
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
        _check_assets(item, asset_keys, record, report)


def _check_assets(
    item: PackageFile, asset_keys: dict[tuple[str, str | None], PackageFile], record: Any, report: Report
) -> None:
    """Addressable asset types are unique per language; icons must be PNG files."""
    if item.extra:
        return
    # tfx checks the <Asset> rows: a type one file has twice (a packagePath array with an assetType, or
    # the file listed again as addressable) is refused too.
    repeated = {t for t in item.asset_types if item.asset_types.count(t) > 1}
    for asset_type in dict.fromkeys(item.asset_types):
        if item.addressable:
            other = asset_keys.setdefault((asset_type, item.lang), item)
            if other is not item or asset_type in repeated:
                record(
                    f"Cannot have multiple 'addressable' files with the same 'assetType' ({asset_type}): "
                    f"{other.part} and {item.part}.",
                    item.origin,
                    item.json_path,
                    "Give each its own assetType.",
                )
        if asset_type.startswith("Microsoft.VisualStudio.Services.Icons.") and not _is_image(item):
            # A warning (tfx checks nothing): the schema documents formats, no Marketplace rejection.
            report.warn(
                f"icon '{item.part}' is not a BMP, GIF, JPEG, PNG or TIFF image, the formats the VSIX "
                "manifest schema documents for icons.",
                item.origin,
                item.json_path,
                "Convert it to PNG.",
            )


def _is_image(item: PackageFile) -> bool:
    """Tell whether a file (on disk or generated) starts with the signature of a documented icon format."""
    if item.data is not None:
        return item.data.startswith(ICON_SIGNATURES)
    try:
        with open(item.source, "rb") as handle:
            return handle.read(8).startswith(ICON_SIGNATURES)
    except OSError:
        return False
