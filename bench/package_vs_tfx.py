"""Time `adoext package` against `tfx extension create` (tfx-cli 0.23.1) on the same inputs.

Scenarios: (a) the ado-extension-sample-globs reference case, (b) a generated extension of 2,000 small
files (a third .mjs/.woff2/.txt, outside tfx's content-type table), (c) this project's own extension.
Each command runs as a child process (startup counted), once to warm the file cache, then --runs times;
the median wall time and the median peak RSS (os.wait4 rusage of the child) are printed with ours/tfx.

    .venv/bin/python -m bench.package_vs_tfx [--runs 5] [--tfx /path/to/tfx]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASE = REPO.parent / "shared" / "conformance" / "tfx" / "cases" / "ado-extension-sample-globs"
TFX_VERSION = "0.23.1"
ADOEXT = Path(sys.executable).with_name("adoext")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


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


def measure(argv: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    """Return the median wall time and median peak RSS over `runs` runs after one warm-up."""
    run_once(argv, cwd)
    samples = [run_once(argv, cwd) for _ in range(runs)]
    return statistics.median(s.seconds for s in samples), statistics.median(s.rss_mib for s in samples)


def globs_case(scratch: Path, out: Path) -> Scenario:
    """(a) the reference case, on a scratch copy of its input (tfx must never touch the shared data)."""
    work = scratch / "globs"
    shutil.copytree(CASE / "input", work)
    script = f"source {shlex.quote(str(CASE / 'args.sh'))}; printf '%s\\0' \"${{ARGS[@]}}\""
    raw = subprocess.run(["bash", "-c", script], check=True, capture_output=True).stdout
    args = [a.decode() for a in raw.split(b"\0")[:-1]]
    # adoext reports the sample's broken widget uri; --bypass-validation makes it package like tfx does.
    ours = [str(ADOEXT), "package", *args, "--bypass-validation", "--output-path", str(out / "ours-a.vsix")]
    return Scenario(
        "a) ado-extension-sample-globs",
        work,
        ours,
        [*args, "--output-path", str(out / "tfx-a.vsix"), "--no-prompt", "--no-color"],
    )


def generated_case(scratch: Path, out: Path, count: int = 2000) -> Scenario:
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
        [str(ADOEXT), "package", *common, "--output-path", str(out / "ours-b.vsix")],
        [*common, "--output-path", str(out / "tfx-b.vsix"), "--no-prompt", "--no-color"],
    )


def project_case(scratch: Path, out: Path) -> Scenario:
    """(c) this project's extension (prod), from the merged manifest `adoext manifest` writes."""
    manifest = scratch / "project" / "vss-extension.json"
    subprocess.run(
        [str(ADOEXT), "manifest", "--env", "prod", "--output", str(manifest)],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    common = ["--root", ".", "--manifests", str(manifest)]
    return Scenario(
        "c) Report Bridge (prod)",
        REPO,
        [str(ADOEXT), "package", *common, "--output-path", str(out / "ours-c.vsix")],
        [*common, "--output-path", str(out / "tfx-c.vsix"), "--no-prompt", "--no-color"],
    )


def compile_adoext() -> None:
    """Byte-compile adoext as `pip install` does for a wheel, so the runs time the installed tool.

    An editable install run with PYTHONDONTWRITEBYTECODE=1 (as some shells and CI set) would otherwise
    recompile every module from source on every run; tfx ships as installed JavaScript either way.
    """
    compileall.compile_dir(REPO / "scripts" / "adoext", quiet=1)


def main() -> None:
    """Run every scenario and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--tfx", help="tfx executable (default: npm install tfx-cli@0.23.1 into the temp folder)"
    )
    args = parser.parse_args()
    tfx = ensure_tfx(args.tfx)
    compile_adoext()
    with tempfile.TemporaryDirectory(prefix="adoext-bench-") as tmp:
        scratch, out = Path(tmp) / "in", Path(tmp) / "out"
        out.mkdir(parents=True)
        scenarios = [generated_case(scratch, out), project_case(scratch, out)]
        if CASE.is_dir():
            scenarios.insert(0, globs_case(scratch, out))
        print(f"median of {args.runs} runs (after 1 warm-up); peak RSS of the tool's own process")
        print(f"{'scenario':32} {'adoext s':>9} {'tfx s':>8} {'ratio':>6} {'adoext MiB':>11} {'tfx MiB':>8}")
        for scenario in scenarios:
            ours_s, ours_mb = measure(scenario.ours, scenario.cwd, args.runs)
            tfx_s, tfx_mb = measure([str(tfx), "extension", "create", *scenario.tfx], scenario.cwd, args.runs)
            ratio = ours_s / tfx_s
            print(f"{scenario.name:32} {ours_s:9.3f} {tfx_s:8.3f} {ratio:6.3f} {ours_mb:11.1f} {tfx_mb:8.1f}")


if __name__ == "__main__":
    main()
