"""Check a VSIX locally before anything is uploaded: size, zip integrity, manifest identity.

The Marketplace rejects packages over 25 MiB by default (Azure DevOps Server 2022: 100 MiB) with the
misleading "Extension package is malformed/corrupted"; we stop before the upload with the real reason.
The identity itself is read by the packager's ``read_vsix_identity``; this module adds the checks a
package built elsewhere (or damaged in transit between CI jobs) needs before it is sent.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from adoext.errors import PackageError, ValidationFailed
from adoext.package.api import read_vsix_identity
from adoext.package.model import DEFAULT_MAX_SIZE, VsixIdentity, is_valid_id
from adoext.package.realpaths import open_regular

MARKETPLACE_MAX_SIZE = DEFAULT_MAX_SIZE
REQUIRED_PARTS = ("extension.vsixmanifest", "[Content_Types].xml")
# What a package may unpack to. The zip's CRC check below unpacks every entry, so a small file that
# unpacks to many gigabytes (a zip bomb) would keep it busy for minutes; a real extension, at most the
# upload limit packed, unpacks to far less.
MAX_UNPACKED = 2 * 2**30
# Publisher and extension ids: letters, digits, '-' and '_', starting with a letter or digit.


@dataclass(frozen=True)
class LocalVsix:
    """A package that passed the local checks, with its bytes ready to upload."""

    path: Path
    data: bytes
    identity: VsixIdentity

    @property
    def full_name(self) -> str:
        """Return ``publisher.extension``."""
        return f"{self.identity.publisher}.{self.identity.extension_id}"


def load_vsix(
    path: Path, *, max_size: int = MARKETPLACE_MAX_SIZE, max_unpacked: int = MAX_UNPACKED
) -> LocalVsix:
    """Read and check a VSIX; raise ValidationFailed/PackageError instead of uploading a bad one."""
    try:
        with open_regular(path) as handle:  # a FIFO or device is refused, never read without end
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(max_size + 1) if size <= max_size else b""
    except OSError as exc:
        raise PackageError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if size > max_size or len(data) > max_size:
        raise ValidationFailed(
            f"{path.name} is {max(size, len(data)):,} bytes, over the {max_size:,}-byte upload limit; it was "
            "not uploaded (ask Marketplace support to raise the publisher's limit and pass --max-size)."
        )
    check_archive(path, max_unpacked)
    identity = read_identity(path)
    return LocalVsix(path, data, identity)


def check_archive(path: Path, max_unpacked: int = MAX_UNPACKED) -> None:
    """Make sure the file is an intact zip with the parts every VSIX has, of a size a VSIX can have."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [part for part in REQUIRED_PARTS if part not in names]
            if missing:
                raise ValidationFailed(f"{path.name} is not a VSIX: it has no {', '.join(missing)}.")
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > max_unpacked:  # zipfile never unpacks more than an entry's size: this bounds it
                raise ValidationFailed(
                    f"{path.name} unpacks to {unpacked:,} bytes, more than the {max_unpacked:,} adoext reads "
                    "of a package (a zip bomb?); it was not uploaded."
                )
            broken = archive.testzip()
    except zipfile.BadZipFile as exc:
        raise ValidationFailed(f"{path.name} is not a VSIX (not a zip file).") from exc
    if broken is not None:
        raise ValidationFailed(f"{path.name} is damaged: entry {broken!r} fails its CRC check.")


def read_identity(path: Path) -> VsixIdentity:
    """Read the package's identity (packager's reader) and refuse one the Marketplace would refuse."""
    identity = read_vsix_identity(path)
    values = {"Publisher": identity.publisher, "Id": identity.extension_id, "Version": identity.version}
    for key, value in values.items():
        if not value.strip():
            raise ValidationFailed(f"{path.name}: the manifest's Identity has no {key}.")
    for key in ("Publisher", "Id"):
        if not is_valid_id(values[key]):
            raise ValidationFailed(
                f"{path.name}: Identity {key} {values[key]!r} has characters the Marketplace refuses."
            )
    return identity
