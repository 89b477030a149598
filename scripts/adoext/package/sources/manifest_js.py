"""--manifest-js: a CommonJS module exporting `function(env) -> manifest`, run with Node as tfx runs it.

tfx `require`s the file and calls the function with an object built from its `--env k=v` pairs
(`k=v=w` keeps `v=w`; a bare `k` gives ""). Here Node runs a fixed script as a subprocess with an
argument list (never a shell): the file's path and the pairs as JSON are arguments, not code, and the
manifest comes back on stdout as JSON. The manifest's `files` and `icons` paths are relative to the
script's folder, as tfx resolves them.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from adoext.errors import ManifestError
from adoext.package.sources.manifests import Partial, display_path, load_json

TIMEOUT_SECONDS = 120
# Exit codes 3 and 4 are this script's own answers; anything else is the module's failure.
RUNNER = """
const [file, env] = process.argv.slice(1);
const fn = require(require("path").resolve(file));
if (typeof fn !== "function") { process.stderr.write("no exported function"); process.exit(3); }
const manifest = fn(JSON.parse(env));
if (!manifest) { process.stderr.write("the function returned no manifest"); process.exit(4); }
process.stdout.write(JSON.stringify(manifest));
"""


def env_object(pairs: tuple[str, ...]) -> dict[str, str]:
    """Build tfx's env object from `k=v` pairs: split at the first '=', a later pair wins."""
    env: dict[str, str] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        env[key] = value
    return env


def _node() -> str:
    """Return the Node executable, or a clear error."""
    node = shutil.which("node")
    if node is None:
        raise ManifestError(
            "--manifest-js needs Node.js to run the script, and 'node' was not found on PATH. "
            "Install Node.js (as tfx needs it), or pass the manifest with --manifests."
        )
    return node


def run_manifest_js(path: Path, pairs: tuple[str, ...], cwd: Path) -> dict[str, Any]:
    """Run the module's exported function with Node; return the manifest it returns."""
    origin = display_path(path, cwd)
    if not path.is_file():
        raise ManifestError(
            f"--manifest-js {origin}: file not found. Check the path (relative to the current folder)."
        )
    import subprocess  # ~3 ms with selectors and signal (-X importtime): only --manifest-js pays it

    argv = [_node(), "-e", RUNNER, "--", str(path), json.dumps(env_object(pairs))]
    try:
        done = subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ManifestError(f"--manifest-js {origin}: did not finish within {TIMEOUT_SECONDS} s.") from exc
    except OSError as exc:
        raise ManifestError(f"--manifest-js {origin}: cannot run Node: {exc.strerror or 'error'}.") from exc
    if done.returncode == 3:
        raise ManifestError(
            f"--manifest-js {origin}: missing export function (module.exports = function (env) {{...}})."
        )
    if done.returncode == 4:
        raise ManifestError(f"--manifest-js {origin}: the export function must return the manifest object.")
    if done.returncode != 0:
        raise ManifestError(f"--manifest-js {origin}: the script failed: {_first_error(done.stderr)}")
    try:
        data = load_json(done.stdout)
    except ValueError as exc:
        raise ManifestError(
            f"--manifest-js {origin}: the function's result is not JSON-serialisable."
        ) from exc
    if not isinstance(data, dict):
        raise ManifestError(
            f"--manifest-js {origin}: the function must return an object, not {type(data).__name__}."
        )
    return data


def _first_error(stderr: str) -> str:
    """Pick Node's error line (e.g. 'TypeError: x is not a function') out of its report."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if re.match(r"^[A-Za-z_$][\w$]*(Error|Exception)\b", line):
            return line
    return lines[-1] if lines else "no error message"


def manifest_js_partial(path: Path, pairs: tuple[str, ...], cwd: Path) -> Partial:
    """Return the script's manifest as the one partial (its paths relative to the script's folder)."""
    absolute = (cwd / path).resolve()
    return Partial(display_path(absolute, cwd), absolute.parent, run_manifest_js(absolute, pairs, cwd))
