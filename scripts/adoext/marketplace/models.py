"""What we read from the gallery's PublishedExtension JSON, as small typed values.

Validation state follows tfx (``isvalid``/``publish``): a ``validationResultMessage`` means the version
failed; otherwise the ``validated`` version flag means it passed; neither means it is still pending.
Flags arrive as enum names ("validated, public"); numbers are accepted too (Validated = 1).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from adoext.errors import MarketplaceError

VERSION_FLAG_VALIDATED = 1
SUCCESS, PENDING, ERROR = "success", "pending", "error"


@dataclass(frozen=True)
class VersionInfo:
    """One published version and its validation outcome."""

    version: str
    status: str  # success | pending | error
    message: str | None = None
    last_updated: str | None = None


@dataclass(frozen=True)
class ExtensionInfo:
    """The parts of a published extension that show/isvalid/publish need."""

    publisher: str
    extension_id: str
    display_name: str
    flags: list[str] = field(default_factory=list)
    versions: list[VersionInfo] = field(default_factory=list)
    shared_with: list[str] = field(default_factory=list)

    @property
    def is_public(self) -> bool:
        """Tell whether the Marketplace lists the extension publicly."""
        return "public" in self.flags

    def newest(self) -> VersionInfo | None:
        """Return the most recently updated version, as tfx picks it."""
        if not self.versions:
            return None
        return max(self.versions, key=lambda v: _timestamp(v.last_updated))

    def find(self, version: str) -> VersionInfo | None:
        """Return one version by its number."""
        return next((v for v in self.versions if v.version == version), None)

    def to_json(self) -> dict[str, Any]:
        """Return a stable JSON view for ``show --json``."""
        data = asdict(self)
        data["isPublic"] = self.is_public
        return _camel(data)


def parse_extension(body: dict[str, Any]) -> ExtensionInfo:
    """Read a PublishedExtension JSON object."""
    try:
        publisher = body["publisher"]["publisherName"]
        extension_id = body["extensionName"]
    except (KeyError, TypeError) as exc:
        raise MarketplaceError("The Marketplace answered with an extension without a name.") from exc
    versions = [_parse_version(v) for v in body.get("versions") or [] if isinstance(v, dict)]
    shared = [s.get("name", "") for s in body.get("sharedWith") or [] if isinstance(s, dict)]
    return ExtensionInfo(
        publisher=str(publisher),
        extension_id=str(extension_id),
        display_name=str(body.get("displayName") or extension_id),
        flags=flag_names(body.get("flags")),
        versions=versions,
        shared_with=sorted(name for name in shared if name),
    )


def flag_names(value: object) -> list[str]:
    """Split an enum-name flag string ("validated, public") into lower-case names."""
    if isinstance(value, str):
        return [part.strip().lower() for part in value.split(",") if part.strip()]
    return []


def _parse_version(data: dict[str, Any]) -> VersionInfo:
    message = data.get("validationResultMessage") or None
    flags = data.get("flags")
    if isinstance(flags, int):
        validated = bool(flags & VERSION_FLAG_VALIDATED)
    else:
        validated = "validated" in flag_names(flags)
    status = ERROR if message else SUCCESS if validated else PENDING
    return VersionInfo(
        version=str(data.get("version", "")),
        status=status,
        message=" ".join(str(message).split()) if message else None,
        last_updated=data.get("lastUpdated"),
    )


def _timestamp(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _camel(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        head, *rest = key.split("_")
        name = head + "".join(part.title() for part in rest)
        if isinstance(value, list):
            value = [_camel(item) if isinstance(item, dict) else item for item in value]
        out[name] = value
    return out
