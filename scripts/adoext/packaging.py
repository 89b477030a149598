"""Package an Azure DevOps extension into a deterministic .vsix: the library API behind `adoext package`.

Stable API (the publish command and other tools call these):

    package(options: PackageOptions) -> PackageResult
        Validate, then write the .vsix (atomically). Raises ManifestError / ValidationFailed / PackageError.
    validate(options: PackageOptions) -> ValidationResult
        Run every check without writing anything. Raises like package().
    read_vsix_identity(path) -> VsixIdentity
        Read publisher, extension id, version and the Public flag back from a .vsix.

The pipeline: manifests.load_partials -> merge.merge -> files.collect -> validation.check ->
parts.build_parts (vsixmanifest, vsomanifest, [Content_Types].xml) -> vsix.write_vsix.
"""

# Annotations are evaluated, not deferred: NamedTuple start-up cost (scripts/adoext/README.md).

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from adoext.diagnostics import Problem

if TYPE_CHECKING:
    from adoext.build import BuiltPackage

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
            from adoext.environments import find_project

            return find_project(self.base_dir() / self.root)
        return (self.base_dir() / self.root).resolve()


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


def validate(options: PackageOptions) -> ValidationResult:
    """Run every check on the extension without writing anything."""
    from adoext.build import build_package
    from adoext.vsix import packed_size

    built = build_package(options)
    origin = built.merged.first_origin
    size = packed_size(built.parts, _epoch(options), options.max_size, origin, options.strict)
    ident = built.identity
    return ValidationResult(
        ident.publisher,
        ident.extension_id,
        ident.version,
        ident.is_public,
        size,
        len(built.parts),
        built.warnings + _size_warnings(size, options, origin),
    )


def package(options: PackageOptions) -> PackageResult:
    """Validate the extension, then write its .vsix atomically and return what was written."""
    from adoext.build import build_package, output_file
    from adoext.vsix import write_vsix

    built = build_package(options)
    if options.metadata_only:
        return _write_metadata(built, options)
    target = output_file(options, built.identity)
    origin = built.merged.first_origin
    size = write_vsix(built.parts, target, _epoch(options), options.max_size, origin, options.strict)
    if options.rev_version and built.rev_version_write is not None:
        built.rev_version_write()
    ident = built.identity
    warnings = built.warnings + _size_warnings(size, options, origin)
    return PackageResult(
        target, ident.publisher, ident.extension_id, ident.version, ident.is_public, size, warnings
    )


def _write_metadata(built: "BuiltPackage", options: PackageOptions) -> PackageResult:
    """--metadata-only: write extension.vsomanifest (and each localized one) into the --output-path folder.

    As in tfx, --output-path is taken literally as a folder (its default `{auto}` included).
    """
    from adoext.errors import PackageError
    from adoext.parts import VSO_MANIFEST
    from adoext.vsix import write_file_atomically

    folder = options.base_dir() / options.output_path
    if folder.exists() and not folder.is_dir():
        raise PackageError(f"--output-path {options.output_path}: must be a folder with --metadata-only.")
    for part in built.parts:
        generated = part.source is None and part.data is not None
        if generated and (part.name == VSO_MANIFEST or part.name.endswith("/" + VSO_MANIFEST)):
            assert part.data is not None
            try:
                write_file_atomically(part.data, folder / part.name)
            except OSError as exc:
                raise PackageError(
                    f"cannot write {folder / part.name}: {exc.strerror or 'I/O error'}."
                ) from exc
    if options.rev_version and built.rev_version_write is not None:
        built.rev_version_write()
    ident = built.identity
    return PackageResult(
        folder, ident.publisher, ident.extension_id, ident.version, ident.is_public, 0, built.warnings
    )


def _size_warnings(size: int, options: PackageOptions, origin: str | None) -> tuple[Problem, ...]:
    """A package over --max-size is a warning (an error with --strict, raised before anything is written)."""
    from adoext.validation import size_problem

    problem = size_problem(size, options.max_size, origin)
    return (problem,) if problem is not None else ()


def read_vsix_identity(path: Path) -> VsixIdentity:
    """Read publisher, extension id, version and the Public gallery flag from a .vsix."""
    from adoext.vsix import read_identity

    return read_identity(path)


def _epoch(options: PackageOptions) -> int:
    """Return the zip timestamp: the option, else SOURCE_DATE_EPOCH, else the DOS epoch (1980-01-01)."""
    if options.source_date_epoch is not None:
        return options.source_date_epoch
    from adoext.vsix import DOS_EPOCH, parse_epoch

    raw = os.environ.get("SOURCE_DATE_EPOCH")
    return parse_epoch(raw) if raw else DOS_EPOCH
