"""--manifest-js: a CommonJS module exporting `function(env) -> manifest`, run with Node as tfx runs it.

tfx `require`s the file and calls the function with an object built from its `--env k=v` pairs
(`k=v=w` keeps `v=w`; a bare `k` gives ""). Here Node runs a fixed script as a subprocess with an
argument list (never a shell): the file's path, the pairs as JSON and a result file are arguments, not
code. The answer comes back in that file, never on stdout: a module may print while it is required or
called (tfx shows that output), and nothing it prints can corrupt the manifest. What it prints is passed
on to adoext's stderr, so adoext's stdout (`--json`) stays its own. The manifest's `files` and `icons`
paths are relative to the script's folder, as tfx resolves them.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from adoext.errors import ManifestError
from adoext.package.sources.manifests import Partial, display_path, load_json

TIMEOUT_SECONDS = 120
# The answer file holds one object: {"manifest": ...}, {"error": text}, {"problem": "no-function" |
# "no-manifest"} or {"unserialisable": text}. An error thrown while the module is required or its function
# runs is caught and shown as tfx shows it: a string as itself, an Error as its toString() ("Name: message"),
# another object by its own toString(), its `message` or its JSON. An error thrown later (a timer, a
# rejected promise) still ends Node with its own report, which _first_error() reads instead.
RUNNER = """
const [file, env, out] = process.argv.slice(1);
const send = (answer) => require("fs").writeFileSync(out, JSON.stringify(answer));
const shown = (e) => {
  if (typeof e === "string") return e;
  if (e instanceof Error) return e.toString();
  if (e !== null && typeof e === "object") {
    const own = typeof e.toString === "function" && e.toString !== Object.prototype.toString;
    if (own && String(e) !== "[object Object]") return String(e);
    if (typeof e.message === "string") return e.message;
    try { return JSON.stringify(e, null, 2) || String(e); } catch (_) { return String(e); }
  }
  return String(e);
};
const answer = () => {
  let fn, manifest;
  try {
    fn = require(require("path").resolve(file));
    if (typeof fn !== "function") return {problem: "no-function"};
    manifest = fn(JSON.parse(env));
  } catch (e) {
    try { return {error: shown(e)}; } catch (_) { return {error: "a value that cannot be shown"}; }
  }
  return manifest ? {manifest} : {problem: "no-manifest"};
};
const result = answer();
try { send(result); } catch (e) { send({unserialisable: shown(e)}); }
"""
PROBLEMS = {
    "no-function": "missing export function (module.exports = function (env) {...}).",
    "no-manifest": "the export function must return the manifest object.",
}
# A line that names an error: `Error: x`, `TypeError: x`, `FooError`, `Uncaught FooError: x`, `SomeException`.
ERROR_LINE = re.compile(r"^(?:Uncaught\s+)?(?:[A-Za-z_$][\w$]*)?(?:Error|Exception)\b")
# Lines of Node's report that are never the reason: its version banner and its --trace-uncaught hint.
NOT_THE_REASON = re.compile(r"^(?:Node\.js v\d|\(Use `node --trace-uncaught)")


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


def _pass_on(output: bytes) -> None:
    """Show what the module printed, as tfx does, on stderr: adoext's stdout carries only its own output."""
    if output:
        sys.stderr.write(output.decode("utf-8", errors="replace"))
        sys.stderr.flush()


def _run_node(path: Path, pairs: tuple[str, ...], cwd: Path, origin: str) -> tuple[int, bytes, bytes, str]:
    """Run the runner; return its exit code, stdout, stderr and the answer file's text ("" if none)."""
    import subprocess  # ~3 ms with selectors and signal (-X importtime): only --manifest-js pays it

    try:  # the folder is removed with the answer in it, whatever happens
        with tempfile.TemporaryDirectory(prefix="adoext-manifest-js-") as folder:
            answer = Path(folder) / "answer.json"
            argv = [_node(), "-e", RUNNER, "--", str(path), json.dumps(env_object(pairs)), str(answer)]
            done = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
            text = answer.read_text(encoding="utf-8") if answer.is_file() else ""
    except subprocess.TimeoutExpired as exc:
        raise ManifestError(f"--manifest-js {origin}: did not finish within {TIMEOUT_SECONDS} s.") from exc
    except OSError as exc:
        raise ManifestError(f"--manifest-js {origin}: cannot run Node: {exc.strerror or 'error'}.") from exc
    return done.returncode, done.stdout, done.stderr, text


