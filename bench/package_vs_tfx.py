"""Time `adoext package` against `tfx extension create` (tfx-cli 0.23.1) on the same inputs.

Scenarios: (a) the ado-extension-sample-globs reference case, (b) a generated extension of 2,000 small
files (a third .mjs/.woff2/.txt, outside tfx's content-type table), (c) this project's own extension,
(d) a generated task-heavy extension: versioned build tasks each shipping hundreds of node_modules files,
and a PowerShell task shipping VstsTaskSdk with PE (.dll) files.
Each command runs as a child process (startup counted), once to warm the file cache, then --runs times,
the two tools taking turns; the median wall time and the median peak RSS (os.wait4 rusage of the child)
are printed with ours/tfx.
Both tools run as a user installs them: tfx-cli from npm, adoext from a wheel of this repository (pip,
byte-compiled, dependencies from this environment), not through the development venv's editable install,
whose import hook alone costs a fifth of a small package's run.

    .venv/bin/python -m bench.package_vs_tfx [--runs 5] [--case a|b|c|d ...] [--tfx /path/to/tfx]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASE = REPO.parent / "shared" / "conformance" / "tfx" / "cases" / "ado-extension-sample-globs"
TFX_VERSION = "0.23.1"
# What the `adoext` console script runs; used with -c so the throwaway interpreter needs no script file.
CONSOLE_SCRIPT = "import sys; from adoext.console import main; sys.exit(main())"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
# A small PE image (DOS header, e_lfanew -> "PE\0\0", COFF header), padded: a task's .dll to libmagic.
PE = (
    b"MZ"
    + b"\0" * 58
    + (64).to_bytes(4, "little")
    + b"PE\0\0"
    + b"\x4c\x01"
    + b"\0" * 18
    + bytes(range(256)) * 16
)
# One npm package in a task's node_modules (tfx types extensions outside its table with `file`).
NPM_PACKAGE = {
    "package.json": '{"name": "%s", "version": "1.0.0", "main": "index.js"}\n',
    "index.js": "module.exports = require('./lib/main');\n",
    "lib/main.js": "'use strict';\nexports.run = () => 42;\n" * 8,
    "lib/main.mjs": "export const run = () => 42;\n" * 8,
    "lib/main.cjs": "module.exports.run = () => 42;\n" * 8,
    "index.d.ts": "export declare function run(): number;\n",
    "README.md": "# %s\n\nA dependency.\n",
    "LICENSE": "MIT License\n\nPermission is hereby granted, free of charge, to any person\n",
    "CHANGELOG.txt": "1.0.0 first release\n",
    ".npmignore": "test/\n",
}


@dataclass(frozen=True)
class Sample:
    """One run: wall seconds and peak resident memory in MiB."""

    seconds: float
    rss_mib: float


@dataclass(frozen=True)
class Scenario:
    """The same inputs for both tools: a working folder and each tool's arguments."""

    name: str
    cwd: Path
    ours: list[str]
    tfx: list[str]


def ensure_tfx(explicit: str | None) -> Path:
    """Return a tfx executable: --tfx, else a cached npm install into the temp folder."""
    if explicit:
        return Path(explicit)
    prefix = Path(tempfile.gettempdir()) / f"adoext-bench-tfx-{TFX_VERSION}"
    tfx = prefix / "node_modules" / ".bin" / "tfx"
    if not tfx.exists():
        print(f"installing tfx-cli@{TFX_VERSION} into {prefix} ...", file=sys.stderr)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(prefix),
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"tfx-cli@{TFX_VERSION}",
            ],
            check=True,
        )
    return tfx


