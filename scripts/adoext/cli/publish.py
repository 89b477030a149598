"""Marketplace commands: publish, share, unshare, install, show, isvalid, unpublish (tfx-compatible names)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from adocommon.usage import FiniteFloatRange

from adoext.cli.marketplace_session import (
    ExtensionRef,
    MarketplaceCommand,
    Progress,
    ServiceOptions,
    check_matches,
    identity_options,
    open_session,
    service_options,
)
from adoext.cli.package import options_from_params, package_options
from adoext.errors import CommandLineError, ToolError, ValidationRejected
from adoext.marketplace.client import FLAGS_SHOW, describe_request
from adoext.marketplace.install import (
    build_area_lookup,
    build_install,
    check_organization_name,
    organization_url,
)
from adoext.marketplace.install import install as install_extension
from adoext.marketplace.models import ERROR, PENDING, SUCCESS, parse_extension
from adoext.marketplace.preflight import load_vsix
from adoext.marketplace.publish import PollPolicy, PublishPlan, print_publish_plan, validation_state
from adoext.marketplace.publish import publish as publish_vsix
from adoext.package import api
from adoext.package.model import AUTO_OUTPUT

DRY_RUN = click.option("--dry-run", is_flag=True, help="Print each request instead of sending it.")


def _orgs(values: tuple[str, ...], option: str) -> tuple[str, ...]:
    """Accept repeated options and tfx's space- or comma-separated lists alike; check every name first.

    All are checked before any request, so a bad name later in the list never follows a done install.
    A value that names nobody (`--org ''`) is refused: doing nothing and exiting 0 would hide the mistake.
    """
    names = tuple(dict.fromkeys(part for value in values for part in value.replace(",", " ").split()))
    if values and not names:
        raise CommandLineError(f"{option} names no organization; give a name or a collection URL.")
    for name in names:
        if option == "--org":
            organization_url(name)  # a name or a collection URL
        else:
            check_organization_name(option, name)
    return names


@click.command(cls=MarketplaceCommand)
@click.option("--vsix", type=click.Path(dir_okay=False, path_type=Path),
              help="Publish this package; without it, package first with the options below.")
@package_options
@click.option("--output-path", default=AUTO_OUTPUT, show_default=True,
              help="Where to write the package when publish packages it first.")
@click.option("--share-with", multiple=True, metavar="ORG", help="Share with these organizations afterwards.")
@click.option("--no-wait-validation", is_flag=True, help="Return after the upload.")
@click.option("--validation-timeout", type=FiniteFloatRange(min=0), metavar="SECONDS",
              help="Give up waiting after this long [default: 240 private, 1200 public].")
@click.option("--poll-interval", type=FiniteFloatRange(min=0.01), metavar="SECONDS",
              help="Seconds between validation checks [default: 2 private, 15 public].")
@DRY_RUN
@service_options
def publish(
    vsix: Path | None, output_path: str, share_with: tuple[str, ...], no_wait_validation: bool,
    validation_timeout: float | None, poll_interval: float | None, dry_run: bool, service: ServiceOptions,
    **package_params: Any,
) -> None:
    """Publish an extension: package it (or take --vsix), create or update it, wait, share it."""
    # Everything that can fail without the Marketplace (the service URL, the credential, the
    # organizations) is checked before packaging: --rev-version must not bump for a bad command line.
    orgs = _orgs(share_with, "--share-with")
    with tempfile.TemporaryDirectory(prefix="adoext-publish-") as scratch, open_session(service) as session:
        write_version: Callable[[], None] | None = None
        if vsix is None:
            scratch_folder = Path(scratch) if dry_run else None
            vsix, write_version = _package_first(package_params, output_path, scratch_folder)
        package = load_vsix(vsix, max_size=package_params["max_size"])
        ident = package.identity
        check_matches(ident, package_params["publisher"], package_params["extension_id"])
        if ident.is_public and orgs:
            raise ToolError("--share-with is for private extensions; this package is public.")
        policy = PollPolicy.for_extension(ident.is_public, validation_timeout, poll_interval)
        plan = PublishPlan(package, not no_wait_validation, policy, orgs)
        if dry_run:
            print_publish_plan(session.client, plan, session.auth.scheme, click.echo)
            return
        progress = Progress()
        try:
            publish_vsix(session.client, plan, session.runtime.clock, click.echo, progress, write_version)
        finally:
            progress.finish()


def _package_first(
    params: dict[str, Any], output_path: str, scratch: Path | None
) -> tuple[Path, Callable[[], None]]:
    """Run `adoext package` with the same options; a dry run packages into a scratch folder.

    Return the package and --rev-version's write-back, which publish runs once the Marketplace holds
    the version (README: differences from tfx).
    """
    if scratch is not None:
        if params["rev_version"]:
            raise ToolError("--rev-version writes the manifest; it is not available with --dry-run.")
        output_path = str(scratch)
    result, write_version = api.package_deferred(options_from_params(params, output_path))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    where = "a scratch folder (removed after the dry run)" if scratch is not None else str(result.path)
    click.echo(f"Packaged {result.publisher}.{result.extension_id} {result.version} into {where} "
               f"({result.size:,} bytes).")
    return result.path, write_version


def _share(
    ref: ExtensionRef, orgs: tuple[str, ...], service: ServiceOptions, dry_run: bool, share: bool
) -> None:
    if not orgs:
        raise ToolError(f"Name at least one organization with --{'share' if share else 'unshare'}-with.")
    with open_session(service) as session:
        client = session.client
        for org in orgs:
            request = client.build_share(ref.publisher, ref.extension_id, org, share=share)
            if dry_run:
                click.echo(describe_request(request, session.auth.scheme))
                continue
            client.send(request, f"{'share' if share else 'unshare'} {ref.full_name}")
            done = f"Shared {ref.full_name} with" if share else f"Unshared {ref.full_name} from"
            click.echo(f"{done} {org}.")


@click.command(cls=MarketplaceCommand)
@identity_options
@click.option("--share-with", "--org", "orgs", multiple=True, metavar="ORG", help="Organization name(s).")
@DRY_RUN
@service_options
def share(ref: ExtensionRef, orgs: tuple[str, ...], dry_run: bool, service: ServiceOptions) -> None:
    """Share a private extension with organizations."""
    _share(ref, _orgs(orgs, "--share-with"), service, dry_run, share=True)


@click.command(cls=MarketplaceCommand)
@identity_options
@click.option("--unshare-with", "--org", "orgs", multiple=True, metavar="ORG", help="Organization name(s).")
@DRY_RUN
@service_options
def unshare(ref: ExtensionRef, orgs: tuple[str, ...], dry_run: bool, service: ServiceOptions) -> None:
    """Stop sharing a private extension with organizations."""
    _share(ref, _orgs(orgs, "--unshare-with"), service, dry_run, share=False)


@click.command(cls=MarketplaceCommand)
@identity_options
@click.option("--org", "orgs", multiple=True, metavar="ORG|URL", required=True,
              help="Organization name (https://dev.azure.com/ORG) or a collection URL.")
@DRY_RUN
@service_options
def install(ref: ExtensionRef, orgs: tuple[str, ...], dry_run: bool, service: ServiceOptions) -> None:
    """Install an extension into organizations (Extension Management)."""
    names = _orgs(orgs, "--org")
    with open_session(service) as session:
        for org in names:
            if dry_run:
                lookup = build_area_lookup(session.http, organization_url(org))
                click.echo(describe_request(lookup, None))
                click.echo("then, at the locationUrl it answers:")
                request = build_install(session.http, "{locationUrl}/", ref.publisher, ref.extension_id)
                click.echo(describe_request(request, session.auth.scheme))
                continue
            if install_extension(session.http, session.auth.kind, org, ref.publisher, ref.extension_id):
                click.echo(f"Installed {ref.full_name} in {org}.")
            else:
                click.echo(f"Warning: {ref.full_name} is already installed in {org} (TF1590010).", err=True)


@click.command(cls=MarketplaceCommand)
@identity_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@service_options
def show(ref: ExtensionRef, as_json: bool, service: ServiceOptions) -> None:
    """Show an extension's versions, validation state and shared organizations."""
    with open_session(service) as session:
        body = session.client.get_extension(ref.publisher, ref.extension_id, flags=FLAGS_SHOW)
    if body is None:
        raise ToolError(f"{ref.full_name} is not published.")
    info = parse_extension(body)
    if as_json:
        click.echo(json.dumps(info.to_json(), indent=2, sort_keys=True))
        return
    click.echo(f"{info.publisher}.{info.extension_id}: {info.display_name}")
    click.echo(f"  visibility: {'public' if info.is_public else 'private'}")
    click.echo(f"  shared with: {', '.join(info.shared_with) or '(nobody)'}")
    for version in info.versions:
        note = f" - {version.message}" if version.message else ""
        click.echo(f"  {version.version}  {version.last_updated or ''}  {version.status}{note}")


