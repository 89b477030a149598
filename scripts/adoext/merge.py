"""Merge partial manifests the way tfx does: first value wins, overrides replace, lists only grow.

Each key goes to the vsixmanifest side (vsixside.py), the vsomanifest side (vsoside.py), or both.
Every value keeps the file and JSON path it came from, so later errors can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adoext.diagnostics import Report
from adoext.manifests import Partial


@dataclass
class FileDecl:
    """A `files` entry, icon, screenshot or content item, before expansion."""

    path: str
    base: Path
    origin: str
    json_path: str
    addressable: bool = False
    package_paths: tuple[str, ...] = ()
    content_type: str | None = None
    asset_types: tuple[str, ...] = ()
    lang: str | None = None


@dataclass
class Merged:
    """The merged extension: vsixmanifest metadata, vsomanifest data and the files to package."""

    identity: dict[str, Any] = field(default_factory=lambda: {"Language": "en-US"})
    metadata: dict[str, Any] = field(default_factory=dict)
    properties: list[tuple[str, str]] = field(default_factory=list)
    badges: list[dict[str, str]] = field(default_factory=list)
    targets: list[dict[str, str]] = field(default_factory=list)
    vso: dict[str, Any] = field(default_factory=dict)
    files: list[FileDecl] = field(default_factory=list)
    deferred: list[FileDecl] = field(default_factory=list)
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)
    contribution_origins: list[tuple[str, str]] = field(default_factory=list)
    first_origin: str | None = None

    def origin(self, key: str) -> tuple[str | None, str | None]:
        """Return (file, JSON path) of the value used for `key`, if known."""
        found = self.origins.get(key)
        return found if found else (self.first_origin, "$")

    @property
    def gallery_flags(self) -> list[str]:
        """Return the gallery flags as a list."""
        return [f for f in str(self.metadata.get("GalleryFlags") or "").split(" ") if f]


def merge(partials: list[Partial], root: Path, report: Report) -> Merged:
    """Merge the partials in order into one extension description."""
    from adoext import vsixside, vsoside

    merged = Merged()
    merged.first_origin = partials[0].origin if partials else None
    for partial in partials:
        for key, value in partial.data.items():
            if value is None and not partial.override:
                continue
            ctx = vsixside.KeyContext(partial, key, root, report)
            vsixside.process(merged, key, value, ctx)
            vsoside.process(merged, key, value, ctx)
    vsoside.finish(merged)
    return merged
