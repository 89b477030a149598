"""--rev-version: bump the last numeric segment of the version and write it back to its manifest."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from adoext.diagnostics import Report
from adoext.merge import Merged


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
    """Replace the version string in place, keeping the file's formatting; write atomically."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r'("version"\s*:\s*)' + re.escape(json.dumps(old)), re.IGNORECASE)
    updated, count = pattern.subn(lambda m: m.group(1) + json.dumps(new), text, count=1)
    if count == 0:
        raise ValueError(f"could not find the version in {path}")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".adoext-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(updated)
    os.replace(tmp, path)


def bump_merged(merged: Merged, cwd: Path, report: Report) -> Callable[[], None] | None:
    """Bump the merged version; return the action that writes it back after a successful package."""
    version = merged.identity.get("Version")
    origin, json_path = merged.origin("version")
    if not isinstance(version, str) or origin is None:
        return None
    try:
        new = bump(version)
    except ValueError as exc:
        report.error(str(exc) + ".", origin, json_path, 'Use a version like "1.0.0".')
        return None
    merged.identity["Version"] = new
    source = cwd / origin
    if not source.is_file():
        report.warn(f"--rev-version: the version came from {origin}, which is not a file; not written back.")
        return None
    return lambda: _rewrite(source, version, new)
