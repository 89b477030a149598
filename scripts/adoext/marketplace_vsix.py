"""Check a VSIX locally before anything is uploaded: size, zip integrity, manifest identity.

The Marketplace rejects packages over 25 MiB by default (Azure DevOps Server 2022: 100 MiB) with the
misleading "Extension package is malformed/corrupted"; we stop before the upload with the real reason.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from adoext.errors import PackageError, ValidationFailed

MARKETPLACE_MAX_SIZE = 26_214_400  # 25 MiB, the Marketplace's default per-publisher limit
VSIX_NS = "{http://schemas.microsoft.com/developer/vsx-schema/2011}"
REQUIRED_PARTS = ("extension.vsixmanifest", "[Content_Types].xml")
# Publisher and extension ids: letters, digits, '-' and '_', starting with a letter or digit.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class VsixIdentity:
    """Who the package says it is."""

    publisher: str
    extension_id: str
    version: str
    is_public: bool

    @property
    def full_name(self) -> str:
        """Return ``publisher.extension``."""
        return f"{self.publisher}.{self.extension_id}"


@dataclass(frozen=True)
class LocalVsix:
    """A package that passed the local checks, with its bytes ready to upload."""

    path: Path
    data: bytes
    identity: VsixIdentity


def load_vsix(path: Path, *, max_size: int = MARKETPLACE_MAX_SIZE) -> LocalVsix:
    """Read and check a VSIX; raise ValidationFailed/PackageError instead of uploading a bad one."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PackageError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if size > max_size:
        raise ValidationFailed(
            f"{path.name} is {size:,} bytes, over the {max_size:,}-byte upload limit; it was not uploaded "
            "(ask Marketplace support to raise the publisher's limit and pass --max-size)."
        )
    data = path.read_bytes()
    return LocalVsix(path, data, read_identity(path))


def read_identity(path: Path) -> VsixIdentity:
    """Read publisher, id, version and the Public flag from extension.vsixmanifest."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [part for part in REQUIRED_PARTS if part not in names]
            if missing:
                raise ValidationFailed(f"{path.name} is not a VSIX: it has no {', '.join(missing)}.")
            broken = archive.testzip()
            if broken is not None:
                raise ValidationFailed(f"{path.name} is damaged: entry {broken!r} fails its CRC check.")
            manifest = archive.read("extension.vsixmanifest")
    except zipfile.BadZipFile as exc:
        raise ValidationFailed(f"{path.name} is not a VSIX (not a zip file).") from exc
    return _parse_identity(path.name, manifest)


def _parse_identity(name: str, manifest: bytes) -> VsixIdentity:
    try:
        root = ElementTree.fromstring(manifest)
    except ElementTree.ParseError as exc:
        raise ValidationFailed(f"{name}: extension.vsixmanifest is not valid XML ({exc}).") from exc
    identity = root.find(f"{VSIX_NS}Metadata/{VSIX_NS}Identity")
    if identity is None:
        raise ValidationFailed(f"{name}: extension.vsixmanifest has no Metadata/Identity element.")
    values = {key: (identity.get(key) or "").strip() for key in ("Publisher", "Id", "Version")}
    for key, value in values.items():
        if not value:
            raise ValidationFailed(f"{name}: the manifest's Identity has no {key}.")
    for key in ("Publisher", "Id"):
        if not ID_PATTERN.match(values[key]):
            raise ValidationFailed(
                f"{name}: Identity {key} {values[key]!r} has characters the Marketplace refuses."
            )
    flags = root.findtext(f"{VSIX_NS}Metadata/{VSIX_NS}GalleryFlags") or ""
    return VsixIdentity(
        publisher=values["Publisher"],
        extension_id=values["Id"],
        version=values["Version"],
        is_public="Public" in flags.split(),
    )
