"""Write a reproducible .vsix (sorted entries, fixed times and permissions) and read one back."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

from adoext.errors import PackageError, ValidationFailed
from adoext.package.atomic import write_file_atomically
from adoext.package.checks.extension import size_problem
from adoext.package.content_types import CONTENT_TYPES_PART
from adoext.package.model import VsixIdentity
from adoext.package.parts import VSIX_MANIFEST, Part
from adoext.package.realpaths import open_regular

DOS_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest time a zip entry can hold
FILE_ATTR = 0o100644 << 16  # -rw-r--r--, recorded with create_system=3 so every unzip sees the same mode
DIR_ATTR = (0o40755 << 16) | 0x10
# Formats that are compressed already: deflating them again saves nothing (0.05 % on a .woff2) and was
# most of the time of bench case c (eight 0.7 MB fonts), so they are stored, which OPC allows.
STORED_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".woff", ".woff2", ".zip", ".gz", ".tgz", ".br"}
    | {".xz", ".bz2", ".7z", ".vsix", ".nupkg", ".mp3", ".mp4", ".webm"}
)


# A vsixmanifest is a few kilobytes. It is read whole and parsed, so a larger one is refused unread: a
# 2 MB file whose manifest unpacked to 2 GiB took 4 GiB of memory and ended in an OverflowError.
MAX_MANIFEST_BYTES = 16 * 2**20


def parse_epoch(raw: str) -> int:
    """Parse SOURCE_DATE_EPOCH; a clear error when it is not an integer."""
    try:
        return int(raw)
    except ValueError as exc:
        raise PackageError(f"SOURCE_DATE_EPOCH must be an integer number of seconds, not {raw!r}.") from exc


def _date_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    """Convert seconds since 1970 (UTC) to a zip timestamp, clamped to the zip range."""
    stamp = time.gmtime(min(max(epoch, DOS_EPOCH), 4354819198))
    return (stamp.tm_year, stamp.tm_mon, stamp.tm_mday, stamp.tm_hour, stamp.tm_min, stamp.tm_sec)


def entry_names(parts: list[Part]) -> list[str]:
    """Return every entry name: [Content_Types].xml first, then parts and their folders, byte-sorted."""
    names: set[str] = set()
    for part in parts:
        if part.name == CONTENT_TYPES_PART:
            continue
        names.add(part.name)
        segments = part.name.split("/")[:-1]
        for depth in range(1, len(segments) + 1):
            names.add("/".join(segments[:depth]) + "/")
    return [CONTENT_TYPES_PART, *sorted(names, key=lambda n: n.encode())]


def _info(name: str, when: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    """Return a ZipInfo with fixed metadata."""
    info = zipfile.ZipInfo(name, when)
    info.create_system = 3
    if name.endswith("/"):
        info.external_attr = DIR_ATTR
        info.compress_type = zipfile.ZIP_STORED
    else:
        info.external_attr = FILE_ATTR
        stored = os.path.splitext(name)[1].lower() in STORED_EXTENSIONS
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    return info


def _write_entries(
    archive: zipfile.ZipFile, parts: list[Part], when: tuple[int, int, int, int, int, int]
) -> None:
    """Write every entry in order."""
    by_name = {part.name: part for part in parts}
    for name in entry_names(parts):
        info = _info(name, when)
        part = by_name.get(name)
        if part is None:
            archive.writestr(info, b"")
        elif part.data is not None:
            archive.writestr(info, part.data)
        else:
            assert part.source is not None
            try:
                # Unbuffered: one read of the whole file, no buffer object or terminal check per file.
                with open(part.source, "rb", buffering=0) as src:
                    data = src.readall()
            except OSError as exc:
                raise PackageError(f"cannot read {part.source}: {exc.strerror or exc}.") from exc
            archive.writestr(info, data)


def pack(
    parts: list[Part], epoch: int, limit: int | None = None, origin: str | None = None, strict: bool = False
) -> bytes:
    """Build the package in memory and return its bytes; with `strict`, ValidationFailed over `limit` bytes.

    In memory because zipfile seeks back to rewrite every entry's header: on a file that is four system
    calls per entry. Nothing is written to disk until the size is known to be allowed.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _write_entries(archive, parts, _date_time(epoch))
    size = buffer.getbuffer().nbytes
    problem = size_problem(size, limit, origin) if limit is not None else None
    if strict and problem is not None:
        raise ValidationFailed([str(problem)])
    return buffer.getvalue()


def write_vsix(
    parts: list[Part],
    target: Path,
    epoch: int,
    limit: int | None = None,
    origin: str | None = None,
    strict: bool = False,
) -> int:
    """Write the package atomically and return its size in bytes; over `limit` with `strict`, nothing is."""
    data = pack(parts, epoch, limit, origin, strict)
    try:
        write_file_atomically(data, target)
    except OSError as exc:
        raise PackageError(f"cannot write {target}: {exc.strerror or exc}.") from exc
    return len(data)


def packed_size(
    parts: list[Part], epoch: int, limit: int | None = None, origin: str | None = None, strict: bool = False
) -> int:
    """Return the exact size the package would have, writing nothing."""
    return len(pack(parts, epoch, limit, origin, strict))


def read_identity(path: Path) -> VsixIdentity:
    """Read the identity and Public flag from a .vsix's extension.vsixmanifest."""
    import xml.etree.ElementTree as ET

    try:
        # A regular file only: zipfile would read a device such as /dev/zero until memory runs out.
        with open_regular(path) as handle, zipfile.ZipFile(handle) as archive:
            info = archive.getinfo(VSIX_MANIFEST)
            if info.file_size > MAX_MANIFEST_BYTES:  # zipfile never unpacks more than an entry's size
                raise PackageError(
                    f"{path}: its {VSIX_MANIFEST} unpacks to {info.file_size:,} bytes; a manifest is a few "
                    "kilobytes, so this is not a package adoext will read."
                )
            text = archive.read(info)
    except OSError as exc:
        raise PackageError(f"{path}: not a readable .vsix ({exc.strerror or exc}).") from exc
    except (zipfile.BadZipFile, KeyError) as exc:
        raise PackageError(f"{path}: not a readable .vsix ({exc}).") from exc
    ns = {"v": "http://schemas.microsoft.com/developer/vsx-schema/2011"}
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise PackageError(f"{path}: extension.vsixmanifest is not valid XML ({exc}).") from exc
    identity = root.find("v:Metadata/v:Identity", ns)
    if identity is None:
        raise PackageError(f"{path}: extension.vsixmanifest has no <Identity>.")
    flags = (root.findtext("v:Metadata/v:GalleryFlags", "", ns) or "").split()
    return VsixIdentity(
        identity.get("Publisher", ""), identity.get("Id", ""), identity.get("Version", ""), "Public" in flags
    )
