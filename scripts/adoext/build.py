"""Build a package in memory: read, merge, collect files, validate, generate the manifests."""

# Annotations are evaluated, not deferred: NamedTuple start-up cost (scripts/adoext/README.md).

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from adoext.diagnostics import Problem, Report
from adoext.errors import ToolError, ValidationFailed
from adoext.files import PackageFile, collect
from adoext.manifests import load_partials
from adoext.merge import Merged, merge
from adoext.packaging import AUTO_OUTPUT, PackageOptions, VsixIdentity
from adoext.parts import LocalizedManifest, Part, build_parts
from adoext.validation import check


class BuiltPackage(NamedTuple):
    """Everything needed to write the .vsix."""

    parts: list[Part]
    identity: VsixIdentity
    warnings: tuple[Problem, ...]
    merged: Merged
    files: list[PackageFile]
    rev_version_write: Callable[[], None] | None = None


def _fail_on_errors(report: Report) -> None:
    """Stop with every error collected so far."""
    if report.errors:
        raise ValidationFailed([str(problem) for problem in report.errors])


def merged_from_options(options: PackageOptions, report: Report) -> Merged:
    """Read and merge the manifests named by the options (or the project's, with --env)."""
    if options.env is not None:
        from adoext.environments import project_partials

        partials = project_partials(options, report)
        return merge(partials, options.root_dir(), report)
    script = None
    if options.manifest_js is not None:
        from adoext.manifestjs import manifest_js_partial

        script = manifest_js_partial(options.manifest_js, options.manifest_js_env, options.base_dir())
    elif options.manifest_js_env:
        report.warn("--env k=v pairs are only passed to a --manifest-js script: ignored, as in tfx.")
    partials = load_partials(
        cwd=options.base_dir(),
        root=options.root_dir(),
        manifests=options.manifests,
        globs=options.manifest_globs,
        overrides_file=options.overrides_file,
        override=options.override,
        publisher=options.publisher,
        extension_id=options.extension_id,
        use_json5=options.json5,
        manifest_js=script,
    )
    return merge(partials, options.root_dir(), report)


def build_from_merged(
    merged: Merged, options: PackageOptions, report: Report, rev_write: Callable[[], None] | None = None
) -> BuiltPackage:
    """Collect files, validate and generate the parts for an already merged extension."""
    root = options.root_dir()
    files = collect(merged.files + merged.deferred, root, report)
    if options.env is not None:
        from adoext.environments import add_config_file

        files = add_config_file(files, root, options.env, report)
    _fail_on_errors(report)
    localized: list[LocalizedManifest] = []
    if options.loc_root is not None:
        from adoext.localization import localize

        localized = localize(merged, options.base_dir() / options.loc_root, report)
    check(merged, files, root, report, options.bypass_validation)
    if options.strict:
        report.escalate_warnings()
    _fail_on_errors(report)
    parts = build_parts(merged, files, localized)
    ident = merged.identity
    identity = VsixIdentity(
        str(ident.get("Publisher", "")),
        str(ident.get("Id", "")),
        str(ident.get("Version", "")),
        "Public" in merged.gallery_flags,
    )
    return BuiltPackage(parts, identity, tuple(report.warnings), merged, files, rev_write)


def build_package(options: PackageOptions) -> BuiltPackage:
    """Build the package described by `tfx extension create`-style options."""
    report = Report()
    merged = merged_from_options(options, report)
    rev_write = None
    if options.rev_version:
        from adoext.revversion import bump_merged

        rev_write = bump_merged(merged, options.base_dir(), report)
    return build_from_merged(merged, options, report, rev_write)


def output_file(options: PackageOptions, identity: VsixIdentity) -> Path:
    """Resolve --output-path: a base name with a dot (not first) is a file, anything else a folder."""
    auto = f"{identity.publisher}.{identity.extension_id}-{identity.version}.vsix"
    raw = options.output_path or AUTO_OUTPUT
    if raw == AUTO_OUTPUT:
        return options.base_dir() / auto
    path = options.base_dir() / raw
    name = path.name
    if "." in name and not name.startswith(".") and not raw.endswith(("/", "\\")):
        return path
    if path.exists() and not path.is_dir():
        raise ToolError(f"--output-path {raw}: exists and is not a folder.")
    return path / auto