def run_once(argv: list[str], cwd: Path) -> Sample:
    """Run a command to completion; return its wall time and peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed ({proc.returncode}):\n{stderr}")
    return Sample(elapsed, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def measure(commands: list[list[str]], cwd: Path, runs: int) -> list[tuple[float, float]]:
    """Return each command's median wall time and median peak RSS over `runs` runs after one warm-up.

    The commands take turns (ours, tfx, ours, tfx, ...), so a host that speeds up or slows down during
    the measurement affects both alike instead of whichever happened to run then.
    """
    for argv in commands:
        run_once(argv, cwd)
    samples: list[list[Sample]] = [[] for _ in commands]
    for _ in range(runs):
        for argv, taken in zip(commands, samples, strict=True):
            taken.append(run_once(argv, cwd))
    return [
        (statistics.median(s.seconds for s in taken), statistics.median(s.rss_mib for s in taken))
        for taken in samples
    ]


def globs_case(adoext: list[str], scratch: Path, out: Path) -> Scenario:
    """(a) the reference case, on a scratch copy of its input (tfx must never touch the shared data)."""
    work = scratch / "globs"
    shutil.copytree(CASE / "input", work)
    script = f"source {shlex.quote(str(CASE / 'args.sh'))}; printf '%s\\0' \"${{ARGS[@]}}\""
    raw = subprocess.run(["bash", "-c", script], check=True, capture_output=True).stdout
    args = [a.decode() for a in raw.split(b"\0")[:-1]]
    ours = [*adoext, "package", *args, "--output-path", str(out / "ours-a.vsix")]  # tfx's arguments
    return Scenario(
        "a) ado-extension-sample-globs",
        work,
        ours,
        [*args, "--output-path", str(out / "tfx-a.vsix"), "--no-prompt", "--no-color"],
    )


def generated_case(adoext: list[str], scratch: Path, out: Path, count: int = 2000) -> Scenario:
    """(b) 2,000 small files, a third with extensions tfx sends to `file --mime-type`."""
    work = scratch / "generated"
    kinds = [".js", ".css", ".html", ".mjs", ".woff2", ".txt"]
    for index in range(count):
        folder = work / "dist" / f"d{index % 40:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        ext = kinds[index % len(kinds)]
        (folder / f"f{index:04d}{ext}").write_text(f"/* file {index} */\n" * 4)
    (work / "logo.png").write_bytes(PNG)
    hub = {
        "id": "hub",
        "type": "ms.vss-web.hub",
        "targets": ["ms.vss-work-web.work-hub-group"],
        "properties": {"name": "Hub", "uri": "dist/d02/f0002.html"},
    }
    manifest = json.dumps(
        {
            "manifestVersion": 1,
            "id": "bench",
            "publisher": "bench",
            "version": "1.0.0",
            "name": "Bench",
            "description": "2,000 files",
            "categories": ["Azure Boards"],
            "targets": [{"id": "Microsoft.VisualStudio.Services"}],
            "icons": {"default": "logo.png"},
            "files": [{"path": "dist", "addressable": True}],
            "contributions": [hub],
        }
    )
    (work / "vss-extension.json").write_text(manifest)
    common = ["--root", ".", "--manifests", "vss-extension.json"]
    return Scenario(
        "b) generated, 2,000 files",
        work,
        [*adoext, "package", *common, "--output-path", str(out / "ours-b.vsix")],
        [*common, "--output-path", str(out / "tfx-b.vsix"), "--no-prompt", "--no-color"],
    )


def task_heavy_case(
    adoext: list[str], scratch: Path, out: Path, tasks: int = 3, packages: int = 30
) -> Scenario:
    """(d) build tasks with v1/v2 folders, each shipping node_modules; a PowerShell task with VstsTaskSdk."""
    work = scratch / "tasks"
    contributions = []
    for number in range(tasks):
        name = f"Task{number}"
        for major in (1, 2):
            folder = work / "tasks" / name / f"v{major}"
            runner = "Node16" if major == 1 else "Node20_1"
            task = {
                "id": f"7c939663-33ca-4cb6-9b8c-6e164d44{number:04d}",
                "name": name,
                "friendlyName": f"Task {number}",
                "instanceNameFormat": "Run",
                "version": {"Major": major, "Minor": 0, "Patch": 0},
                "execution": {runner: {"target": "index.js"}},
            }
            _write(folder / "task.json", json.dumps(task, indent=2))
            _write(folder / "index.js", "require('dep-0').run();\n")
            for package in range(packages):
                for rel, text in NPM_PACKAGE.items():
                    body = text % f"dep-{package}" if "%s" in text else text
                    _write(folder / "node_modules" / f"dep-{package}" / rel, body)
        contributions.append(_task_contribution(name))
    sdk = work / "tasks" / "PsTask" / "ps_modules" / "VstsTaskSdk"
    _write(work / "tasks" / "PsTask" / "task.json", json.dumps(_ps_task(), indent=2))
    _write(work / "tasks" / "PsTask" / "run.ps1", "Import-Module VstsTaskSdk\n")
    for rel in (
        "VstsTaskSdk.psm1",
        "VstsTaskSdk.psd1",
        "FindFunctions.ps1",
        "lib.json",
        "Strings/resources.resjson/en-US/resources.resjson",
    ):
        _write(sdk / rel, "# " + rel + "\n")
    for rel in ("Minimatch.dll", "VstsTaskSdk.dll", "Newtonsoft.Json.dll", "tool.exe"):
        (sdk / rel).write_bytes(PE)
    contributions.append(_task_contribution("PsTask"))
    (work / "logo.png").write_bytes(PNG)
    manifest = {
        "manifestVersion": 1,
        "id": "tasks",
        "publisher": "bench",
        "version": "1.0.0",
        "name": "Bench tasks",
        "description": "Task-heavy",
        "categories": ["Azure Pipelines"],
        "targets": [{"id": "Microsoft.VisualStudio.Services"}],
        "icons": {"default": "logo.png"},
        "files": [{"path": "tasks"}],
        "contributions": contributions,
    }
    (work / "vss-extension.json").write_text(json.dumps(manifest))
    common = ["--root", ".", "--manifests", "vss-extension.json"]
    return Scenario(
        f"d) task-heavy, {sum(1 for p in work.rglob('*') if p.is_file())} files",
        work,
        [*adoext, "package", *common, "--output-path", str(out / "ours-d.vsix")],
        [*common, "--output-path", str(out / "tfx-d.vsix"), "--no-prompt", "--no-color"],
    )


def _write(path: Path, text: str) -> None:
    """Write a text file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _task_contribution(name: str) -> dict[str, object]:
    """A build task contribution whose folder is tasks/<name>."""
    return {
        "id": name.lower(),
        "type": "ms.vss-distributed-task.task",
        "targets": ["ms.vss-distributed-task.tasks"],
        "properties": {"name": f"tasks/{name}"},
    }


