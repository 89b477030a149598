"""Resolve many paths to their real locations, each folder once (symbolic links followed)."""

from __future__ import annotations

import os
from pathlib import Path


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
