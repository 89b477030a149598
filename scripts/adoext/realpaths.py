"""Resolve many paths to their real locations, each folder once (symbolic links followed)."""

from __future__ import annotations

import os
from pathlib import Path


class RealPaths:
    """`os.path.realpath` for many files that share folders.

    realpath costs a system call per path segment; a package of a few hundred files in a few dozen
    folders resolves each folder once, and a file on its own only when it is itself a link.
    """

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: str | Path) -> str:
        """Return the real path of `path` (like os.path.realpath)."""
        text = os.fspath(path)
        if not os.path.isabs(text) or ".." in text.split(os.sep) or os.path.islink(text):
            return os.path.realpath(text)  # relative, '..' (after a link it means the target's parent), link
        folder, name = os.path.split(text)
        real_folder = self._folders.get(folder)
        if real_folder is None:
            real_folder = self._folders[folder] = os.path.realpath(folder)
        return os.path.join(real_folder, name)
