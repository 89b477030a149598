"""Turn file declarations into the ordered list of packaged files (directories expanded, byte-sorted)."""

from __future__ import annotations

import os
from pathlib import Path

from adoext.diagnostics import Report
from adoext.merge import FileDecl


class PackageFile:
    """One file in the package: its source on disk, its part name and its <Asset> types."""

    __slots__ = (
        "source",
        "part",
        "origin",
        "json_path",
        "addressable",
        "asset_types",
        "content_type",
        "lang",
        "extra",
        "explicit_part",
    )

    def __init__(
        self,
        source: Path,
        part: str,
        origin: str,
        json_path: str,
        addressable: bool = False,
        asset_types: list[str] | None = None,
        content_type: str | None = None,
        lang: str | None = None,
        extra: bool = False,
        explicit_part: bool = False,
    ) -> None:
        self.source = source
        self.part = part
        self.origin = origin
        self.json_path = json_path
        self.addressable = addressable
        self.asset_types: list[str] = asset_types if asset_types is not None else []
        self.content_type = content_type
        self.lang = lang
        self.extra = extra
        self.explicit_part = explicit_part


def _walk(directory: Path) -> list[Path]:
    """List every file under a directory, names byte-sorted at each level (like tfx)."""
    found: list[Path] = []
    with os.scandir(directory) as entries:
        for entry in sorted(entries, key=lambda e: e.name.encode("utf-8", "surrogateescape")):
            path = Path(entry.path)
            if entry.is_dir():
                found.extend(_walk(path))
            elif entry.is_file():
                found.append(path)
    return found


def _part_for(source: Path, root: Path) -> str:
    """Return the part name tfx derives: the path relative to --root, forward slashes."""
    return Path(os.path.relpath(source, root)).as_posix()


def _clean_part(name: str) -> str:
    """Normalise a packagePath to a part name without a leading slash or './'."""
    name = name.replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    return name.lstrip("/")


class Collector:
    """Accumulates package files keyed by their source path, in tfx's insertion order."""

    def __init__(self, root: Path, report: Report) -> None:
        self.root = root
        self.report = report
        self.by_source: dict[Path, PackageFile] = {}
        self.extras: list[PackageFile] = []

    def add_decl(self, decl: FileDecl) -> None:
        """Add one declaration, expanding a directory into its files."""
        source = Path(os.path.normpath(decl.base / decl.path))
        if not source.exists():
            self.report.error(
                f"file or folder not found: {source}",
                decl.origin,
                decl.json_path + ".path" if decl.json_path.startswith("$.files") else decl.json_path,
                f"Fix the path (it is relative to {decl.base}) or create the file.",
            )
            return
        if source.is_dir():
            for child in _walk(source):
                rel = child.relative_to(source).as_posix()
                parts = tuple(_clean_part(p).rstrip("/") + "/" + rel for p in decl.package_paths)
                child_decl = FileDecl(
                    str(child), decl.base, decl.origin, decl.json_path, decl.addressable, parts
                )
                self._add(child, child_decl, auto=True)
        else:
            self._add(source, decl, auto=False)

    def _add(self, source: Path, decl: FileDecl, auto: bool) -> None:
        """Add a file; repeats merge their asset types into the first entry, as tfx does."""
        explicit = bool(decl.package_paths)
        parts = [_clean_part(p) for p in decl.package_paths] or [_part_for(source, self.root)]
        new = PackageFile(
            source,
            parts[0],
            decl.origin,
            decl.json_path,
            decl.addressable,
            list(decl.asset_types),
            decl.content_type,
            decl.lang,
            explicit_part=explicit,
        )
        if decl.addressable and not new.asset_types:
            new.asset_types = [new.part]
        for extra in parts[1:]:
            self.extras.append(PackageFile(source, extra, decl.origin, decl.json_path, extra=True))
        existing = self.by_source.get(source)
        if existing is None:
            self.by_source[source] = new
            return
        if explicit and existing.explicit_part and new.part != existing.part:
            # The same file under a second name: zipped again, without an <Asset> (tfx behaviour).
            self.extras.append(PackageFile(source, new.part, decl.origin, decl.json_path, extra=True))
            return
        types = existing.asset_types + [t for t in new.asset_types if t not in existing.asset_types]
        if auto:
            existing.asset_types = types
            return
        new.asset_types = types
        new.content_type = new.content_type or existing.content_type
        new.lang = new.lang or existing.lang
        if not explicit:
            new.part, new.explicit_part = existing.part, existing.explicit_part
        new.addressable = new.addressable or existing.addressable
        self.by_source[source] = new

    def files(self) -> list[PackageFile]:
        """Return the packaged files in insertion order, extra names last."""
        return list(self.by_source.values()) + self.extras


def collect(decls: list[FileDecl], root: Path, report: Report) -> list[PackageFile]:
    """Resolve every declaration (files first, then icons/screenshots/content) into package files."""
    collector = Collector(root, report)
    for decl in decls:
        collector.add_decl(decl)
    return collector.files()
