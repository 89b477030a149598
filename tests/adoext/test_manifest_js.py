"""--manifest-js: what the module prints, and what it throws, as tfx-cli 0.23.1 handles them.

tfx `require`s the module in its own process, so whatever the module prints appears in tfx's output and
the package is still built; a value it throws is shown as tfx's error handler shows it (a string as
itself, an Error as its toString(), "Name: message"). adoext runs the module with Node: the manifest comes
back on a channel of its own, the module's output goes to adoext's stderr, and a failure is one line.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable

import pytest
from adoext.cli import get_cli
from adoext.package.sources.manifest_js import _first_error
from click.testing import CliRunner

from tests.adoext.conftest import Ext, base_manifest, read_parts

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="--manifest-js runs Node")
MANIFEST = f"({json.dumps(base_manifest())})"
PREFIX = "Error: --manifest-js manifest.js: the script failed: "


def run(ext: Ext, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """Run `adoext package --manifest-js manifest.js` in the extension folder; return code, stdout, stderr."""
    monkeypatch.chdir(ext.root)
    argv = ["package", "--manifest-js", "manifest.js", "--output-path", "o.vsix", *args]
    result = CliRunner().invoke(get_cli(), argv, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# Each prints to stdout somewhere tfx would show it: while required, while called, from a required file,
# text that looks like JSON, and more than a pipe's buffer.
PRINTING = {
    "console.log while required": f'console.log("building manifest"); module.exports = () => {MANIFEST};',
    "stdout.write while called": f'module.exports = () => {{ process.stdout.write("building manifest"); '
    f"return {MANIFEST}; }};",
    "a required file logs": 'require("./helper.js"); module.exports = () => ' + MANIFEST + ";",
    "output that looks like JSON": 'console.log(\'{"building": "manifest"}\'); module.exports = () => '
    + MANIFEST
    + ";",
    "a megabyte of output": 'console.log("building manifest " + "x".repeat(1 << 20)); '
    f"module.exports = () => {MANIFEST};",
}


@pytest.mark.parametrize("script", PRINTING.values(), ids=PRINTING.keys())
def test_what_the_module_prints_does_not_break_the_manifest(
    script: str, make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    ext.write("helper.js", 'console.log("building manifest");')
    ext.write("manifest.js", script)
    code, out, err = run(ext, monkeypatch)
    assert code == 0, err
    assert b"<DisplayName>Sample</DisplayName>" in read_parts(ext.root / "o.vsix")["extension.vsixmanifest"]
    # Shown to the user (tfx shows it), on stderr: adoext's stdout is its own report.
    assert "building" in err and "building" not in out
    assert "=== Completed operation: create extension ===" in out


def test_json_output_stays_parseable_when_the_module_prints(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    ext.write("manifest.js", f'console.log("building manifest"); module.exports = () => {MANIFEST};')
    code, out, err = run(ext, monkeypatch, "--json")
    assert code == 0, err
    assert json.loads(out)["extensionId"] == "sample"
    assert err.splitlines() == ["building manifest"]


def test_what_the_module_writes_to_stderr_is_shown_too(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    ext.write("manifest.js", f'console.error("warming up"); module.exports = () => {MANIFEST};')
    code, _, err = run(ext, monkeypatch)
    assert code == 0 and err.splitlines() == ["warming up"], err


def test_output_before_a_failure_is_shown_and_the_error_is_one_line(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    ext.write("manifest.js", 'console.log("checking"); throw new Error("RELEASE_VERSION is not set");')
    code, out, err = run(ext, monkeypatch)
    assert (code, out) == (2, "")
    assert err.splitlines() == ["checking", PREFIX + "Error: RELEASE_VERSION is not set"]


# A value thrown while the module is required or its function runs, and the reason tfx-cli 0.23.1 prints
# for it (`error: <reason>`, observed): an Error's toString() -- a subclass without its own `name` says
# "Error" --, a string or another primitive as itself, a plain object as its JSON (joined into one line).
THROWN = {
    "Error": ('throw new Error("RELEASE_VERSION is not set");', "Error: RELEASE_VERSION is not set"),
    "Error in the function": (
        'module.exports = () => { throw new Error("no version"); };',
        "Error: no version",
    ),
    "subclass": ('class FooError extends Error {}; throw new FooError("foo m");', "Error: foo m"),
    "a name without Error": ('const e = new Error("m"); e.name = "Custom"; throw e;', "Custom: m"),
    "Error from a required file": ('require("./helper.js");', "Error: from the helper"),
    "empty message": ('throw new Error("");', "Error"),
    "two lines": ('throw new Error("line1\\nline2");', "Error: line1 line2"),
    "string": ('throw "RELEASE_VERSION is not set";', "RELEASE_VERSION is not set"),
    "number": ("throw 42;", "42"),
    "null": ("throw null;", "null"),
    "plain object": ("throw {code: 1};", '{ "code": 1 }'),
    "object with message": ('throw {message: "bad env"};', "bad env"),
}


@pytest.mark.parametrize(("script", "reason"), THROWN.values(), ids=THROWN.keys())
def test_a_thrown_value_is_the_one_line_reason(
    script: str, reason: str, make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    ext.write("helper.js", 'throw new Error("from the helper");')
    ext.write("manifest.js", script)
    code, out, err = run(ext, monkeypatch)
    assert (code, out, err) == (2, "", PREFIX + reason + "\n")


# Thrown after the function returned (a timer, a rejected promise) or an exit: Node ends with its own
# report, and the reason is read out of it.
LATE = {
    "Error in a timer": ('setTimeout(() => { throw new Error("late"); });', "Error: late"),
    "string in a timer": ('setTimeout(() => { throw "late string"; });', "late string"),
    "custom name in a timer": (
        'setTimeout(() => { const e = new Error("m"); e.name = "Custom"; throw e; });',
        "Custom: m",
    ),
    "exit code": ("process.exit(7);", "Node exited with code 7"),
    "exit 0 before returning": (
        "process.exit(0);",
        "it ended before its function returned a manifest (process.exit?)",
    ),
}


@pytest.mark.parametrize(("script", "reason"), LATE.values(), ids=LATE.keys())
def test_node_ending_on_its_own_gives_the_one_line_reason(
    script: str, reason: str, make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    ext.write("manifest.js", f"module.exports = () => {MANIFEST}; {script}")
    code, out, err = run(ext, monkeypatch)
    assert (code, out, err) == (2, "", PREFIX + reason + "\n")


def test_a_circular_result_says_why_it_is_not_json(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    ext.write("manifest.js", f"module.exports = () => {{ const m = {MANIFEST}; m.self = m; return m; }};")
    code, _, err = run(ext, monkeypatch)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(
        "Error: --manifest-js manifest.js: the function's result is not JSON-serialisable: "
        "TypeError: Converting circular structure to JSON"
    )


# Node's report of an uncaught error, as Node 20 prints it, and one without a caret line (as a REPL-style
# "Uncaught" report is): the reason is found for every name, not only names with a prefix before "Error".
REPORT = "/x/manifest.js:1\nthrow e;\n^\n\n{}\n    at Object.<anonymous> (/x/m.js:1:1)\n\nNode.js v20.20.2\n"
HINT = "(Use `node --trace-uncaught ...` to show where the exception was thrown)"


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        (REPORT.format("Error: RELEASE_VERSION is not set"), "Error: RELEASE_VERSION is not set"),
        (REPORT.format("Custom: m"), "Custom: m"),
        (REPORT.format("boom\n" + HINT), "boom"),
        ("Uncaught Error: boom\n\nNode.js v20.20.2\n", "Uncaught Error: boom"),
        ("some output\nError: boom\n    at x (y.js:1:1)\n\nNode.js v20.20.2\n", "Error: boom"),
        ("\nNode.js v20.20.2\n", ""),
    ],
)
def test_first_error_finds_the_reason_in_nodes_report(stderr: str, reason: str) -> None:
    assert _first_error(stderr) == reason
