"""adoext as its own distribution: the wheel of scripts/, installed alone in a fresh venv, packages an
extension; `--version`, a one-line-per-command `--help` and Click's shell completion.

The wheel is built offline (no build isolation: this venv's pinned setuptools). Installing it resolves
its dependencies from the package index with requirements.lock as constraints, exactly as a publisher's
`pip install ./scripts` does; the fresh venv then holds adoext and what it declares, and nothing of the
Report Bridge backend.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from adoext import __version__
from adoext.cli import get_cli
from adoext.cli.commands import all_commands
from click.testing import CliRunner

from tests.adoext.conftest import REPO_ROOT, Ext, read_parts

SCRIPTS = REPO_ROOT / "scripts"
# What packaging and publishing need, and nothing else (no Flask, no backend).
DECLARED = {"click", "httpx", "json5", "jinja2", "azure-identity", "python-magic"}
# adoext and adocommon, the leaf it shares with the backend (retry rule, credentials, usage errors).
PACKAGES = ("adoext", "adocommon")


def test_help_lists_every_command_on_one_line_each() -> None:
    result = CliRunner().invoke(get_cli(), ["--help"], terminal_width=80)
    assert result.exit_code == 0, result.output

    section = result.output.split("Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    names = [line.split()[0] for line in section]
    assert sorted(names) == sorted(command.name or "" for command in all_commands())
    for line, command in zip(section, sorted(all_commands(), key=lambda c: c.name or ""), strict=True):
        summary = line.split(None, 1)[1]
        assert summary == (command.help or "").splitlines()[0], line  # whole, never cut with "..."
    assert "_ADOEXT_COMPLETE=bash_source adoext" in result.output


def test_version_is_the_package_version() -> None:
    result = CliRunner().invoke(get_cli(), ["--version"])
    assert (result.exit_code, result.output) == (0, f"adoext, version {__version__}\n")


def build_wheel(work: Path) -> Path:
    """Build scripts/ into a wheel without network access; return its path.

    It builds from a copy: setuptools writes build/ and *.egg-info next to the sources it builds.
    """
    source, out = work / "src", work / "dist"
    for package in PACKAGES:
        shutil.copytree(SCRIPTS / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(SCRIPTS / "pyproject.toml", source / "pyproject.toml")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", str(out), str(source)],
        check=True, timeout=300,
    )
    (wheel,) = out.glob("adoext-*.whl")
    return wheel


def wheel_metadata(wheel: Path) -> tuple[list[str], email.message.Message, str]:
    """Return the wheel's file names, its METADATA and its entry_points.txt."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = f"adoext-{__version__}.dist-info"
        metadata = email.message_from_bytes(archive.read(f"{info}/METADATA"))
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    return names, metadata, entry_points


def requirement_name(spec: str) -> str:
    """Return the normalised project name of a Requires-Dist line."""
    match = re.match(r"[A-Za-z0-9._-]+", spec)
    assert match is not None, spec
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def locked_names() -> set[str]:
    """Return the normalised names pinned in requirements.lock."""
    lines = (REPO_ROOT / "requirements.lock").read_text().splitlines()
    return {requirement_name(line) for line in lines if "==" in line}


@pytest.mark.slow
def test_wheel_installs_alone_in_a_fresh_venv_and_packages(
    tmp_path: Path, make_ext: Callable[..., Ext]
) -> None:
    wheel = build_wheel(tmp_path / "build")
    names, metadata, entry_points = wheel_metadata(wheel)
    assert metadata["Name"] == "adoext" and metadata["Version"] == __version__
    assert {n.split("/")[0] for n in names} == {*PACKAGES, f"adoext-{__version__}.dist-info"}
    modules = {
        f"{package}/{path.relative_to(SCRIPTS / package).as_posix()}"
        for package in PACKAGES
        for path in (SCRIPTS / package).rglob("*.py")
    }
    assert "adoext/cli/__init__.py" in names and modules <= set(names), "every sub-package is in the wheel"
    required = {requirement_name(spec) for spec in metadata.get_all("Requires-Dist") or []}
    assert required == DECLARED
    assert required <= locked_names(), "every dependency must be pinned in requirements.lock"
    assert "adoext = adoext.console:main" in entry_points

    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python, adoext = venv / "bin" / "python", venv / "bin" / "adoext"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "-c", str(REPO_ROOT / "requirements.lock"), str(wheel)],
        check=True, timeout=600,
    )
    env = {"PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(tmp_path)}

    def run(*argv: str, cwd: Path = tmp_path, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(argv), cwd=cwd, env={**env, **extra}, capture_output=True, text=True,
                              timeout=120, check=False)

    # The fresh venv holds the wheel's adoext and its dependencies, not this checkout or the backend.
    where = run(str(python), "-c", "import adoext, adocommon, importlib.util as u; "
                "print(adoext.__file__); print(adocommon.__file__); print(u.find_spec('flask') is None)")
    location, shared, no_flask = where.stdout.split()
    assert Path(location).is_relative_to(venv) and Path(shared).is_relative_to(venv), where.stderr
    assert no_flask == "True", where.stderr

    version = run(str(adoext), "--version")
    assert (version.returncode, version.stdout) == (0, f"adoext, version {__version__}\n")
    misuse = run(str(adoext), "package", "--no-such-option")  # one line, by adocommon.usage
    assert misuse.returncode == 2 and misuse.stderr.count("\n") == 1, misuse.stderr
    assert misuse.stderr.endswith("See 'adoext package --help'.\n"), misuse.stderr

    ext = make_ext()
    packaged = run(str(adoext), "package", "--root", ".", "--output-path", "out/sample.vsix", cwd=ext.root)
    assert packaged.returncode == 0, packaged.stderr
    parts = read_parts(ext.root / "out" / "sample.vsix")
    assert {"extension.vsixmanifest", "extension.vsomanifest", "dist/hub.html"} <= set(parts)
    assert b'Id="sample"' in parts["extension.vsixmanifest"]

    completion = run(str(adoext), _ADOEXT_COMPLETE="bash_complete", COMP_WORDS="adoext pu", COMP_CWORD="1")
    assert completion.stdout.split() == ["plain,publish"], completion.stderr
    script = run(str(adoext), _ADOEXT_COMPLETE="bash_source")
    assert "_adoext_completion()" in script.stdout
