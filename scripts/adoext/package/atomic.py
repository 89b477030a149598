"""Write files so that a reader sees the old file or the whole new one, never a part of it.

Every file adoext writes goes through `write_files_atomically`, and so through one check of where it
goes (`check_target`): a folder, FIFO, device or socket in the way is refused, not replaced by a regular
file; so is a name the file system cannot hold. The option text itself (blank, not UTF-8, control
characters) is checked by `check_output_option` before anything is built.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from adocommon.text import printable, text_problem

from adoext.errors import CommandLineError

NAME_MAX = 255  # bytes per name on every file system adoext targets (ext4, xfs, btrfs, APFS, NTFS)


def check_output_option(option: str, raw: str) -> None:
    """Refuse an output option that names no usable path: blank, not UTF-8, or with control characters."""
    if not raw.strip():
        raise CommandLineError(f"{option} is empty; name a file or a folder, or leave the option out.")
    problem = text_problem(raw)
    if problem is not None:
        raise CommandLineError(f"{option} '{printable(raw)}' {problem}; choose another name.")
    if raw != raw.strip():
        raise CommandLineError(f"{option} '{raw}' starts or ends with a space; choose another name.")


def check_target(target: Path) -> None:
    """Raise OSError (with a clear strerror) unless `target` can become a regular file we write."""
    for name in target.parts:
        if len(os.fsencode(name)) > NAME_MAX:
            raise OSError(errno.ENAMETOOLONG, f"a name in the path is over {NAME_MAX} bytes", str(target))
    try:
        mode = target.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):  # absent, or under a file (named below)
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, device or socket)"
        raise OSError(errno.EEXIST, f"it exists and is {kind}; adoext replaces only regular files",
                      str(target))
    nearest = next(p for p in (target.parent, *target.parent.parents) if p.exists())
    if not nearest.is_dir():  # mkdir would say only "File exists"
        raise OSError(errno.ENOTDIR, f"{nearest} is a file, not a folder", str(nearest))


def write_file_atomically(data: bytes, target: Path) -> None:
    """Write `data` to `target` atomically (mode 0644); see write_files_atomically."""
    write_files_atomically([(data, target)])


def write_files_atomically(files: list[tuple[bytes, Path]]) -> None:
    """Write each file to a temporary file beside its target, then rename them all into place, in order.

    Every target is checked and every temporary file written before the first rename, so a failure
    (a bad target, a full disk) changes nothing: the temporary files and every folder this call created
    are removed. Renames within a folder do not fail once the temporary files exist, so a pair (a manifest
    and its config) is replaced together; list the file that refers to the others last.
    """
    for _, target in files:
        check_target(target)
    missing = list(dict.fromkeys(
        p for _, target in files for p in (target.parent, *target.parent.parents) if not p.exists()
    ))
    temporaries: list[tuple[Path, Path]] = []
    try:
        for data, target in files:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = _create_temporary(target.parent)
            temporaries.append((tmp, target))
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o644)
        for tmp, target in temporaries:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in temporaries:
            tmp.unlink(missing_ok=True)
        for folder in sorted(missing, key=lambda p: len(p.parts), reverse=True):
            try:  # leave no folder behind that this call created (deepest first)
                folder.rmdir()
            except OSError:
                pass
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
