"""Write a file so that a reader sees the old file or the whole new one, never a part of it."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def write_file_atomically(data: bytes, target: Path) -> None:
    """Write `data` to a temporary file beside `target`, then rename it into place (mode 0644).

    On any failure the temporary file and every folder this call created are removed.
    """
    missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    nearest = next(p for p in (target.parent, *target.parent.parents) if p.exists())
    if not nearest.is_dir():  # mkdir would say only "File exists"
        raise NotADirectoryError(errno.ENOTDIR, f"{nearest} is a file, not a folder", str(nearest))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temporary(target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        for folder in missing:  # leave no folder behind that this call created
            folder.rmdir()
        raise


def _create_temporary(folder: Path) -> tuple[int, Path]:
    """Create a new, unique file in `folder` (what tempfile.mkstemp does, without importing tempfile,
    shutil and random: a tenth of `adoext package`'s start-up on a small extension)."""
    while True:
        path = folder / f".adoext-{os.getpid()}-{os.urandom(6).hex()}.tmp"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), path
        except FileExistsError:
            continue
