"""The report-bridge CLI: db upgrade, keys, projects, audit tail; one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from backend import errors
from backend.auth.intake_keys import verify_key
from backend.cli import cli
from backend.storage import iter_migrations, open_storage


@pytest.fixture
def database(tmp_path: Path, database_url: str | None) -> Path | str:
    """The database the commands run on, on each engine: a SQLite file or a PostgreSQL database."""
    return database_url or tmp_path / "new" / "rb.db"


def run(runner: CliRunner, database: Path | str, *args: str) -> tuple[int, str, str]:
    option = "--database" if isinstance(database, Path) else "--database-url"
    result = runner.invoke(cli, [option, str(database), *args])
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_from_empty(runner: CliRunner, database: Path | str, engine: str) -> None:
    code, out, _ = run(runner, database, "db", "upgrade")
    latest = [version for version, _, _ in iter_migrations(engine)][-1]
    assert code == 0 and out.startswith("applied 0001")
    assert f"schema version {latest}" in out
    code, out, _ = run(runner, database, "db", "upgrade")
    assert out.startswith("database is up to date")


def test_keys_lifecycle(runner: CliRunner, database: Path | str) -> None:
    code, out, err = run(
        runner, database, "keys", "create", "--org", "org-1", "--tenant", "t-1", "--project", "p-1",
        "--name", "portal",
    )
    assert code == 0
    key = out.strip()
    assert key.startswith("rbk_") and len(out.splitlines()) == 1
    key_id = key.split("_")[1]
    assert f"key id {key_id}" in err and "cannot be shown again" in err
    code, out, _ = run(runner, database, "keys", "list", "--org", "org-1")
    assert key_id in out and "active" in out and "portal" in out and key not in out
    storage = open_storage(database)
    with storage.snapshot() as tx:
        assert verify_key(tx, key).project_id == "p-1"
    code, out, _ = run(runner, database, "keys", "revoke", key_id)
    assert (code, out.strip()) == (0, f"revoked {key_id}")
    with storage.snapshot() as tx, pytest.raises(errors.KeyInvalid):
        verify_key(tx, key)
    code, out, _ = run(runner, database, "keys", "list")
    assert "revoked" in out
    storage.close()


def test_errors_are_one_line_with_non_zero_exit(
    runner: CliRunner, tmp_path: Path, database: Path | str
) -> None:
    code, _, err = run(runner, database, "keys", "revoke", "nosuchkey")
    assert code == 1 and err == "Error: no key with id 'nosuchkey'\n"
    code, _, err = run(runner, database, "projects", "set-auto-bug", "--org", "o", "--project", "p", "on")
    assert code == 1 and err.count("\n") == 1
    code, _, err = run(runner, database, "serve")
    assert code == 1 and err.startswith("Error: REPORT_BRIDGE_EXTENSION_SECRET is required")
    assert err.count("\n") == 1 and "Traceback" not in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(runner, blocker / "rb.db", "db", "upgrade")
    assert code == 1 and err.startswith("Error: cannot open database") and err.count("\n") == 1


def test_projects_set_auto_bug(runner: CliRunner, database: Path | str) -> None:
    run(runner, database, "keys", "create", "--org", "o", "--tenant", "t", "--project", "p", "--name", "n")
    code, out, _ = run(runner, database, "projects", "set-auto-bug", "--org", "o", "--project", "p", "on")
    assert (code, out.strip()) == (0, "auto-create bug on for o/p")
    code, out, _ = run(runner, database, "projects", "list")
    assert code == 0 and out.startswith("o (, tenant t)  p  auto-bug on")
    storage = open_storage(database)
    with storage.snapshot() as tx:
        assert tx.query_one("SELECT auto_create_bug FROM projects") == {"auto_create_bug": 1}
    storage.close()


def test_audit_tail_prints_json_lines(runner: CliRunner, database: Path | str) -> None:
    storage = open_storage(database)
    storage.upgrade()
    from backend.audit import rows as audit

    with storage.transaction() as tx:
        for n in range(3):
            audit.record(
                tx,
                {
                    "request_id": f"r{n}",
                    "actor": "cli",
                    "method": "GET",
                    "route": "/x",
                    "status_code": 200,
                    "outcome": "ok",
                    "org_id": "o" if n else "other",
                },
            )
    storage.close()
    code, out, _ = run(runner, database, "audit", "tail", "-n", "2")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [row["request_id"] for row in rows] == ["r1", "r2"]
    code, out, _ = run(runner, database, "audit", "tail", "--org", "other")
    assert [json.loads(line)["request_id"] for line in out.splitlines()] == ["r0"]


GUID = "0F8E7B43-7C1A-4D6E-9A43-3C1D2B8F5E10"


def test_keys_create_needs_the_tenant_of_an_unbound_organization(runner: CliRunner, tmp_path: Path) -> None:
    database = tmp_path / "rb.db"
    code, out, err = run(runner, database, "keys", "create", "--org", GUID, "--project", "p", "--name", "n")
    assert code == 1 and out == "" and err.count("\n") == 1 and "--tenant" in err
    storage = open_storage(database)
    with storage.snapshot() as tx:  # nothing half-made: no organization, project or key
        assert tx.query("SELECT id FROM organizations") == [] and tx.query("SELECT id FROM intake_keys") == []
    # With the tenant, the organization is bound, under its one canonical (lower-case) id.
    args = ("keys", "create", "--org", GUID, "--tenant", "TID-A", "--project", "p", "--name", "n")
    assert run(runner, database, *args)[0] == 0
    # Once bound, more keys need no tenant, and an organization id in another case is the same one.
    more = ("keys", "create", "--org", GUID.lower(), "--project", "p", "--name", "m")
    assert run(runner, database, *more)[0] == 0
    with storage.snapshot() as tx:
        orgs = tx.query("SELECT id, tenant_id FROM organizations")
        assert orgs == [{"id": GUID.lower(), "tenant_id": "tid-a"}]
        assert len(tx.query("SELECT id FROM intake_keys")) == 2
    storage.close()
    code, out, _ = run(runner, database, "keys", "list", "--org", GUID)
    assert code == 0 and len(out.splitlines()) == 2


def test_keys_create_refuses_another_tenant_in_one_line(runner: CliRunner, tmp_path: Path) -> None:
    database = tmp_path / "rb.db"
    run(runner, database, "keys", "create", "--org", GUID, "--tenant", "t-a", "--project", "p", "--name", "n")
    args = ("keys", "create", "--org", GUID, "--tenant", "t-b", "--project", "p", "--name", "n")
    code, _, err = run(runner, database, *args)
    assert code == 1 and err == "Error: This organization is bound to a different tenant.\n"


def test_keys_create_binds_an_organization_left_unbound_by_an_older_version(
    runner: CliRunner, tmp_path: Path
) -> None:
    from backend.auth.organizations import bind_organization

    database = tmp_path / "rb.db"
    storage = open_storage(database)
    storage.upgrade()
    with storage.transaction() as tx:
        bind_organization(tx, GUID.lower(), "", None)
    args = ("keys", "create", "--org", GUID, "--tenant", "t-a", "--project", "p", "--name", "n")
    assert run(runner, database, *args)[0] == 0
    with storage.snapshot() as tx:
        assert tx.query("SELECT tenant_id FROM organizations") == [{"tenant_id": "t-a"}]
    storage.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["keys", "create", "--bogus"], "No such option '--bogus'. Did you mean '--org'? "
                                        "See 'report-bridge keys create --help'."),
        (["--nope"], "No such option '--nope'. See 'report-bridge --help'."),
        (["nosuch"], "No such command 'nosuch'. See 'report-bridge --help'."),
        (["serve", "--workers", "0"], "Invalid value for '--workers': 0 is not in the range 1<=x<=256. "
                                      "See 'report-bridge serve --help'."),
        (["keys", "create", "--project", "p"], "Missing option '--org'. "
                                               "See 'report-bridge keys create --help'."),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, args, prog_name="report-bridge")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"
    assert result.stdout == ""


# The class of defect below: the CLI read the database settings its own way, so a command could open
# another database than the app it serves (a URL from REPORT_BRIDGE_DATABASE_URL_FILE or Key Vault was
# never seen), or judge a value by other rules than the app's. Every command now reads Settings.


def test_every_command_opens_the_database_the_app_would(runner: CliRunner, tmp_path: Path) -> None:
    """A URL the app reads from REPORT_BRIDGE_DATABASE_URL_FILE is the one the CLI migrates and lists."""
    chosen, default = tmp_path / "from-file.db", tmp_path / "default.db"
    url_file = tmp_path / "url"
    url_file.write_text(f"sqlite:///{chosen}\n")
    env = {"REPORT_BRIDGE_DATABASE_URL_FILE": str(url_file), "REPORT_BRIDGE_DATABASE": str(default)}
    upgrade = runner.invoke(cli, ["db", "upgrade"], env=env)
    assert upgrade.exit_code == 0, upgrade.output
    assert "from-file.db" in upgrade.stdout
    created = runner.invoke(
        cli, ["keys", "create", "--org", "o", "--tenant", "t", "--project", "p", "--name", "n"], env=env
    )
    assert created.exit_code == 0, created.output
    assert chosen.exists() and not default.exists()
    listed = runner.invoke(cli, ["keys", "list"], env=env)
    assert listed.exit_code == 0 and "  o  p  active" in listed.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REPORT_BRIDGE_DATABASE_TIMEOUT", "soon"),
        ("REPORT_BRIDGE_DATABASE_TIMEOUT", "0"),
        ("REPORT_BRIDGE_DATABASE_POOL_SIZE", "1000"),
        ("REPORT_BRIDGE_DATABASE_AUTH", "kerberos"),
        ("REPORT_BRIDGE_DATABASE_AUTH", "entra"),  # without a PostgreSQL URL
        ("REPORT_BRIDGE_DATABASE_URL", "mysql://db/rb"),
    ],
)
def test_a_bad_database_setting_gets_the_apps_own_message(
    runner: CliRunner, tmp_path: Path, name: str, value: str
) -> None:
    from backend.config import ConfigError, Settings

    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"REPORT_BRIDGE_EXTENSION_SECRET": "s" * 32, name: value})
    result = runner.invoke(cli, ["--database", str(tmp_path / "rb.db"), "db", "status"], env={name: value})
    assert result.exit_code == 1
    assert result.stderr == f"Error: {refused.value}\n"
    assert not (tmp_path / "rb.db").exists()


# The same class at the options: the CLI took ids the API's routes refuse (a key for project "" sent
# its reports where no page of the hub can show them) and names that `keys list` prints raw.
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--project", "", "is not an Azure DevOps project id"),
        ("--project", "my project", "is not an Azure DevOps project id"),
        ("--project", "p" * 65, "is not an Azure DevOps project id"),
        ("--project", "../p", "is not an Azure DevOps project id"),
        ("--tenant", "https://login.microsoftonline.com/t", "is not a tenant id"),
        ("--tenant", "t" * 5000, "is not a tenant id"),
        ("--name", "   ", "is not a key name"),
        ("--name", "n" * 201, "is not a key name"),
        ("--name", "support\x1b[2J portal", "must not contain control characters"),
    ],
)
def test_keys_create_refuses_an_id_or_name_the_api_cannot_use(
    runner: CliRunner, tmp_path: Path, option: str, value: str, message: str
) -> None:
    given = {"--org": GUID, "--tenant": "t", "--project": "p", "--name": "n", option: value}
    args = [part for pair in given.items() for part in pair]
    result = runner.invoke(cli, ["--database", str(tmp_path / "rb.db"), "keys", "create", *args])
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: Invalid value for '{option}'") and message in line
    assert len(line) < 300 and "\x1b" not in line
    assert not (tmp_path / "rb.db").exists()


def test_project_options_follow_the_routes_rule(runner: CliRunner, tmp_path: Path) -> None:
    database = ["--database", str(tmp_path / "rb.db")]
    for args in (["keys", "list", "--project", "a/b"],
                 ["projects", "set-auto-bug", "--org", GUID, "--project", "a/b", "on"]):
        result = runner.invoke(cli, [*database, *args])
        assert result.exit_code == 2 and "is not an Azure DevOps project id" in result.stderr


def test_a_project_guid_typed_in_capitals_is_the_one_the_hub_lists(runner: CliRunner, tmp_path: Path) -> None:
    """The SDK gives the hub a project's GUID in lower case; a key made for the capitals the operator
    typed would send its reports to a project of its own."""
    database = tmp_path / "rb.db"
    project = "0B6F3A52-9D8E-4C7B-A1F2-3E4D5C6B7A89"
    args = ["keys", "create", "--org", GUID, "--tenant", "t", "--project", f" {project} ", "--name", "n"]
    assert runner.invoke(cli, ["--database", str(database), *args]).exit_code == 0
    listed = runner.invoke(cli, ["--database", str(database), "keys", "list", "--project", project.lower()])
    assert f"  {project.lower()}  active" in listed.stdout
    short = runner.invoke(cli, ["--database", str(database), *args[:-4], "--project", "P-1", "--name", "n"])
    assert short.exit_code == 0  # an id that is no GUID (the local tools') has the routes' one spelling too
    assert "  p-1  active" in runner.invoke(cli, ["--database", str(database), "keys", "list"]).stdout
