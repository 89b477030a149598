"""Turn file declarations into the ordered list of packaged files (directories expanded, byte-sorted)."""

from __future__ import annotations

import os
from pathlib import Path

from adoext.package.diagnostics import Report
from adoext.package.model import FileDecl, PackageFile
from adoext.package.realpaths import InsideRoot, link_problem


def _walk(directory: str, links: list[tuple[str, str]], prefix: str = "") -> list[tuple[str, str]]:
    """List every file under a directory as (path, path relative to it with forward slashes), names
    byte-sorted at each level (like tfx). Strings, not Paths: this runs once per packaged file.

    A symbolic link to a file is packaged (its target's bytes, as tfx does); a link to a folder or to
    nothing is not walked but added to `links` (tfx fails on both, see realpaths.link_problem).
    """
    found: list[tuple[str, str]] = []
    with os.scandir(directory) as entries:
        for entry in sorted(entries, key=lambda e: e.name.encode("utf-8", "surrogateescape")):
            if entry.is_symlink():
                problem = link_problem(entry.path)
                if problem:
                    links.append(problem)
                elif entry.is_file():
                    found.append((entry.path, prefix + entry.name))
            elif entry.is_dir():
                found.extend(_walk(entry.path, links, f"{prefix}{entry.name}/"))
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
        json_path = decl.json_path + ".path" if decl.json_path.startswith("$.files") else decl.json_path
        link = link_problem(source)
        if link:
            self.report.error(link[0], decl.origin, json_path, link[1])
            return
        if not source.exists():
            self.report.error(
                f"file or folder not found: {source}",
                decl.origin,
                json_path,
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
            self._add_folder(source, decl)
        else:
            self._add(source, decl)

    def _add_folder(self, source: Path, decl: FileDecl) -> None:
        """Add every file of a folder; a folder entry's assetType, contentType and lang are not used (tfx)."""
        folder_part = _part_for(source, self.root)  # once per folder, not per file
        prefixes = [_clean_part(p).rstrip("/") + "/" for p in decl.package_paths]
        links: list[tuple[str, str]] = []
        try:
            found = _walk(str(source), links)
        except OSError as exc:
            self.report.error(
                f"cannot read the folder {exc.filename or source}: {exc.strerror or 'I/O error'}.",
                decl.origin,
                decl.json_path,
                "Check its permissions.",
            )
            return
        for message, hint in links:
            self.report.error(message, decl.origin, decl.json_path, hint)
        for child, rel in found:
            parts = tuple(prefix + rel for prefix in prefixes)
            child_decl = FileDecl(child, decl.base, decl.origin, decl.json_path, decl.addressable, parts)
            self._add(Path(child), child_decl, rel if folder_part == "." else f"{folder_part}/{rel}")

    def _add(self, source: Path, decl: FileDecl, default_part: str | None = None) -> None:
        """Add a file under each of its names (a packagePath array is one addition per name, as in tfx)."""
        explicit = bool(decl.package_paths)
        parts = [_clean_part(p) for p in decl.package_paths] or [default_part or _part_for(source, self.root)]
        for part in parts:
            self._add_name(source, decl, part, explicit)

    def _add_name(self, source: Path, decl: FileDecl, part: str, explicit: bool) -> None:
        """tfx's Manifest.addFile for one name. The first declaration of a source makes its entry, which
        keeps its name, addressable flag and lang. A repeat (another packagePath, the file listed again,
        or an icon/screenshot/content path naming a packaged file) adds its asset types to the entry only
        if the entry has some (no de-duplication: each is an <Asset> row on the entry's name), replaces
        its content type, and zips the file once more under a name it does not have yet, with no <Asset>
        of its own (tfx's "additional package paths")."""
        types = list(decl.asset_types) or ([part] if decl.addressable else [])
        existing = self.by_source.get(source)
        if existing is None:
            self.by_source[source] = PackageFile(
                source,
                part,
                decl.origin,
                decl.json_path,
                decl.addressable,
                types,
                decl.content_type,
                decl.lang,
                explicit_part=explicit,
            )
            self.names[source] = {part}
            return
        if existing.asset_types and types:
            existing.asset_types += types
        elif types:
            self._warn_lost_asset(existing, decl, types)
        existing.content_type = decl.content_type or existing.content_type
        if part in self.names[source]:
            return
        if not explicit and ".." in part.split("/"):
            # A file outside --root that `files` packages under a packagePath, named again by its path
            # (an icon, say): tfx zips it again as '../…', a name that unzips outside the package.
            self.report.warn(
                f"'{source}' is zipped as '{existing.part}' only, not again as '{part}' as tfx does: that "
                "name is outside the package.",
                decl.origin,
                decl.json_path,
                "Nothing is missing; copy the file under --root to silence this.",
            )
            return
        self.names[source].add(part)
        # Such a copy is named by the manifest, so (like a packagePath) it may come from outside --root.
        extra = PackageFile(source, part, decl.origin, decl.json_path, extra=True, explicit_part=True)
        self.extras.append(extra)

    def _warn_lost_asset(self, existing: PackageFile, decl: FileDecl, types: list[str]) -> None:
        """A file first packaged without asset types gets none from a repeat (an icon in a folder that
        is not addressable, say): tfx writes no <Asset> for it, so the extension has no such icon."""
        self.report.warn(
            f"'{existing.part}' is first packaged by {existing.json_path}, which is not addressable, so "
            f"{decl.json_path} gets no asset ({', '.join(types)}): tfx writes none either.",
            decl.origin,
            decl.json_path,
            f'Add "addressable": true to {existing.json_path}.',
        )

    def files(self) -> list[PackageFile]:
        """Return the packaged files in insertion order, extra names last (each with its entry's type)."""
        for extra in self.extras:
            extra.content_type = self.by_source[extra.source].content_type
        return list(self.by_source.values()) + self.extras


def collect(decls: list[FileDecl], root: Path, report: Report) -> list[PackageFile]:
    """Resolve every declaration (files first, then icons/screenshots/content) into package files."""
    collector = Collector(root, report)
    for decl in decls:
        collector.add_decl(decl)
    return collector.files()
