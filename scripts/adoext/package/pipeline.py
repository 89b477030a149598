"""Build a package in memory: one ordered list of processors over one `Build`.

Each processor reads and extends the build (its manifests, its file list, its parts) and records what
is wrong in the build's report; `stop_on_errors` ends the build with every error collected so far.
Nothing is written here: `api.package` writes the parts that the last processor generated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from adoext.errors import PackageError, ValidationFailed
from adoext.package.atomic import check_output_option
from adoext.package.checks.build_tasks import check_tasks
from adoext.package.checks.extension import check_extension
from adoext.package.checks.packaged_files import check_files
from adoext.package.diagnostics import Problem, Report
from adoext.package.files import collect
from adoext.package.localization import localize
from adoext.package.merge.merged import Merged
from adoext.package.merge.partials import merge
from adoext.package.model import AUTO_OUTPUT, PackageFile, PackageOptions, VsixIdentity
from adoext.package.parts import LocalizedManifest, Part, build_parts
from adoext.package.rev_version import bump_merged
from adoext.package.sources.environments import add_config_file, project_partials
from adoext.package.sources.manifest_js import manifest_js_partial
from adoext.package.sources.manifests import Partial, load_partials


class Build:
    """One package being built: what the processors have made so far."""

    def __init__(self, options: PackageOptions) -> None:
        self.options = options
        self.report = Report()
        self.root = options.root_dir()
        self.merged = Merged()
        self.files: list[PackageFile] = []
        self.localized: list[LocalizedManifest] = []
        self.parts: list[Part] = []
        self.rev_version_write: Callable[[], None] | None = None


class BuiltPackage(NamedTuple):
    """Everything needed to write the .vsix."""

    parts: list[Part]
    identity: VsixIdentity
    warnings: tuple[Problem, ...]
    merged: Merged
    files: list[PackageFile]
    rev_version_write: Callable[[], None] | None = None


def _partials(build: Build) -> list[Partial]:
    """The manifests named by the options: this project's (--target-env), or tfx's options."""
    options = build.options
    if options.env is not None:
        return project_partials(options, build.report)
    script = None
    if options.manifest_js is not None:
        script = manifest_js_partial(options.manifest_js, options.manifest_js_env, options.base_dir())
    elif options.manifest_js_env:
        build.report.warn("--env k=v pairs are only passed to a --manifest-js script: ignored, as in tfx.")
    return load_partials(
        cwd=options.base_dir(),
        root=build.root,
        manifests=options.manifests,
        globs=options.manifest_globs,
        overrides_file=options.overrides_file,
        override=options.override,
        publisher=options.publisher,
        extension_id=options.extension_id,
        use_json5=options.json5,
        manifest_js=script,
    )


def read_manifests(build: Build) -> None:
    """Read the partial manifests and merge them into one extension."""
    build.merged = merge(_partials(build), build.root, build.report)


def bump_version(build: Build) -> None:
    """--rev-version: bump the version now; the manifests are rewritten only once the package is written."""
    if build.options.rev_version:
        build.rev_version_write = bump_merged(build.merged, build.options.base_dir(), build.report)


def collect_files(build: Build) -> None:
    """Expand the `files` entries and assets into the ordered list of packaged files."""
    build.files = collect(build.merged.files + build.merged.deferred, build.root, build.report)


def add_environment_config(build: Build) -> None:
    """--target-env: add the environment's dist/config.json (generated in memory)."""
    if build.options.env is not None:
        build.files = add_config_file(build.files, build.root, build.options.env, build.report)


def stop_on_errors(build: Build) -> None:
    """Stop with every error collected so far."""
    if build.report.errors:
        raise ValidationFailed([str(problem) for problem in build.report.errors])


def localize_manifests(build: Build) -> None:
    """i18n: strings get their text (tfx does this on every package); --loc-root: one copy per language."""
    loc_root = build.options.loc_root
    folder = build.options.base_dir() / loc_root if loc_root is not None else None
    build.localized = localize(build.merged, folder, build.report)


def check_manifest(build: Build) -> None:
    """tfx's manifest rules (identity, targets, contributions, scopes)."""
    check_extension(build.merged, build.files, build.report, build.options.bypass_validation)


def check_packaged_files(build: Build) -> None:
    """Part names, icons and asset types of the packaged files."""
    check_files(build.files, build.root, build.report, build.options.bypass_validation)


def check_build_tasks(build: Build) -> None:
    """The task.json of every build-task contribution."""
    contributions = build.merged.vso.get("contributions") or []
    check_tasks(contributions, build.root, build.merged.contribution_origins, build.report)


def escalate_with_strict(build: Build) -> None:
    """--strict: every warning so far is an error."""
    if build.options.strict:
        build.report.escalate_warnings()


def generate_parts(build: Build) -> None:
    """Generate extension.vsixmanifest, extension.vsomanifest(s) and [Content_Types].xml beside the files."""
    build.parts = build_parts(build.merged, build.files, build.localized)


Processor = Callable[[Build], None]

# The order is tfx's: errors in reading or collecting stop the build before any check runs.
PIPELINE: tuple[Processor, ...] = (
    read_manifests,
    bump_version,
    collect_files,
    add_environment_config,
    stop_on_errors,
    localize_manifests,
    check_manifest,
    check_packaged_files,
    check_build_tasks,
    escalate_with_strict,
    stop_on_errors,
    generate_parts,
)


def build_package(options: PackageOptions) -> BuiltPackage:
    """Run every processor in order on the package described by `tfx extension create`-style options."""
    build = Build(options)
    for process in PIPELINE:
        process(build)
    ident = build.merged.identity
    identity = VsixIdentity(
        str(ident.get("Publisher", "")),
        str(ident.get("Id", "")),
        str(ident.get("Version", "")),
        "Public" in build.merged.gallery_flags,
    )
    warnings = tuple(build.report.warnings)
    return BuiltPackage(build.parts, identity, warnings, build.merged, build.files, build.rev_version_write)


def output_file(options: PackageOptions, identity: VsixIdentity) -> Path:
    """Resolve --output-path: a base name with a dot (not first) is a file, anything else a folder."""
    auto = f"{identity.publisher}.{identity.extension_id}-{identity.version}.vsix"
    raw = options.output_path
    if raw == AUTO_OUTPUT:
        return options.base_dir() / auto
    check_output_option("--output-path", raw)  # the file itself is checked by the writer
    path = options.base_dir() / raw
    name = path.name
    if "." in name and not name.startswith(".") and not raw.endswith(("/", "\\")):
        return path
    if path.exists() and not path.is_dir():
        raise PackageError(f"--output-path {raw}: exists and is not a folder.")
    return path / auto
