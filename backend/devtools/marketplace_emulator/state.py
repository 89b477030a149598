"""State of the local Marketplace emulator: publishers, credentials, extensions, shares, installs.

Everything a test may want to arrange or inspect lives here, behind one lock, because the emulator
serves requests from its own threads.
"""

from __future__ import annotations

import io
import threading
import zipfile
import zlib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

VSX = "{http://schemas.microsoft.com/developer/vsx-schema/2011}"
BASE_TIME = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)


@dataclass
class Version:
    """One uploaded version and its validation progress."""

    version: str
    last_updated: str
    polls_left: int
    fail_message: str | None
    validated: bool = False
    message: str | None = None

    def poll(self) -> None:
        """Advance validation by one status check, as the real service finishes after a while."""
        if self.validated or self.message:
            return
        self.polls_left -= 1
        if self.polls_left <= 0:
            if self.fail_message:
                self.message = self.fail_message
            else:
                self.validated = True

    def to_json(self) -> dict[str, Any]:
        """Render an ExtensionVersion."""
        data: dict[str, Any] = {"version": self.version, "flags": "validated" if self.validated else "none",
                                "lastUpdated": self.last_updated}
        if self.message:
            data["validationResultMessage"] = self.message
        return data


@dataclass
class Extension:
    """A published extension."""

    publisher: str
    name: str
    display_name: str
    public: bool
    versions: list[Version] = field(default_factory=list)
    shared_with: set[str] = field(default_factory=set)
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def to_json(self, flags: int, version: str | None) -> dict[str, Any]:
        """Render a PublishedExtension honouring ExtensionQueryFlags (1 versions, 4 categories and tags,
        8 shared accounts; 2, the versions' asset files, is not emulated)."""
        data: dict[str, Any] = {
            "publisher": {"publisherName": self.publisher, "displayName": self.publisher},
            "extensionId": f"00000000-0000-0000-0000-{zlib.crc32(self.name.encode()):012d}",
            "extensionName": self.name,
            "displayName": self.display_name,
            "flags": "validated, public" if self.public else "validated",
        }
        if flags & 1:
            chosen = [v for v in self.versions if version is None or v.version == version]
            data["versions"] = [v.to_json() for v in reversed(chosen)]
        if flags & 4:
            data["categories"], data["tags"] = list(self.categories), list(self.tags)
        if flags & 8:
            orgs = sorted(self.shared_with)
            data["sharedWith"] = [{"id": org, "name": org, "type": "account"} for org in orgs]
        return data


@dataclass(frozen=True)
class Identity:
    """A caller the emulator knows."""

    name: str
    kind: str  # "pat" or "bearer"


@dataclass(frozen=True)
class Recorded:
    """One request as the emulator saw it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body_size: int


@dataclass
class MarketplaceState:
    """Everything the emulator knows; tests arrange it before and inspect it after a run."""

    publishers: dict[str, set[str]] = field(default_factory=dict)
    pats: dict[str, Identity] = field(default_factory=dict)
    bearer_tokens: dict[str, Identity] = field(default_factory=dict)
    organizations: set[str] = field(default_factory=set)
    extensions: dict[tuple[str, str], Extension] = field(default_factory=dict)
    installs: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    validation_polls: int = 3
    validation_failure: str | None = None
    max_package_size: int = 26_214_400
    faults: deque[tuple[str | None, int, str | None]] = field(default_factory=deque)
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _uploads: int = 0

    def add_publisher(self, name: str, *members: str) -> None:
        """Create a publisher with the given member identities."""
        self.publishers.setdefault(name, set()).update(members)

    def add_pat(self, token: str, identity: str) -> None:
        """Accept a PAT for an identity."""
        self.pats[token] = Identity(identity, "pat")

    def add_bearer(self, token: str, identity: str) -> None:
        """Accept an Entra access token for an identity."""
        self.bearer_tokens[token] = Identity(identity, "bearer")

    def fail_next(
        self, status: int, count: int = 1, retry_after: str | None = None, method: str | None = None
    ) -> None:
        """Answer the next ``count`` requests (of ``method``, if given) with ``status``, maybe Retry-After."""
        for _ in range(count):
            self.faults.append((method, status, retry_after))

    def new_version(self, version: str) -> Version:
        """Start validation of a freshly uploaded version."""
        self._uploads += 1
        stamp = (BASE_TIME + timedelta(minutes=self._uploads)).isoformat().replace("+00:00", "Z")
        return Version(version, stamp, self.validation_polls, self.validation_failure)

    def count(self, method: str, path_part: str = "") -> int:
        """Count recorded requests by method and a path fragment."""
        return sum(1 for r in self.requests if r.method == method and path_part in r.path)


@dataclass(frozen=True)
class PackageIdentity:
    """Identity read from an uploaded VSIX by the emulator (independently of the client's reader)."""

    publisher: str
    name: str
    version: str
    display_name: str
    public: bool
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def read_package(data: bytes) -> PackageIdentity | None:
    """Read the identity of an uploaded package, or None when it is not a readable VSIX."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("extension.vsixmanifest"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return None
    ident = root.find(f"{VSX}Metadata/{VSX}Identity")
    if ident is None:
        return None
    flags = (root.findtext(f"{VSX}Metadata/{VSX}GalleryFlags") or "").split()
    return PackageIdentity(
        publisher=ident.get("Publisher", ""),
        name=ident.get("Id", ""),
        version=ident.get("Version", ""),
        display_name=root.findtext(f"{VSX}Metadata/{VSX}DisplayName") or ident.get("Id") or "",
        public="Public" in flags,
        categories=_listed(root.findtext(f"{VSX}Metadata/{VSX}Categories")),
        tags=_listed(root.findtext(f"{VSX}Metadata/{VSX}Tags")),
    )


def _listed(text: str | None) -> list[str]:
    """Split a vsixmanifest list element (comma-separated, as the packager writes it)."""
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def version_key(version: str) -> tuple[int, ...]:
    """Order dotted versions numerically, as the Marketplace requires them to increase."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))
