"""What a package is made of, in memory: the options, the file declarations, the packaged files, the
results and identity, and the one rule for an extension's id (the packager and the Marketplace side share it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from adocommon.text import printable

from adoext.errors import ManifestError
from adoext.package.diagnostics import Problem

# The one rule for a publisher or extension id, the Marketplace's: letters, digits, '_' and '-', starting
# with a letter or a digit. tfx checks only the characters, with /^[A-z0-9_-]+$/, whose `A-z` also takes
# '[', '\\', ']', '^' and '`': an id such as '-x' or 'a^b' packages with tfx, so `adoext package` warns
# about it (an error under --strict) and `adoext publish`, which sends it to the Marketplace, refuses it -
# the same rule, read in one place. Both are matched whole (fullmatch), as a JavaScript `$` matches:
# Python's `$` would also take a trailing newline, which tfx refuses.
TFX_ID_CHARACTERS = re.compile(r"[A-z0-9_-]+")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
ID_RULE = "may only include letters, numbers, underscores, and dashes"


def is_valid_id(value: str) -> bool:
    """Return whether `value` is a publisher or extension id that the Marketplace accepts."""
    return ID_PATTERN.fullmatch(value) is not None


class IdProblem(NamedTuple):
    """What is wrong with an extension id, and whether tfx refuses it too (else only the Marketplace)."""

    message: str
    tfx_refuses: bool


def extension_id_problem(ext_id: str) -> IdProblem | None:
    """Say what is wrong with an extension id (tfx's message for a character tfx refuses), or None."""
    if not TFX_ID_CHARACTERS.fullmatch(ext_id):
        return IdProblem(f"'extensionId' {ID_RULE} (got '{ext_id}').", tfx_refuses=True)
    if is_valid_id(ext_id):
        return None
    rule = "must start with a letter or a number" if is_valid_id("a" + ext_id[1:]) else ID_RULE
    return IdProblem(
        f"'extensionId' {rule} (got '{ext_id}'): tfx packages it, but adoext publish refuses it, as the "
        "Marketplace's id rule does.",
        tfx_refuses=False,
    )


def named_folder(path: Path, flag: str) -> Path:
    """Return `path` resolved, or raise ManifestError unless it is a folder: a --root or --project that
    names nothing must not be searched from (its parents may hold somebody else's project)."""
    here = path.resolve()
    if not here.is_dir():
        what = "is not a folder" if here.exists() else "does not exist"
        raise ManifestError(f"{flag} '{printable(str(path))}' {what}. Name the extension's folder.")
    return here


def find_project(start: Path, flag: str = "--root") -> Path:
    """Return the nearest folder (upwards) holding manifest/base.json.j2; `flag` is the option that
    names the project on the command that asked (`manifest` has --project, the others --root)."""
    here = named_folder(start, flag)
    for folder in (here, *here.parents):
        if (folder / "manifest" / "base.json.j2").is_file():
            return folder
    raise ManifestError(
        f"no manifest/base.json.j2 found in {here} or above; run inside the project or pass {flag}."
    )


DEFAULT_MAX_SIZE = 25 * 1024 * 1024  # the Marketplace's default package limit (26,214,400 bytes)
AUTO_OUTPUT = "{auto}"


# NamedTuples, not dataclasses: immutable and typed alike, but created ~5x faster, and `adoext package`
# is a short-lived command whose start-up time counts (bench/package_vs_tfx.py).


class PackageOptions(NamedTuple):
    """The inputs of `tfx extension create`, with the same names and meanings."""

    root: Path = Path(".")
    manifests: tuple[str, ...] = ()
    manifest_globs: tuple[str, ...] = ()
    overrides_file: Path | None = None
    override: str | None = None
    publisher: str | None = None
    extension_id: str | None = None
    output_path: str = AUTO_OUTPUT
    rev_version: bool = False
    json5: bool = False
    loc_root: Path | None = None
    bypass_validation: bool = False
    strict: bool = False  # every warning is an error
    max_size: int = DEFAULT_MAX_SIZE
    source_date_epoch: int | None = None
    cwd: Path | None = None
    env: str | None = None  # this project's environment (--target-env dev|prod)
    manifest_js: Path | None = None  # tfx's --manifest-js, run with Node
    manifest_js_env: tuple[str, ...] = ()  # tfx's --env k=v pairs, passed to the --manifest-js function
    metadata_only: bool = False  # tfx's --metadata-only: write the vsomanifest(s) into a folder, no .vsix

    def base_dir(self) -> Path:
        """Return the directory relative paths on the command line are resolved against."""
        return (self.cwd or Path.cwd()).resolve()

    def root_dir(self) -> Path:
        """Return --root as an absolute path (the project folder with --target-env)."""
        if self.env is not None:
            return find_project(self.base_dir() / self.root)
        return named_folder(self.base_dir() / self.root, "--root")


class PackageResult(NamedTuple):
    """What was written."""

    path: Path
    publisher: str
    extension_id: str
    version: str
    is_public: bool
    size: int
    warnings: tuple[Problem, ...] = ()


class ValidationResult(NamedTuple):
    """What a successful validation found (the package that would be written)."""

    publisher: str
    extension_id: str
    version: str
    is_public: bool
    size: int
    part_count: int
    warnings: tuple[Problem, ...] = ()


class VsixIdentity(NamedTuple):
    """The identity of a packaged extension."""

    publisher: str
    extension_id: str
    version: str
    is_public: bool


class FileDecl(NamedTuple):
    """A `files` entry, icon, screenshot or content item, before expansion."""

    path: str
    base: Path
    origin: str
    json_path: str
    addressable: bool = False
    package_paths: tuple[str, ...] = ()
    content_type: str | None = None
    asset_types: tuple[str, ...] = ()
    lang: str | None = None


class PackageFile:
    """One file in the package: its source on disk (or generated bytes), its part name and <Asset> types."""

    __slots__ = (
        "source",
        "part",
        "origin",
        "json_path",
        "addressable",
        "asset_types",
        "content_type",
        "lang",
        "extra",
        "explicit_part",
        "data",
    )

    def __init__(
        self,
        source: Path,
        part: str,
        origin: str,
        json_path: str,
        addressable: bool = False,
        asset_types: list[str] | None = None,
        content_type: str | None = None,
        lang: str | None = None,
        extra: bool = False,
        explicit_part: bool = False,
        data: bytes | None = None,
    ) -> None:
        self.source = source
        self.part = part
        self.origin = origin
        self.json_path = json_path
        self.addressable = addressable
        self.asset_types: list[str] = asset_types if asset_types is not None else []
        self.content_type = content_type
        self.lang = lang
        self.extra = extra
        self.explicit_part = explicit_part
        # Generated in memory (dist/config.json with --target-env); `source` then names what it came from.
        self.data = data


