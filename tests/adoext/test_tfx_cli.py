"""Issue 13, class 2: tfx's option names mean what they mean in tfx (`tfx extension create`)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from adoext.cli import get_cli
from click.testing import CliRunner

from tests.adoext.conftest import Ext, base_manifest, read_parts

NEEDS_NODE = pytest.mark.skipif(shutil.which("node") is None, reason="--manifest-js runs Node")
# Every option tfx-cli 0.23.1's `extension create` registers (lib/tfcommand.ts and exec/extension/default.ts)
# besides the packaging ones adoext implements; adoext accepts them and, like tfx, does not use them.
TFX_ACCEPTED = [
    ["--save"],
    ["--fiddler"],
    ["--include-undocumented"],
    ["--skip-cert-validation"],
    ["--bypass-scope-check"],
    ["--no-wait-validation"],
    ["--no-prompt"],
    ["--no-color"],
    ["--service-url", "https://marketplace.visualstudio.com"],
    ["-u", "https://marketplace.visualstudio.com"],
    ["--auth-type", "pat"],
    ["--username", "someone"],
    ["--password", "not-used"],
    ["--token", "not-used"],
    ["-t", "not-used"],
    ["--proxy", "http://127.0.0.1:9"],
    ["--project", "p"],
    ["-p", "p"],
    ["--debug-log-stream", "stderr"],
    ["--vsix", "x.vsix"],
    ["--display-name", "n"],
    ["--description", "d"],
    ["--share-with", "org1", "org2"],
    ["--unshare-with", "org1"],
    ["--trace-level", "debug"],
    ["--output", "friendly"],
    ["-r", "."],
]


def run(ext: Ext, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """Run `adoext package` in the extension folder; return exit code, stdout, stderr."""
    monkeypatch.chdir(ext.root)
    result = CliRunner().invoke(get_cli(), ["package", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("option", TFX_ACCEPTED, ids=lambda o: o[0])
def test_every_tfx_create_option_is_accepted(
    option: list[str], make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(make_ext(), monkeypatch, *option, "--output-path", "out/x.vsix")
    assert code == 0, err
    assert "=== Completed operation: create extension ===" in out


def test_all_of_them_at_once(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    args = [arg for option in TFX_ACCEPTED for arg in option]
    code, _, err = run(make_ext(), monkeypatch, *args, "--output-path", "out/x.vsix")
    assert code == 0, err


def test_json_prints_what_tfx_prints(make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch) -> None:
    ext = make_ext()
    code, out, _ = run(ext, monkeypatch, "--json", "--output-path", "out/x.vsix")
    assert code == 0
    assert json.loads(out) == {
        "path": str(ext.root / "out" / "x.vsix"),
        "extensionId": "sample",
        "version": "1.0.0",
        "publisher": "fabrikam",
    }


def test_trace_level_none_prints_nothing_but_warnings(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext(base_manifest(scopes=["vso.wrok"]))
    code, out, err = run(ext, monkeypatch, "--trace-level", "none", "--output-path", "out/x.vsix")
    assert (code, out) == (0, "") and "unknown scope 'vso.wrok'" in err


def test_metadata_only_writes_the_vsomanifest_into_the_folder(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    code, _, err = run(ext, monkeypatch, "--metadata-only", "--output-path", "meta")
    assert code == 0, err
    assert [p.name for p in (ext.root / "meta").iterdir()] == ["extension.vsomanifest"]
    assert (
        json.loads((ext.root / "meta" / "extension.vsomanifest").read_text())["contributions"][0]["id"]
        == "hub"
    )
    assert not list(ext.root.glob("**/*.vsix"))


def test_a_single_list_value_is_a_comma_list_as_in_tfx(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = base_manifest(contributions=None, scopes=None)
    ext = make_ext(manifest)
    ext.write("parts/hub.json", {"contributions": base_manifest()["contributions"]})
    code, _, err = run(
        ext, monkeypatch, "--manifests", "[vss-extension.json, parts/hub.json]", "--output-path", "o.vsix"
    )
    assert code == 0, err


def manifest_js(ext: Ext) -> None:
    """A CommonJS manifest function whose version, publisher and a name come from env."""
    body = json.dumps(base_manifest(publisher=None, version=None))
    ext.write(
        "manifest.js",
        f"module.exports = (env) => Object.assign({body}, "
        "{version: env.version, publisher: env.publisher, "
        "description: 'eq ' + env.eq + ' bare ' + env.bare});",
    )


@NEEDS_NODE
def test_manifest_js_gets_tfxs_env_pairs(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    manifest_js(ext)
    args = ["--manifest-js", "manifest.js", "--env", "version=2.1.0", "publisher=contoso", "eq=a=b", "bare"]
    code, _, err = run(ext, monkeypatch, *args, "--output-path", "out/")
    assert code == 0, err
    vsix = ext.root / "out" / "contoso.sample-2.1.0.vsix"
    assert b"eq a=b bare </Description>" in read_parts(vsix)["extension.vsixmanifest"]


@NEEDS_NODE
def test_manifest_js_env_dev_is_a_pair_not_the_project_environment(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    ext.write(
        "manifest.js",
        f"module.exports = (env) => Object.assign({json.dumps(base_manifest())}, "
        "{name: Object.keys(env).join()});",
    )
    code, _, err = run(
        ext, monkeypatch, "--manifest-js", "manifest.js", "--env", "dev", "--output-path", "o.vsix"
    )
    assert code == 0, err
    assert b"<DisplayName>dev</DisplayName>" in read_parts(ext.root / "o.vsix")["extension.vsixmanifest"]


@NEEDS_NODE
@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("module.exports = 3;", "missing export function"),
        ("module.exports = () => null;", "must return the manifest object"),
        ("module.exports = () => { throw new TypeError('boom'); };", "the script failed: TypeError: boom"),
    ],
)
def test_manifest_js_failures_are_one_line(
    script: str, message: str, make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    ext.write("manifest.js", script)
    code, _, err = run(ext, monkeypatch, "--manifest-js", "manifest.js")
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err


@NEEDS_NODE
def test_manifest_js_name_is_an_argument_never_code(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    name = "m$(touch INJECTED)'\";.js"
    ext.write(name, f"module.exports = () => ({json.dumps(base_manifest())});")
    code, _, err = run(ext, monkeypatch, "--manifest-js", name, "--output-path", "o.vsix")
    assert code == 0, err
    assert not (ext.root / "INJECTED").exists()


def test_manifest_js_without_node_says_so(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ext = make_ext()
    ext.write("manifest.js", "module.exports = () => ({});")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, _, err = run(ext, monkeypatch, "--manifest-js", "manifest.js")
    assert code == 2
    assert err.strip() == (
        "Error: --manifest-js needs Node.js to run the script, and 'node' was not found on PATH. "
        "Install Node.js (as tfx needs it), or pass the manifest with --manifests."
    )


def test_env_pairs_without_manifest_js_are_ignored_with_a_warning(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(make_ext(), monkeypatch, "--env", "a=b", "c=d", "--output-path", "o.vsix")
    assert code == 0 and "--env k=v pairs are only passed to a --manifest-js script: ignored" in err