@click.command(cls=MarketplaceCommand)
@identity_options
@click.option("--version", "version", metavar="VERSION",
              help="Version to check [default: the package's, else the newest].")
@click.option("--json", "as_json", is_flag=True, help='Print {"status": success|pending|error, "message"}.')
@service_options
def isvalid(ref: ExtensionRef, version: str | None, as_json: bool, service: ServiceOptions) -> None:
    """Tell whether a published version passed the Marketplace's validation."""
    with open_session(service) as session:
        state = validation_state(session.client, ref.publisher, ref.extension_id, version or ref.version)
    messages = {SUCCESS: "Valid", PENDING: "Validation pending", ERROR: state.message or "Validation failed"}
    if as_json:
        # Scripts read the status from the JSON; the exit code only reports whether the query worked.
        click.echo(json.dumps({"status": state.status, "message": messages[state.status]}))
        return
    if state.status == ERROR:
        raise ValidationRejected(f"{ref.full_name} {state.version}: {messages[ERROR]}")
    click.echo(f"{ref.full_name} {state.version}: {messages[state.status]}")


@click.command(cls=MarketplaceCommand)
@identity_options
@click.option("--yes", is_flag=True, help="Confirm: remove the extension and all its versions.")
@DRY_RUN
@service_options
def unpublish(ref: ExtensionRef, yes: bool, dry_run: bool, service: ServiceOptions) -> None:
    """Remove an extension from the Marketplace (needs --yes)."""
    if not yes and not dry_run:
        raise ToolError(f"unpublish deletes {ref.full_name} and all its versions; pass --yes to confirm.")
    with open_session(service) as session:
        request = session.client.build_delete(ref.publisher, ref.extension_id)
        if dry_run:
            click.echo(describe_request(request, session.auth.scheme))
            return
        session.client.send(request, f"unpublish {ref.full_name}")
    click.echo(f"Unpublished {ref.full_name}.")


COMMANDS = [publish, share, unshare, install, show, isvalid, unpublish]
