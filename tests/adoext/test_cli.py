"""CLI error paths: exit code, one line, no traceback; tfx-style list options; one real subprocess run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from adoext.cli import get_cli
from adoext.cli.tfx_options import TfxStyleCommand
from click.testing import CliRunner

from tests.adoext.conftest import Ext, base_manifest, read_parts


def invoke(ext: Ext, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, list[str], str]:
    """Run adoext in the extension folder; return exit code, stderr lines and stdout."""
    monkeypatch.chdir(ext.root)
    result = CliRunner().invoke(get_cli(), list(args), catch_exceptions=False)
    return result.exit_code, result.stderr.splitlines(), result.stdout


def test_missing_manifest(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    code, err, _ = invoke(make_ext(), monkeypatch, "package", "--manifests", "nope.json")
    assert code == 2
    assert err == ["Error: nope.json: manifest not found. Check the path (relative to --root)."]


def test_invalid_json(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    ext = make_ext()
    ext.write("vss-extension.json", "{oops")
    code, err, _ = invoke(ext, monkeypatch, "package")
    assert (
        code == 2 and len(err) == 1 and err[0].startswith("Error: vss-extension.json: invalid JSON at line 1")
    )


def test_validation_errors_one_line_each(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, err, _ = invoke(make_ext(base_manifest(categories=None, version=3)), monkeypatch, "package")
    assert code == 3
    assert err[:2] == [
        "error: vss-extension.json: $.version: 'version' must be provided. "
        'Write it as a string, e.g. "version": "1.0.0".',
        "error: vss-extension.json: $: One or more 'categories' must be provided. "
        'Add e.g. "categories": ["Azure Boards"].',
    ]
    assert err[2] == "Error: 2 problem(s) found; nothing was written."
    assert not list(Path(".").glob("*.vsix"))


def test_strict_and_bypass_validation_are_refused_together(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, err, _ = invoke(make_ext(), monkeypatch, "validate", "--strict", "--bypass-validation")
    assert code == 2 and err == [
        "Error: --strict and --bypass-validation contradict each other; choose one. "
        "See 'adoext validate --help'."
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["package", "--trace-level", "loud"],
            "Error: Invalid value for '--trace-level': 'loud' is not one of 'none', 'info', 'debug'. "
            "See 'adoext package --help'.",
        ),
        (
            ["package", "--max-size", "big"],
            "Error: Invalid value for '--max-size': 'big' is not a valid integer range. "
            "See 'adoext package --help'.",
        ),
        (["packge"], "Error: No such command 'packge'. Did you mean 'package'? See 'adoext --help'."),
        (["--bogus"], "Error: No such option '--bogus'. See 'adoext --help'."),
        (
            ["manifest"],
            "Error: Missing option '--target-env' / '--env'. Choose from: dev, prod. "
            "See 'adoext manifest --help'.",
        ),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(
    args: list[str], line: str, make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, err, out = invoke(make_ext(), monkeypatch, *args)
    assert (code, err, out) == (2, [line], "")


def test_bare_adoext_still_prints_the_help() -> None:
    result = CliRunner().invoke(get_cli(), [])
    assert result.exit_code == 2 and "Commands:" in result.output and "package" in result.output


def test_bad_override_json(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    code, err, _ = invoke(make_ext(), monkeypatch, "package", "--override", "[1]")
    assert code == 2 and err == [
        "Error: --override: must be a JSON object, e.g. --override '{\"public\": false}'."
    ]


def test_bad_source_date_epoch(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    code, err, _ = invoke(make_ext(), monkeypatch, "package")
    assert code == 4 and err == [
        "Error: SOURCE_DATE_EPOCH must be an integer number of seconds, not 'yesterday'."
    ]


def test_tfx_style_lists_and_default_output_name(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext(base_manifest(contributions=None))
    ext.write("a.json", {"contributions": [{"id": "a", "type": "x.y", "properties": {}}]})
    ext.write("b.json", {"contributions": [{"id": "b", "type": "x.y", "properties": {}}]})
    code, err, out = invoke(
        ext,
        monkeypatch,
        "package",
        "--manifest-globs",
        "vss-extension.json",
        "a.json",
        "b.json",
        "--publisher",
        "p2",
        "--no-prompt",
        "--no-color",
    )
    assert code == 0, err
    vsix = ext.root / "p2.sample-1.0.0.vsix"
    assert f" - VSIX: {vsix}" in out.splitlines()
    ids = [c["id"] for c in json.loads(read_parts(vsix)["extension.vsomanifest"])["contributions"]]
    assert ids == ["a", "b"]


class OrgListCommand(TfxStyleCommand):
    """A command that adds its own tfx-style list flag, as the publish commands do."""

    variadic_flags = (*TfxStyleCommand.variadic_flags, "--org")


@click.command(cls=OrgListCommand)
@click.option("--org", multiple=True)
@click.option("--manifests", multiple=True)
@click.option("--publisher")
def echo_lists(org: tuple[str, ...], manifests: tuple[str, ...], publisher: str | None) -> None:
    """Print what Click parsed."""
    click.echo(json.dumps([org, manifests, publisher]))


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        (["--org", "a", "b", "--manifests", "m.json", "n.json"], [["a", "b"], ["m.json", "n.json"], None]),
        (["--org", "a", "--publisher", "p", "--org", "c", "d"], [["a", "c", "d"], [], "p"]),
        (["--manifests", "m.json"], [[], ["m.json"], None]),
    ],
)
def test_subclasses_add_variadic_flags(args: list[str], parsed: list[object]) -> None:
    result = CliRunner().invoke(echo_lists, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == parsed


def test_variadic_flag_without_a_value_is_a_usage_error() -> None:
    result = CliRunner().invoke(echo_lists, ["--org"])
    assert result.exit_code == 2 and "'--org' requires an argument" in result.stderr


def test_output_path_folder_vs_file(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    ext = make_ext()
    assert invoke(ext, monkeypatch, "package", "--output-path", "dist-out")[0] == 0
    assert (ext.root / "dist-out" / "fabrikam.sample-1.0.0.vsix").is_file()
    assert invoke(ext, monkeypatch, "package", "--output-path", "out/my.vsix")[0] == 0
    assert (ext.root / "out" / "my.vsix").is_file()


def test_validate_command(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    code, err, out = invoke(make_ext(), monkeypatch, "validate")
    assert code == 0 and out.startswith("Valid: fabrikam.sample 1.0.0 (6 parts, ")
    assert not list(Path(".").glob("*.vsix"))


def test_real_subprocess_run(make_ext: Callable[..., Ext]) -> None:
    """The installed console script, as a publisher runs it."""
    ext = make_ext(base_manifest(name=""))
    adoext = Path(sys.executable).with_name("adoext")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    bad = subprocess.run(
        [str(adoext), "package", "--root", "."], cwd=ext.root, capture_output=True, text=True, env=env
    )
    assert bad.returncode == 3 and "Traceback" not in bad.stderr
    assert bad.stderr.splitlines()[0].startswith(
        "error: vss-extension.json: $.name: 'name' must be provided."
    )
    ext.write("vss-extension.json", base_manifest())
    good = subprocess.run(
        [str(adoext), "package", "--output-path", "x.vsix"],
        cwd=ext.root,
        capture_output=True,
        text=True,
        env=env,
    )
    assert good.returncode == 0, good.stderr
    assert (ext.root / "x.vsix").is_file()


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a snippet in a fresh interpreter (start-up effects are per process)."""
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_package_does_not_load_the_marketplace_side() -> None:
    code = (
        "import sys\n"
        "from adoext.cli import cli\n"
        "try:\n"
        "    cli.main(sys.argv[1:], prog_name='adoext')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('httpx', 'adoext.cli.publish') if m in sys.modules))\n"
    )
    assert run_python(code, "package", "--help").stdout.splitlines()[-1] == "[]"
    assert run_python(code, "publish", "--help").stdout.splitlines()[-1] == "['adoext.cli.publish', 'httpx']"


