"""`report-bridge`: the operations CLI (serve, db, keys, audit, projects, worker, hooks; dev loads lazily).

Errors are one line on stderr and a non-zero exit (click.ClickException); never a traceback. A usage
error (unknown option or command, bad value) is one line too, with exit 2, like adoext's.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import replace
from pathlib import Path

import click
from adocommon.text import printable
from adocommon.usage import OneLineUsageGroup

from backend.audit import rows as audit_rows
from backend.auth import intake_keys
from backend.auth.organizations import bind_organization, find_organization
from backend.cli_context import (
    CliContext,
    bind_option,
    check_command_line,
    database_option,
    friendly_errors,
    key_name_option,
    org_id_option,
    org_name_option,
    project_id_option,
    read,
    tenant_id_option,
    write,
)
from backend.config import DEFAULT_DATABASE, Settings, shown
from backend.database import storage_for
from backend.reports import service
from backend.reports.projects import list_projects
from backend.storage import iter_migrations


class ReportBridgeGroup(OneLineUsageGroup):
    """The top-level group: usage errors in one line (exit 2, like adoext's), development commands lazily.

    Development commands are loaded lazily (Click's documented pattern for lazily loaded subcommands):
    `report-bridge dev` imports backend.devtools only when it runs or is listed in `--help`, so no
    production command, nor the app served by gunicorn, ever imports the development wing.
    """

    # command name -> "module:attribute"
    lazy_commands = {"dev": "backend.devtools.dev_command:dev"}  # issue 4: the local product

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Check every argument of every command once, before Click parses any (cli_context)."""
        check_command_line(ctx, args)
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_commands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy_commands.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(cls=ReportBridgeGroup)
@click.option(
    "--database",
    envvar="REPORT_BRIDGE_DATABASE",
    default=str(DEFAULT_DATABASE),  # text, made a Path by the callback: click.Path turns "" into "."
    show_default=True,
    callback=database_option,
    help="SQLite database file (REPORT_BRIDGE_DATABASE).",
)
@click.option(
    "--database-url",
    envvar="REPORT_BRIDGE_DATABASE_URL",
    callback=database_option,
    help="PostgreSQL URL or key=value string, or sqlite:///path (REPORT_BRIDGE_DATABASE_URL); "
    "wins over --database.",
)
@click.pass_context
def cli(ctx: click.Context, database: Path, database_url: str | None) -> None:
    """Operate the Report Bridge backend."""
    ctx.obj = CliContext(database=database, database_url=database_url)


@cli.command()
@click.option("--bind", callback=bind_option,
              help="host:port, [IPv6]:port or unix:/path (REPORT_BRIDGE_BIND, default 127.0.0.1:8000).")
@click.option("--workers", type=click.IntRange(1, 256),
              help="Worker processes (default: 2 x the CPUs it may use + 1).")
@click.pass_obj
def serve(ctx: CliContext, bind: str | None, workers: int | None) -> None:
    """Serve the API with gunicorn (JSON access log on stderr)."""
    from backend.serve import check_listen, run

    with friendly_errors():
        # The workers build their app from these settings, so every option given here goes into them:
        # from the environment alone they served REPORT_BRIDGE_DATABASE while the master migrated --database.
        env = ctx.applied(Settings.from_env())
        settings = replace(env, bind=bind or env.bind, workers=workers or env.workers)
        check_listen(settings.bind)  # a port in use is one line, before the database is touched
        migrated = storage_for(settings)  # migrate once in the master, before the workers fork
        migrated.upgrade()
        migrated.close()
        run(settings)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(ctx: CliContext) -> None:
    """Apply pending migrations."""
    with friendly_errors():
        storage = ctx.open()
        try:
            applied = storage.upgrade()
            current = storage.applied_versions()
        finally:
            storage.close()
    click.echo(f"applied {', '.join(applied)}" if applied else "database is up to date")
    click.echo(f"schema version {current[-1] if current else 'none'} ({ctx.where})")


@db.command("status")
@click.pass_obj
def db_status(ctx: CliContext) -> None:
    """Show the applied schema version and any migrations still pending (changes nothing)."""
    with friendly_errors():
        storage = ctx.open(create=False)
        try:
            current = storage.applied_versions()
        finally:
            storage.close()
        known = [version for version, _, _ in iter_migrations(storage.dialect)]
    pending = [version for version in known if version not in current]
    click.echo(f"schema version {current[-1] if current else 'none'} ({ctx.where}, {storage.dialect})")
    click.echo(f"pending {', '.join(pending)}" if pending else "no pending migrations")


@cli.group("keys")
def keys_group() -> None:
    """Intake API keys (one project each)."""


@keys_group.command("create")
@click.option(
    "--org", "org_id", required=True, callback=org_id_option, help="Organization id (SDK.getHost().id)."
)
@click.option("--org-name", default="", callback=org_name_option, help="Organization name, for display.")
@click.option(
    "--tenant",
    "tenant_id",
    callback=tenant_id_option,
    help="Tenant id of the organization's users (their app tokens' tid); required unless already bound.",
)
@click.option("--project", "project_id", required=True, callback=project_id_option,
              help="Azure DevOps project id.")
@click.option("--name", required=True, callback=key_name_option,
              help="Who the key is for, e.g. 'support portal'.")
@click.pass_obj
def keys_create(
    ctx: CliContext, org_id: str, org_name: str, tenant_id: str | None, project_id: str, name: str
) -> None:
    """Create a key and print it once (only a salted hash is stored)."""
    with write(ctx) as tx:
        # The operator is the verified source that binds an organization to its tenant: an app token
        # can never claim an organization whose data (these reports) came from another path.
        existing = find_organization(tx, org_id)
        if tenant_id is None and (existing is None or existing["tenant_id"] is None):
            raise click.ClickException(
                f"organization {org_id} is not bound to a tenant yet: pass --tenant <tid> "
                "(the tenant of its users' app tokens)"
            )
        bind_organization(tx, org_id, org_name, tenant_id, verified=True)
        service.ensure_project(tx, org_id, project_id)
        key, secret = intake_keys.create_key(tx, org_id=org_id, project_id=project_id, name=name)
    click.echo(secret)
    click.echo(f"key id {key.id}: store the key now, it cannot be shown again", err=True)


@keys_group.command("list")
@click.option("--org", "org_id", callback=org_id_option, help="Only this organization.")
@click.option("--project", "project_id", callback=project_id_option, help="Only this project.")
@click.pass_obj
def keys_list(ctx: CliContext, org_id: str | None, project_id: str | None) -> None:
    """List keys (ids, scopes, names, state; never the keys themselves)."""
    with read(ctx) as tx:
        rows = intake_keys.list_keys(tx, org_id=org_id, project_id=project_id)
    for row in rows:
        state = f"revoked {row['revoked_at'][:19]}Z" if row["revoked_at"] else "active"
        click.echo(f"{row['id']}  {row['org_id']}  {row['project_id']}  {state:<28} {printable(row['name'])}")
    if not rows:
        click.echo("no keys", err=True)


@keys_group.command("revoke")
@click.argument("key_id")
@click.pass_obj
def keys_revoke(ctx: CliContext, key_id: str) -> None:
    """Revoke a key by id; it fails from the next request on."""
    with write(ctx) as tx:
        found = intake_keys.revoke_key(tx, key_id)
    if not found:
        raise click.ClickException(f"no key with id {shown(key_id)}")
    click.echo(f"revoked {key_id}")


@cli.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("tail")
@click.option("-n", "--lines", "limit", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--org", "org_id", callback=org_id_option, help="Only this organization.")
@click.pass_obj
def audit_tail(ctx: CliContext, limit: int, org_id: str | None) -> None:
    """Print the newest audit rows as JSON lines, oldest first."""
    with read(ctx) as tx:
        rows = audit_rows.tail(tx, limit=limit, org_id=org_id)
    for row in rows:
        row["target"] = json.loads(row["target"])
        click.echo(json.dumps(row, sort_keys=True))


@cli.group()
def projects() -> None:
    """Per-project options."""


@projects.command("list")
@click.option("--org", "org_id", callback=org_id_option, help="Only this organization.")
@click.pass_obj
def projects_list(ctx: CliContext, org_id: str | None) -> None:
    """List known projects with their organization, tenant binding and auto-bug flag."""
    with read(ctx) as tx:
        rows = list_projects(tx, org_id)
    for row in rows:
        auto = "auto-bug on" if row["auto_create_bug"] else "auto-bug off"
        tenant = row["tenant_id"] or "unbound"
        org = f"{row['org_id']} ({printable(row['org_name'])}, tenant {printable(tenant)})"
        click.echo(f"{org}  {row['id']}  {auto}  {printable(row['name'])}")
    if not rows:
        click.echo("no projects", err=True)


@projects.command("set-auto-bug")
@click.option("--org", "org_id", required=True, callback=org_id_option)
@click.option("--project", "project_id", required=True, callback=project_id_option)
@click.argument("state", type=click.Choice(["on", "off"]))
@click.pass_obj
def projects_set_auto_bug(ctx: CliContext, org_id: str, project_id: str, state: str) -> None:
    """Create a bug automatically for every new report group of a project (on) or not (off)."""
    with write(ctx) as tx:
        found = service.set_auto_create_bug(tx, org_id, project_id, state == "on")
    if not found:
        raise click.ClickException(f"no project {shown(project_id)} in organization {shown(org_id)}")
    click.echo(f"auto-create bug {state} for {org_id}/{project_id}")


# Other features register here.
from backend.azdo.cli import hooks  # noqa: E402  (issue 5: Azure DevOps integration)
from backend.outbox.cli import worker  # noqa: E402

cli.add_command(worker)
cli.add_command(hooks)


def main() -> None:
    """Run the CLI (console script entry point)."""
    cli(prog_name="report-bridge")


if __name__ == "__main__":
    main()
