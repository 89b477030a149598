"""Hostile input to the report-bridge CLI: each class is one line on stderr, a non-zero exit, no traceback,
no file made where none should be, and no secret in the line."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from backend.cli import cli

PASSWORD = "s3cretPW"


def one_line(runner: CliRunner, args: list[str], code: int, env: dict[str, str] | None = None) -> str:
    """Run the CLI; assert it failed with `code` and one line on stderr; return that line."""
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ") and "Traceback" not in result.stderr
    return line


@pytest.mark.parametrize(
    "args",
    [
        ["keys", "revoke", "k\udcff"],
        ["keys", "create", "--org", "o", "--org-name", "bad\udcff", "--project", "p", "--name", "a",
         "--tenant", "t"],
        ["keys", "create", "--org", "o", "--org-name=bad\x1b[31m", "--project", "p", "--name", "a",
         "--tenant", "t"],
        ["--database-url", f"postgresql://u:{PASSWORD}\udcff@127.0.0.1:1/db", "db", "status"],
        ["projects", "list", "--org", "o\x00"],
    ],
    ids=["argument", "option", "option=value", "database-url", "nul"],
)
def test_an_argument_that_is_not_printable_text_is_a_usage_error(
    runner: CliRunner, tmp_path: Path, args: list[str]
) -> None:
    line = one_line(runner, ["--database", str(tmp_path / "rb.db"), *args], 2)
    assert "Invalid value for" in line and PASSWORD not in line and "\x1b" not in line
    assert not (tmp_path / "rb.db").exists()


def test_a_setting_that_is_not_printable_text_is_a_config_error(runner: CliRunner, tmp_path: Path) -> None:
    env = {"REPORT_BRIDGE_DATABASE_URL": f"postgresql://u:{PASSWORD}\udcff@127.0.0.1:1/db"}
    line = one_line(runner, ["db", "status"], 2, env)  # Click reads this variable as --database-url
    assert PASSWORD not in line
    env = {"REPORT_BRIDGE_AZDO_PAT": f"{PASSWORD}\udcff"}
    line = one_line(runner, ["--database", str(tmp_path / "rb.db"), "db", "upgrade"], 1, env)
    assert line == "Error: REPORT_BRIDGE_AZDO_PAT must be valid UTF-8 text"


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_sqlite_path_that_is_no_regular_file_is_refused_before_sqlite_writes_beside_it(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    target = folder / "db"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    for command in (["db", "upgrade"], ["db", "status"], ["keys", "list"]):
        line = one_line(runner, ["--database-url", f"sqlite://{target}", *command], 1)
        assert line == f"Error: cannot open database {target}: not a regular file"
    assert sorted(path.name for path in folder.iterdir()) == ["db"]  # no -journal, -wal or .lock


@pytest.mark.parametrize("option", ["--lease", "--poll"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_a_float_option_refuses_nan_and_infinity(
    runner: CliRunner, tmp_path: Path, option: str, value: str
) -> None:
    line = one_line(runner, ["--database", str(tmp_path / "rb.db"), "worker", "--once", option, value], 2)
    assert f"Invalid value for '{option}'" in line
    assert not (tmp_path / "rb.db").exists()


def _serve(tmp_path: Path, bind: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("report-bridge", path=str(Path(sys.executable).parent))
    assert executable is not None
    environ = {**os.environ, "REPORT_BRIDGE_EXTENSION_SECRET": "x" * 32, **(env or {})}
    command = [executable, "--database", str(tmp_path / "rb.db"), "serve", "--workers", "1"]
    command += ["--bind", bind] if bind else []
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("bind", ["127.0.0.1:99999", "127.0.0.1:-5", "127.0.0.1:abc", "[::1", "[nope]:80",
                                  ":80", "127.0.0.1", "unix:"])
def test_a_bad_bind_is_one_usage_line_before_the_database_is_touched(tmp_path: Path, bind: str) -> None:
    result = _serve(tmp_path, bind)
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: Invalid value for '--bind'") and "is not a bind address" in line
    assert not (tmp_path / "rb.db").exists()
    result = _serve(tmp_path, "", {"REPORT_BRIDGE_BIND": bind})
    assert result.returncode == 1 and result.stderr.startswith("Error: REPORT_BRIDGE_BIND: ")
    assert result.stderr.count("\n") == 1 and not (tmp_path / "rb.db").exists()


def test_a_port_in_use_is_one_line_before_the_database_is_touched(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = _serve(tmp_path, f"127.0.0.1:{taken.getsockname()[1]}")
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: cannot listen on") and "Address already in use" in line
    assert not (tmp_path / "rb.db").exists()


@pytest.mark.parametrize(
    "command", [["db", "status"], ["keys", "list"], ["audit", "tail"], ["projects", "list"]]
)
def test_a_read_command_never_creates_a_database(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "missing" / "dir" / "rb.db"
    dangling = tmp_path / "dangling.db"
    dangling.symlink_to(tmp_path / "nowhere.db")
    for option in (["--database", str(missing)], ["--database-url", f"sqlite://{missing}"],
                   ["--database", str(dangling)]):
        line = one_line(runner, [*option, *command], 1)
        assert line.startswith("Error: no database at ") and "db upgrade" in line
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dangling.db"]


@pytest.mark.parametrize("option", ["--database", "--database-url"])
@pytest.mark.parametrize("value", ["", "   ", "\t"])
def test_an_empty_database_option_is_refused(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    line = one_line(runner, [option, value, "db", "status"], 2)
    assert f"Invalid value for '{option}'" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url",
    [
        f"postgres://u:{PASSWORD}@[::1:1/db",
        "host= = =garbage",
        f"postgresql://u:{PASSWORD}@h/db?bogus=1",
        f"postgresql://u:{PASSWORD}%zz@h/db",
        f"host=h password='{PASSWORD}",
        f"host=h password={PASSWORD} x",
    ],
)
def test_a_database_url_psycopg_cannot_parse_is_one_line_without_the_password(
    runner: CliRunner, url: str
) -> None:
    line = one_line(runner, ["--database-url", url, "db", "status"], 1)
    assert "is not a valid PostgreSQL URL" in line
    assert PASSWORD not in line and PASSWORD[:4] not in line


def test_names_are_printable_short_lines_and_long_values_are_shortened_in_errors(
    runner: CliRunner, tmp_path: Path
) -> None:
    database = ["--database", str(tmp_path / "rb.db")]
    create = [*database, "keys", "create", "--org", "o", "--project", "p", "--name", "a", "--tenant", "t"]
    line = one_line(runner, [*create, "--org-name", "o" * 100_000], 2)
    assert "is not an organization name" in line and len(line) < 300
    runner.invoke(cli, [*database, "db", "upgrade"])
    line = one_line(runner, [*database, "keys", "revoke", "k" * 100_000], 1)
    assert line.startswith("Error: no key with id 'kkk") and len(line) < 300


def test_id_errors_say_what_is_accepted_and_end_their_sentence(runner: CliRunner, tmp_path: Path) -> None:
    create = ["--database", str(tmp_path / "rb.db"), "keys", "create", "--org", "o", "--tenant", "t",
              "--project", "p", "--name", "n"]
    for option in ("--org", "--tenant", "--project"):
        line = one_line(runner, [*create, option, "a b"], 2)
        assert "'a b' is not a" in line and "a GUID or up to 64 letters, digits" in line
        assert "'-'). See 'cli keys create --help'." in line
    # A short id is what the words promise: it is accepted.
    assert runner.invoke(cli, create).exit_code == 0


def test_names_stored_by_other_paths_are_printed_escaped(
    runner: CliRunner, tmp_path: Path, database_url: str | None
) -> None:
    """The UI's header or an older version may have stored an escape sequence: lists print it escaped."""
    from backend.auth.organizations import bind_organization
    from backend.reports import service
    from backend.storage import open_storage

    target: Path | str = database_url or tmp_path / "rb.db"
    storage = open_storage(target)
    storage.upgrade()
    with storage.transaction() as tx:
        bind_organization(tx, "o", "evil\x1b[2J\u2028name", "t", verified=True)
        service.ensure_project(tx, "o", "p")
    storage.close()
    option = "--database-url" if database_url else "--database"
    result = runner.invoke(cli, [option, str(target), "projects", "list"])
    assert result.exit_code == 0 and "\x1b" not in result.stdout and "\u2028" not in result.stdout
    assert "evil\\x1b[2J\\u2028name" in result.stdout
