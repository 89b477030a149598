"""--rev-version: bump the last number of the version and write it back, as tfx does.

tfx bumps every partial manifest that holds a `version` (so the manifest and the overrides file when
both do), each from its own value, and rewrites each file in place. Here each file keeps its bytes
apart from the version string: line endings (CRLF stays CRLF), a BOM, the formatting, and its mode.

A version tfx cannot parse is not an error: tfx warns, leaves that file as it is and packages the version
unchanged. tfx-cli 0.23.1 splits the version at every '.' and reads each piece as JavaScript's parseInt
does: leading whitespace, a sign, then decimal digits or 0x and hex digits, ignoring whatever follows
(so "1.0.0-beta" is 1.0.0, "1.0.0-beta.2" is 1.0.0.2, "v1.0.0", "1..0" and "1.0x" are not versions).
A negative number, or only zeros, is not a version either. Each number is a double, so a huge piece
loses precision and prints as JavaScript prints it.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from adoext.errors import PackageError
from adoext.package.diagnostics import Report
from adoext.package.jsvalues import JS_SPACE
from adoext.package.merge.merged import Merged

# tfx's warning, word for word (its %s is the version as written).
SKIPPED = "Could not parse {} as a version (e.g. major.minor.patch). Skipping version rev..."
# parseInt without a radix: JavaScript's white space skipped, then "0x" starts hex digits (none: NaN),
# else ASCII decimal digits.
_JS_INT = re.compile(f"[{re.escape(JS_SPACE)}]*([+-]?)(?:0[xX]([0-9a-fA-F]*)|([0-9]+))")


def _parse_int(text: str) -> float | None:
    """Read `text` as JavaScript's parseInt(text) does; None where it gives NaN."""
    match = _JS_INT.match(text)
    if match is None or match.group(2) == "":
        return None
    sign, hex_digits, digits = match.groups()
    value = int(hex_digits, 16) if hex_digits is not None else int(digits)
    try:
        number = float(value)
    except OverflowError:  # beyond a double: JavaScript's Infinity
        number = math.inf
    return -number if sign == "-" else number


def _js_text(number: float) -> str:
    """Print a whole double as JavaScript's String(n) does: -0 is "0", from 1e21 on "1e+21"."""
    if math.isinf(number):
        return "Infinity"
    if number >= 1e21:
        return repr(number)  # both languages print the shortest digits, then e+NN
    return str(int(Decimal(repr(number))))  # the shortest digits, padded with zeros: 1152921504606847000


def parse(version: str) -> list[float] | None:
    """Return the version's numbers as tfx reads them, or None where tfx cannot parse it."""
    numbers = [_parse_int(piece) for piece in version.split(".")]
    if any(number is None for number in numbers):
        return None
    found = [number for number in numbers if number is not None]
    if any(number < 0 for number in found) or all(number == 0 for number in found):
        return None
    return found


def bump(version: str) -> str | None:
    """Increment the last number as tfx does (01.01.01 -> 1.1.2, 1.0.0-beta -> 1.0.1); None: not a version."""
    numbers = parse(version)
    if numbers is None:
        return None
    numbers[-1] += 1
    return ".".join(_js_text(number) for number in numbers)


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


def _js_truthy(value: Any) -> bool:
    """Whether JavaScript reads the value as true: tfx skips a version of "", 0, false or null silently."""
    return value not in ("", None, False) and not (isinstance(value, int | float) and value == 0)


def _planned(origin: str, value: Any, cwd: Path, report: Report) -> tuple[Path, str, str] | None:
    """Return (file, old, new) for one partial's version, or warn (as tfx does) why it is left as it is."""
    if not _js_truthy(value):
        return None
    new = bump(value) if isinstance(value, str) else None
    if new is None:
        shown = value if isinstance(value, str) else json.dumps(value)
        report.warn(SKIPPED.format(shown), origin, "$.version")
        return None
    source = cwd / origin
    if not source.is_file():
        report.warn(f"--rev-version: a version came from {origin}, which is not a file; not written back.")
        return None
    return source, value, new


def bump_merged(merged: Merged, cwd: Path, report: Report) -> Callable[[], None] | None:
    """Bump the merged version; return the action that writes every bumped file after a successful package."""
    version = merged.identity.get("Version")
    origin, _ = merged.origin("version")
    if origin is None:
        return None
    plans = [_planned(source, value, cwd, report) for source, value in merged.version_sources]
    writes = [plan for plan in plans if plan is not None]
    new = bump(version) if isinstance(version, str) else None
    if new is not None:  # else the version is packaged as it is, as tfx does
        merged.identity["Version"] = new

    def write_back() -> None:
        for path, old, new in writes:
            _rewrite(path, old, new)

    return write_back