def _ps_task() -> dict[str, object]:
    """A PowerShell3 task.json."""
    return {
        "id": "5d0f4b8e-6f0c-4f43-9c7f-1b2a3c4d5e6f",
        "name": "PsTask",
        "friendlyName": "PowerShell task",
        "instanceNameFormat": "Run",
        "version": {"Major": 1, "Minor": 0, "Patch": 0},
        "execution": {"PowerShell3": {"target": "run.ps1"}},
    }


def project_case(adoext: list[str], scratch: Path, out: Path) -> Scenario:
    """(c) this project's extension (prod), from the merged manifest `adoext manifest` writes."""
    manifest = scratch / "project" / "vss-extension.json"
    subprocess.run(
        [*adoext, "manifest", "--target-env", "prod", "--output", str(manifest)],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    common = ["--root", ".", "--manifests", str(manifest)]
    return Scenario(
        "c) Report Bridge (prod)",
        REPO,
        [*adoext, "package", *common, "--output-path", str(out / "ours-c.vsix")],
        [*common, "--output-path", str(out / "tfx-c.vsix"), "--no-prompt", "--no-color"],
    )


def install_adoext(folder: Path) -> list[str]:
    """Install the adoext wheel (scripts/) into `folder`; return the command that runs its `adoext`.

    A venv of the base interpreter whose one .pth lists the installed wheel and this environment's
    site-packages (for click, jinja2, ...): a plain path, so no editable-install hook is imported.
    """
    target, venv = folder / "site", folder / "venv"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(REPO / "scripts")],
        check=True,
    )
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    venv_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours_site = sysconfig.get_paths()["purelib"]
    Path(venv_site, "adoext-bench.pth").write_text(f"{target}\n{ours_site}\n")
    return [str(python), "-c", CONSOLE_SCRIPT]


def main() -> None:
    """Run every scenario and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--case", action="append", choices=["a", "b", "c", "d"], help="only these scenarios (default: all)"
    )
    parser.add_argument(
        "--tfx", help="tfx executable (default: npm install tfx-cli@0.23.1 into the temp folder)"
    )
    args = parser.parse_args()
    tfx = ensure_tfx(args.tfx)
    with tempfile.TemporaryDirectory(prefix="adoext-bench-") as tmp:
        scratch, out = Path(tmp) / "in", Path(tmp) / "out"
        out.mkdir(parents=True)
        adoext = install_adoext(Path(tmp) / "adoext")
        builders = {"a": globs_case, "b": generated_case, "c": project_case, "d": task_heavy_case}
        if not CASE.is_dir():
            print(f"skipping a): {CASE} is absent", file=sys.stderr)
            del builders["a"]
        chosen = [key for key in builders if key in (args.case or builders)]
        scenarios = [builders[key](adoext, scratch, out) for key in chosen]
        print(f"median of {args.runs} alternating runs (after 1 warm-up); peak RSS of the tool's own process")
        print(f"{'scenario':32} {'adoext s':>9} {'tfx s':>8} {'ratio':>6} {'adoext MiB':>11} {'tfx MiB':>8}")
        for scenario in scenarios:
            tfx_argv = [str(tfx), "extension", "create", *scenario.tfx]
            (ours_s, ours_mb), (tfx_s, tfx_mb) = measure([scenario.ours, tfx_argv], scenario.cwd, args.runs)
            ratio = ours_s / tfx_s
            print(f"{scenario.name:32} {ours_s:9.3f} {tfx_s:8.3f} {ratio:6.3f} {ours_mb:11.1f} {tfx_mb:8.1f}")


if __name__ == "__main__":
    main()
