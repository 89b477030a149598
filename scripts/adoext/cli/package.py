"""`adoext package`, `adoext validate` and `adoext manifest`: tfx extension create's options, same meaning."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from adoext.cli.tfx_options import TfxStyleCommand, tfx_create_options
from adoext.package import api
from adoext.package.model import AUTO_OUTPUT, DEFAULT_MAX_SIZE, PackageOptions, find_project
from adoext.package.sources.environments import write_merged_manifest


def package_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Attach the options shared by `package`, `validate` and `publish`; see options_from_params."""
    decorators = [
        click.option(
            "--root", "-r", default=".", show_default=True, help="Root folder of the extension's files."
        ),
        click.option(
            "--manifest-js",
            type=click.Path(dir_okay=False, path_type=Path),
            help="CommonJS module exporting function(env) -> manifest, run with Node (replaces --manifests).",
        ),
        click.option(
            "--manifests", multiple=True, help="Manifest files, relative to --root (several allowed)."
        ),
        click.option(
            "--manifest-globs", multiple=True, help="Glob patterns for manifests, relative to --root."
        ),
        click.option(
            "--overrides-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="JSON file whose values replace the manifests' values.",
        ),
        click.option("--override", help="JSON object whose values replace the manifests' values."),
        click.option("--publisher", help="Use this publisher id."),
        click.option("--extension-id", help="Use this extension id."),
        click.option(
            "--rev-version", is_flag=True, help="Increment the version and write it back to the manifest."
        ),
        click.option("--json5", is_flag=True, help="Read manifests as JSON5 (comments, trailing commas)."),
        click.option(
            "--loc-root",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder of <lang>/resources.resjson localization files.",
        ),
        click.option("--bypass-validation", is_flag=True, help="Report rule violations as warnings only."),
        click.option(
            "--strict",
            is_flag=True,
            help="Treat every warning as an error (e.g. a contribution uri that is not packaged).",
        ),
        click.option(
            "--max-size",
            type=click.IntRange(min=1),
            default=DEFAULT_MAX_SIZE,
            show_default=True,
            help="Largest allowed package, in bytes (the Marketplace default is 25 MiB).",
        ),
        click.option(
            "--env",
            multiple=True,
            metavar="K=V",
            help="tfx's k=v pairs for the --manifest-js function (several allowed). Without "
            "--manifest-js, a lone dev|prod still means --target-env, as it did.",
        ),
        click.option(
            "--target-env",
            type=click.Choice(["dev", "prod"]),
            help="Package this project's extension for an environment (manifest/ + extension/dist).",
        ),
        click.option(
            "--trace-level",
            type=click.Choice(["none", "info", "debug"], case_sensitive=False),
            help="tfx's output threshold: none prints only warnings and errors.",
        ),
        click.option(
            "--no-prompt", is_flag=True, help="Accepted for tfx compatibility (adoext never prompts)."
        ),
        click.option(
            "--no-color", is_flag=True, help="Accepted for tfx compatibility (adoext prints no colour)."
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _environments(params: dict[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """Split --env into this project's environment and tfx's --manifest-js pairs.

    `--env dev|prod` alone, without --manifest-js, cannot be a tfx pair that does anything (tfx ignores
    --env then), so it keeps meaning --target-env for this project's scripts; anything else is tfx's.
    """
    target, pairs = params["target_env"], tuple(params["env"])
    if params["manifest_js"] is None and len(pairs) == 1 and pairs[0] in ("dev", "prod"):
        if target is not None and target != pairs[0]:
            raise click.UsageError(f"--env {pairs[0]} and --target-env {target} contradict each other.")
        return pairs[0], ()
    return target, pairs


def options_from_params(params: dict[str, Any], output_path: str = AUTO_OUTPUT) -> PackageOptions:
    """Turn the values of the `@package_options` parameters into PackageOptions (public: publish uses it)."""
    if params["strict"] and params["bypass_validation"]:
        raise click.UsageError("--strict and --bypass-validation contradict each other; choose one.")
    target_env, pairs = _environments(params)
    if params["manifest_js"] is not None and (params["manifests"] or params["manifest_globs"] or target_env):
        raise click.UsageError(
            "--manifest-js replaces --manifests, --manifest-globs and --target-env; choose one."
        )
    return PackageOptions(
        root=Path(params["root"]),
        manifests=tuple(params["manifests"]),
        manifest_globs=tuple(params["manifest_globs"]),
        overrides_file=params["overrides_file"],
        override=params["override"],
        publisher=params["publisher"],
        extension_id=params["extension_id"],
        output_path=output_path,
        rev_version=params["rev_version"],
        json5=params["json5"],
        loc_root=params["loc_root"],
        bypass_validation=params["bypass_validation"],
        strict=params["strict"],
        max_size=params["max_size"],
        env=target_env,
        manifest_js=params["manifest_js"],
        manifest_js_env=pairs,
        metadata_only=params.get("metadata_only", False),
    )


def _warnings(warnings: tuple[Any, ...]) -> None:
    """Print warnings on stderr, one line each."""
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


class TfxCreateCommand(TfxStyleCommand):
    """`adoext package`: tfx's list options include the sharing lists it accepts and ignores."""

    variadic_flags = (*TfxStyleCommand.variadic_flags, "--share-with", "--unshare-with")


@click.command(cls=TfxCreateCommand)
@package_options
@tfx_create_options
@click.option(
    "--output-path",
    default=AUTO_OUTPUT,
    show_default=True,
    help="File (base name with a dot) or folder for the .vsix; {auto} = publisher.id-version.vsix.",
)
def package(output_path: str, as_json: bool, output_kind: str, **params: Any) -> None:
    """Validate and package an extension into a deterministic .vsix (drop-in for `tfx extension create`)."""
    result = api.package(options_from_params(params, output_path))
    _warnings(result.warnings)
    if as_json or output_kind.lower() == "json":
        data = {
            "path": str(result.path),
            "extensionId": result.extension_id,
            "version": result.version,
            "publisher": result.publisher,
        }
        click.echo(json.dumps(data, indent=4))
        return
    if (params["trace_level"] or "info").lower() == "none":
        return
    click.echo("=== Completed operation: create extension ===")
    click.echo(f" - VSIX: {result.path}")
    click.echo(f" - Extension ID: {result.extension_id}")
    click.echo(f" - Extension Version: {result.version}")
    click.echo(f" - Publisher: {result.publisher}")
    if not params.get("metadata_only"):
        click.echo(f" - Size: {result.size} bytes")


@click.command(cls=TfxStyleCommand)
@package_options
def validate(**params: Any) -> None:
    """Run every packaging check without writing anything."""
    if params["rev_version"]:
        raise click.UsageError("--rev-version changes files; it is not available with validate.")
    result = api.validate(options_from_params(params))
    _warnings(result.warnings)
    click.echo(
        f"Valid: {result.publisher}.{result.extension_id} {result.version} "
        f"({result.part_count} parts, {result.size} bytes, {len(result.warnings)} warning(s))"
    )


@click.command()
@click.option(
    "--target-env",
    "--env",
    "env_name",
    type=click.Choice(["dev", "prod"]),
    required=True,
    help="Environment (--env is the older spelling).",
)
@click.option(
    "--output",
    type=click.Path(),  # plain text: the writer checks it as it checks every output path
    help="Where to write (default manifest/build/vss-extension.<env>.json).",
)
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder (default: found upwards from the current folder).",
)
def manifest(env_name: str, output: str | None, project: Path | None) -> None:
    """Write this project's merged vss-extension.json for an environment."""
    root = find_project(project or Path.cwd(), "--project")
    target = write_merged_manifest(root, env_name, output)
    click.echo(f"Wrote {target}")


COMMANDS = [package, validate, manifest]
