"""Package an Azure DevOps extension into a deterministic .vsix: the library API behind `adoext package`.

Stable API (the publish command and other tools call these):

    package(options: PackageOptions) -> PackageResult
        Validate, then write the .vsix (atomically). Raises ManifestError / ValidationFailed / PackageError.
    package_deferred(options) -> (PackageResult, write_version)
        package(), with --rev-version's write-back returned to run later (publish runs it after upload).
    validate(options: PackageOptions) -> ValidationResult
        Run every check without writing anything. Raises like package().
    read_vsix_identity(path) -> VsixIdentity
        Read publisher, extension id, version and the Public flag back from a .vsix.

The processors that build a package in memory are listed, in order, in `pipeline.PIPELINE`; this module
writes what they built (`vsix.write_vsix`, or the vsomanifests alone with --metadata-only).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from adoext.errors import PackageError
from adoext.package.atomic import check_output_option, write_file_atomically
from adoext.package.checks.extension import size_problem
from adoext.package.diagnostics import Problem
from adoext.package.model import AUTO_OUTPUT, PackageOptions, PackageResult, ValidationResult, VsixIdentity
from adoext.package.parts import VSO_MANIFEST
from adoext.package.pipeline import BuiltPackage, build_package, output_file
from adoext.package.vsix import DOS_EPOCH, packed_size, parse_epoch, read_identity, write_vsix


def validate(options: PackageOptions) -> ValidationResult:
    """Run every check on the extension without writing anything."""
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
    built = build_package(options)
    if options.metadata_only:
        return _write_metadata(built, options)
    result, write_version = package_deferred(options, built)
    write_version()
    return result


def package_deferred(
    options: PackageOptions, built: BuiltPackage | None = None
) -> tuple[PackageResult, Callable[[], None]]:
    """Write the .vsix like package(), but return --rev-version's write-back instead of running it.

    `adoext publish --rev-version` runs it only once the Marketplace holds the new version, so a failed
    upload leaves the manifest as it was (tfx writes it while packaging).
    """
    built = built or build_package(options)
    target = output_file(options, built.identity)
    origin = built.merged.first_origin
    size = write_vsix(built.parts, target, _epoch(options), options.max_size, origin, options.strict)
    write_back = built.rev_version_write if options.rev_version else None
    ident = built.identity
    warnings = built.warnings + _size_warnings(size, options, origin)
    result = PackageResult(
        target, ident.publisher, ident.extension_id, ident.version, ident.is_public, size, warnings
    )
    return result, write_back or (lambda: None)


def _write_metadata(built: BuiltPackage, options: PackageOptions) -> PackageResult:
    """--metadata-only: write extension.vsomanifest (and each localized one) into the --output-path folder.

    As in tfx, --output-path is taken literally as a folder (its default `{auto}` included).
    """
    if options.output_path != AUTO_OUTPUT:
        check_output_option("--output-path", options.output_path)
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
    problem = size_problem(size, options.max_size, origin)
    return (problem,) if problem is not None else ()


def read_vsix_identity(path: Path) -> VsixIdentity:
    """Read publisher, extension id, version and the Public gallery flag from a .vsix."""
    return read_identity(path)


def _epoch(options: PackageOptions) -> int:
    """Return the zip timestamp: the option, else SOURCE_DATE_EPOCH, else the DOS epoch (1980-01-01)."""
    if options.source_date_epoch is not None:
        return options.source_date_epoch
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    return parse_epoch(raw) if raw else DOS_EPOCH
