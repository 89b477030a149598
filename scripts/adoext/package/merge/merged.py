"""The merge's state: the merged extension, and where the key being merged comes from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from adoext.package.diagnostics import Report
from adoext.package.model import FileDecl
from adoext.package.sources.manifests import Partial


class KeyContext(NamedTuple):
    """Where the key being merged comes from."""

    partial: Partial
    key: str
    root: Path
    report: Report

    @property
    def origin(self) -> str:
        """Return the file (or option) that supplied the key."""
        return self.partial.origin_for(self.key)

    def path(self, *parts: str | int) -> str:
        """Return a JSON path under the key, e.g. $.files[2].path."""
        text = "$." + self.key
        for part in parts:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text

    def error(self, message: str, *parts: str | int, hint: str | None = None) -> None:
        """Record an error at this key."""
        self.report.error(message, self.origin, self.path(*parts), hint)

    def warn(self, message: str, *parts: str | int, hint: str | None = None) -> None:
        """Record a warning at this key."""
        self.report.warn(message, self.origin, self.path(*parts), hint)


class Merged:
    """The merged extension: vsixmanifest metadata, vsomanifest data and the files to package.

    A plain class, not a dataclass: `adoext package` is a short-lived command and class creation
    time counts (see bench/package_vs_tfx.py).
    """

    def __init__(self) -> None:
        self.identity: dict[str, Any] = {"Language": "en-US"}
        self.metadata: dict[str, Any] = {}
        self.properties: list[tuple[str, str]] = []
        self.badges: list[dict[str, str]] = []
        self.targets: list[dict[str, str]] = []
        # Every `targets` entry's id as tfx's composer factory reads it (String(id), "undefined" when it
        # has none): each must be a known target, even one the manifest builder skips for having no id.
        self.target_ids: list[str] = []
        self.vso: dict[str, Any] = {}
        self.files: list[FileDecl] = []
        self.deferred: list[FileDecl] = []
        self.origins: dict[str, tuple[str, str]] = {}
        self.contribution_origins: list[tuple[str, str]] = []
        self.first_origin: str | None = None
        self.version_sources: list[tuple[str, Any]] = []  # every partial's `version` (--rev-version)
        self.vso_defaults: list[str] = []  # keys finish() added (a localized vsomanifest leaves them out)

    def origin(self, key: str) -> tuple[str | None, str | None]:
        """Return (file, JSON path) of the value used for `key`, if known."""
        found = self.origins.get(key)
        return found if found else (self.first_origin, "$")

    @property
    def gallery_flags(self) -> list[str]:
        """Return the gallery flags as a list."""
        return [f for f in str(self.metadata.get("GalleryFlags") or "").split(" ") if f]


# How one manifest key is applied to one side: (merged, key as written, value, where it came from).
KeyRule = Callable[[Merged, str, Any, KeyContext], None]
