"""--rev-version: bump the last numeric segment of the version and write it back, as tfx does.

tfx bumps every partial manifest that holds a `version` (so the manifest and the overrides file when
both do), each from its own value, and rewrites each file in place. Here each file keeps its bytes
apart from the version string: line endings (CRLF stays CRLF), a BOM, the formatting, and its mode.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from adoext.errors import PackageError
from adoext.package.diagnostics import Report
from adoext.package.merge.merged import Merged


def bump(version: str) -> str:
    """Increment the last numeric segment: 01.01.01 -> 1.1.2, 1.0.0-beta -> 1.0.1."""
    core = re.split(r"[-+]", version, maxsplit=1)[0]
    try:
        numbers = [int(part) for part in core.split(".")]
    except ValueError as exc:
        raise ValueError(
            f"cannot increment version '{version}': it must be numbers separated by dots"
        ) from exc
    numbers[-1] += 1
    return ".".join(str(n) for n in numbers)


def _rewrite(path: Path, old: str, new: str) -> None:
    """Replace the version string in place, keeping every other byte and the file's mode; atomically."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:  # newline="": CRLF is kept
            text = handle.read()
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError as exc:
        raise PackageError(f"--rev-version: cannot read {path}: {exc.strerror or 'I/O error'}.") from exc
    # A JSON key, or a JSON5 one (unquoted or single-quoted); the value in either quote.
    pattern = re.compile(
        r"""((?:"version"|'version'|\bversion)\s*:\s*)(["'])""" + re.escape(old) + r"\2", re.IGNORECASE
    )
    updated, count = pattern.subn(lambda m: m.group(1) + m.group(2) + new + m.group(2), text, count=1)
    if count == 0:
        raise PackageError(f"--rev-version: could not find the version {json.dumps(old)} in {path}.")
    tmp = path.with_name(f".adoext-{os.getpid()}-{os.urandom(6).hex()}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", newline="") as handle:
            handle.write(updated)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PackageError(f"--rev-version: cannot write {path}: {exc.strerror or 'I/O error'}.") from exc


def bump_merged(merged: Merged, cwd: Path, report: Report) -> Callable[[], None] | None:
    """Bump the merged version; return the action that writes every bumped file after a successful package."""
    version = merged.identity.get("Version")
    origin, json_path = merged.origin("version")
    if not isinstance(version, str) or origin is None:
        return None
    try:
        merged.identity["Version"] = bump(version)
    except ValueError as exc:
        report.error(str(exc) + ".", origin, json_path, 'Use a version like "1.0.0".')
        return None
    writes: list[tuple[Path, str, str]] = []
    for source_origin, value in merged.version_sources:
        source = cwd / source_origin
        if not isinstance(value, str):
            continue
        if not source.is_file():
            report.warn(
                f"--rev-version: a version came from {source_origin}, which is not a file; not written back."
            )
            continue
        try:
            writes.append((source, value, bump(value)))
        except ValueError as exc:
            report.warn(f"--rev-version: {exc}; {source_origin} is left as it is.")

    def write_back() -> None:
        for path, old, new in writes:
            _rewrite(path, old, new)

    return write_back
