"""Resolve many paths to their real locations, each folder once (symbolic links followed), and open the
files adoext reads as input (manifests, overrides, a .vsix) only when they are regular files.

An input that is a FIFO or a device would block the open or the read, or (`/dev/zero`) never end while
memory grows; so `open_regular` opens without blocking, refuses anything but a regular file, and
`read_regular` reads at most a limit. Both raise OSError with a strerror to print.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

# A manifest, an overrides file or an environment file is a few kilobytes; past this it is not one.
MAX_TEXT_INPUT = 16 * 1024 * 1024


def open_regular(path: Path, limit: int | None = None) -> BinaryIO:
    """Open `path` for reading; OSError unless it is a regular file (of at most `limit` bytes)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # O_NONBLOCK: a FIFO cannot hang open
    try:
        mode, size = (info := os.fstat(fd)).st_mode, info.st_size
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (a FIFO, device or socket)", str(path))
        if limit is not None and size > limit:
            raise OSError(errno.EFBIG, f"{size:,} bytes, more than the {limit:,} adoext reads", str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, limit: int = MAX_TEXT_INPUT) -> bytes:
    """Return the bytes of a regular file of at most `limit` bytes (it may grow while read: bounded too)."""
    with open_regular(path, limit) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"more than the {limit:,} bytes adoext reads", str(path))
    return data


class RealPaths:
    """`os.path.realpath` for many files that share folders.

    realpath costs a system call per path segment, every time: 90 calls cost ~8 ms on a small
    extension. Here a folder's real path is its parent's (cached) real path plus its own name, so each
    folder costs one lstat however deep it is, and a file one more.
    """

    def __init__(self) -> None:
        self._folders: dict[str, str] = {os.sep: os.sep}

    def __call__(self, path: str | Path) -> str:
        """Return the real path of `path` (like os.path.realpath)."""
        text = os.fspath(path)
        if not os.path.isabs(text) or ".." in text.split(os.sep):
            return os.path.realpath(text)  # relative, or '..' (after a link it means the target's parent)
        return self._resolve(os.path.normpath(text))

    def _resolve(self, path: str) -> str:
        """Resolve a normalised absolute path, caching every folder on the way."""
        folder, name = os.path.split(path)
        if not name:
            return os.sep  # the root: normpath keeps a leading '//', realpath does not
        real_folder = self._folders.get(folder)
        if real_folder is None:
            real_folder = self._folders[folder] = self._resolve(folder)
        joined = os.path.join(real_folder, name)
        # Only a link needs the full walk; its target may be relative or hold further links.
        return os.path.realpath(joined) if os.path.islink(joined) else joined


class InsideRoot:
    """Tell whether a path, symbolic links followed, is --root or lies under it."""

    def __init__(self, root: Path) -> None:
        self.real = RealPaths()
        self.root = os.path.realpath(root)
        self.prefix = self.root.rstrip(os.sep) + os.sep

    def __call__(self, path: str | Path) -> bool:
        real = self.real(path)
        return real == self.root or real.startswith(self.prefix)



def link_problem(path: str | Path) -> tuple[str, str] | None:
    """Say why a symbolic link cannot be packaged and how to fix it, or return None (not a link, or a
    link to a file, which is packaged with its target's bytes).

    tfx reads every `files` entry, and every name in a folder it walks, with lstat: a link to a folder is
    not walked but read as a file (EISDIR), and a link whose target is missing fails with ENOENT. Either
    way tfx writes no package, so both are errors here rather than a package tfx could not have made.
    """
    text = os.fspath(path)
    try:
        target = os.readlink(text)
    except OSError:
        return None
    if not os.path.exists(text):
        return (
            f"the symbolic link '{text}' points to '{target}', which does not exist.",
            "Remove the link or create its target (tfx fails on it too: ENOENT).",
        )
    if os.path.isdir(text):
        return (
            f"the symbolic link '{text}' points to a folder ('{target}'), which cannot be packaged.",
            "List the folder itself in `files` (a packagePath can give it the link's name) or replace the "
            "link with it (tfx fails on such a link too: EISDIR).",
        )
    return None