def test_the_console_script_runs_commands_with_the_collector_on() -> None:
    """The entry point loads the CLI with the cyclic GC off and frozen, then turns it back on."""
    code = (
        "import gc, sys\n"
        "from adoext.console import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, gc.isenabled(), gc.get_freeze_count() > 1000)\n"
    )
    result = run_python(code, "--version")
    assert result.stdout.splitlines() == ["adoext, version 0.1.0", "0 True True"], result.stderr


def test_a_broken_command_module_is_reported_not_hidden() -> None:
    """An ImportError inside a command module is one line and exit 70, not 'No such command'."""
    code = (
        "import sys\n"
        "class Broken:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'adoext.cli.publish':\n"
        "            raise ImportError('No module named httpx_broken')\n"
        "sys.meta_path.insert(0, Broken())\n"
        "sys.argv[0] = 'adoext'\n"
        "from adoext.console import main\n"
        "main()\n"
    )
    result = run_python(code, "publish", "--help")
    assert result.returncode == 70 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == ["Error: internal error: ImportError: No module named httpx_broken"]
    listing = run_python(code, "--help")  # --help loads every command module
    assert (listing.returncode, listing.stderr) == (70, result.stderr)
    assert run_python(code, "package", "--help").returncode == 0  # packaging never needs that module


def test_an_output_path_under_a_file_names_the_file(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    """mkdir's own word for it was 'File exists'; the file in the way is left as it was."""
    ext = make_ext()
    blocker = ext.write("build", "not a folder")
    code, err, _ = invoke(ext, monkeypatch, "package", "--output-path", "build/deeper/ext.vsix")
    assert code == 4
    assert err == [f"Error: cannot write {blocker}/deeper/ext.vsix: {blocker} is a file, not a folder."]
    assert blocker.read_text() == "not a folder"
