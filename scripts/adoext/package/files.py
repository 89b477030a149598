"""Turn file declarations into the ordered list of packaged files (directories expanded, byte-sorted)."""

from __future__ import annotations

import os
from pathlib import Path

from adoext.package.diagnostics import Report
from adoext.package.model import FileDecl, PackageFile
from adoext.package.realpaths import InsideRoot


def _walk(directory: str, prefix: str = "") -> list[tuple[str, str]]:
    """List every file under a directory as (path, path relative to it with forward slashes), names
    byte-sorted at each level (like tfx). Strings, not Paths: this runs once per packaged file."""
    found: list[tuple[str, str]] = []
    with os.scandir(directory) as entries:
        for entry in sorted(entries, key=lambda e: e.name.encode("utf-8", "surrogateescape")):
            if entry.is_dir():
                found.extend(_walk(entry.path, f"{prefix}{entry.name}/"))
            elif entry.is_file():
                found.append((entry.path, prefix + entry.name))
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
        self.names: dict[Path, set[str]] = {}  # every part name each source is zipped under
        self.inside = InsideRoot(root)

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
        if source.is_dir() and not decl.package_paths and not self.inside(source):
            # Every file in it would be refused (outside --root, or named '../…'): say so once, and do
            # not read the folder (it may be a whole tree: '..' of a checkout, or '/').
            self.report.error(
                f"the folder '{source}' is outside --root ({self.root}): none of its files has a name in "
                "the package.",
                decl.origin,
                decl.json_path,
                "Move it under the root, pick another --root, or give it a packagePath.",
            )
            return
        if source.is_dir():
            folder_part = _part_for(source, self.root)  # once per folder, not per file
            prefixes = [_clean_part(p).rstrip("/") + "/" for p in decl.package_paths]
            try:
                found = _walk(str(source))
            except OSError as exc:
                self.report.error(
                    f"cannot read the folder {exc.filename or source}: {exc.strerror or 'I/O error'}.",
                    decl.origin,
                    decl.json_path,
                    "Check its permissions.",
                )
                return
            for child, rel in found:
                parts = tuple(prefix + rel for prefix in prefixes)
                child_decl = FileDecl(child, decl.base, decl.origin, decl.json_path, decl.addressable, parts)
                default_part = rel if folder_part == "." else f"{folder_part}/{rel}"
                self._add(Path(child), child_decl, auto=True, default_part=default_part)
        else:
            self._add(source, decl, auto=False)

    def _add(self, source: Path, decl: FileDecl, auto: bool, default_part: str | None = None) -> None:
        """Add a file; repeats merge their asset types into the first entry, as tfx does.

        Every distinct part name a file is mapped to (a packagePath array, the same file or folder
        listed again under another packagePath) is zipped once more, without an <Asset> (tfx's
        "additional package paths"); such a copy has a packagePath, so it may come from outside --root.
        """
        explicit = bool(decl.package_paths)
        parts = [_clean_part(p) for p in decl.package_paths] or [default_part or _part_for(source, self.root)]
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
        existing = self.by_source.get(source)
        if existing is None:
            self.by_source[source] = new
            self.names[source] = {new.part}
            self._extra_names(source, parts[1:], decl)
            return
        if explicit and new.part not in self.names[source]:
            self._extra_names(source, parts, decl)
            self._merge_types(existing, new)
            return
        self._extra_names(source, parts[1:], decl)
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

    @staticmethod
    def _merge_types(existing: PackageFile, new: PackageFile) -> None:
        """Give the first entry the asset types a repeat declares (tfx concatenates them)."""
        if new.asset_types and existing.asset_types:
            existing.asset_types += [t for t in new.asset_types if t not in existing.asset_types]

    def _extra_names(self, source: Path, parts: list[str], decl: FileDecl) -> None:
        """Zip the file again under each part name it does not have yet."""
        for part in parts:
            if part in self.names[source]:
                continue
            self.names[source].add(part)
            main = self.by_source[source]
            self.extras.append(
                PackageFile(
                    source,
                    part,
                    decl.origin,
                    decl.json_path,
                    content_type=main.content_type,  # tfx gives every name of a file its override
                    extra=True,
                    explicit_part=True,
                )
            )

    def files(self) -> list[PackageFile]:
        """Return the packaged files in insertion order, extra names last."""
        return list(self.by_source.values()) + self.extras


def collect(decls: list[FileDecl], root: Path, report: Report) -> list[PackageFile]:
    """Resolve every declaration (files first, then icons/screenshots/content) into package files."""
    collector = Collector(root, report)
    for decl in decls:
        collector.add_decl(decl)
    return collector.files()