def run_manifest_js(path: Path, pairs: tuple[str, ...], cwd: Path) -> dict[str, Any]:
    """Run the module's exported function with Node; return the manifest it returns."""
    origin = display_path(path, cwd)
    if not path.is_file():
        raise ManifestError(
            f"--manifest-js {origin}: file not found. Check the path (relative to the current folder)."
        )
    code, stdout, stderr, text = _run_node(path, pairs, cwd, origin)
    _pass_on(stdout)
    if code != 0 or not text:
        raise ManifestError(f"--manifest-js {origin}: the script failed: {_crash_reason(code, stderr)}")
    _pass_on(stderr)
    return _manifest(_answer(text, origin), origin)


def _answer(text: str, origin: str) -> dict[str, Any]:
    """Read the runner's answer object."""
    unreadable = f"--manifest-js {origin}: the function's result is not JSON-serialisable."
    try:
        answer = load_json(text)
    except ValueError as exc:
        raise ManifestError(unreadable) from exc
    if not isinstance(answer, dict):
        raise ManifestError(unreadable)
    return answer


def _manifest(answer: dict[str, Any], origin: str) -> dict[str, Any]:
    """Return the manifest from the answer, or the one-line error it reports."""
    if "error" in answer:
        raise ManifestError(f"--manifest-js {origin}: the script failed: {_one_line(str(answer['error']))}")
    if "problem" in answer:
        raise ManifestError(f"--manifest-js {origin}: {PROBLEMS[str(answer['problem'])]}")
    if "manifest" not in answer:  # JSON.stringify failed, or dropped the value (a function, a symbol)
        why = f": {_one_line(str(answer['unserialisable']))}" if "unserialisable" in answer else ""
        raise ManifestError(f"--manifest-js {origin}: the function's result is not JSON-serialisable{why}.")
    data = answer["manifest"]
    if not isinstance(data, dict):
        raise ManifestError(
            f"--manifest-js {origin}: the function must return an object, not {type(data).__name__}."
        )
    return data


def _crash_reason(code: int, stderr: bytes) -> str:
    """Say why Node ended without an answer (a later error, process.exit): its stderr is its report."""
    if code == 0:
        return "it ended before its function returned a manifest (process.exit?)"
    return _first_error(stderr.decode("utf-8", errors="replace")) or f"Node exited with code {code}"


def _one_line(text: str) -> str:
    """Join a multi-line message (an Error's message, an object's JSON) into one line."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip()) or "no error message"


def _first_error(stderr: str) -> str:
    """Pick the reason out of Node's report of an uncaught error.

    Node prints the failing source line, a caret line under it, then the thrown value ("Error: x",
    "FooError: x", or a thrown non-Error as itself: "boom", "42", "{ code: 1 }"), its stack and a
    "Node.js v20" banner. The line after the caret is the reason; without a caret, the first line that
    names an error; else the last line that is not Node's banner or hint ("" if there is none).
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for before, line in zip(lines, lines[1:], strict=False):
        if re.fullmatch(r"\^+", before) and not NOT_THE_REASON.match(line):
            return line
    for line in lines:
        if ERROR_LINE.match(line):
            return line
    reasons = [line for line in lines if not NOT_THE_REASON.match(line)]
    return reasons[-1] if reasons else ""


def manifest_js_partial(path: Path, pairs: tuple[str, ...], cwd: Path) -> Partial:
    """Return the script's manifest as the one partial (its paths relative to the script's folder)."""
    absolute = (cwd / path).resolve()
    return Partial(display_path(absolute, cwd), absolute.parent, run_manifest_js(absolute, pairs, cwd))
