"""Every JSON document adoext reads, in shapes a parser trips on: nested deeper than it recurses, numbers
beyond a double, NaN and Infinity. The class of defect: Python's parser answered a RecursionError (an
internal error), or gave float('inf'), which json.dumps writes as `Infinity`: not JSON, in the package."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from typing import Any

import pytest
from adoext.cli import get_cli
from adoext.package.sources.manifests import load_json
from click.testing import CliRunner

from tests.adoext.conftest import Ext, base_manifest, read_parts
from tests.adoext.test_tfx_tasks import task_ext

DEEP = '{"a": ' * 50_000 + "1" + "}" * 50_000


def package(ext: Ext, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, list[str]]:
    """Run `adoext package`; return its exit code and stderr lines (never a traceback)."""
    monkeypatch.chdir(ext.root)
    result = CliRunner().invoke(
        get_cli(), ["package", *args, "--output-path", "o.vsix"], catch_exceptions=False
    )
    lines = result.stderr.splitlines()
    assert not any("Traceback" in line or "internal error" in line for line in lines), lines
    return result.exit_code, lines


def strict_json(data: bytes) -> Any:
    """Parse as Node's JSON.parse would: NaN and Infinity are refused."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} in the package")

    return json.loads(data, parse_constant=refuse)


@pytest.mark.parametrize(
    ("where", "args"),
    [
        ("manifest", ()),
        ("manifest, --json5", ("--json5",)),
        ("--override", ("--override", DEEP)),
        ("overrides file", ("--overrides-file", "over.json")),
        ("resources file", ("--loc-root", "loc")),
    ],
)
def test_a_document_nested_too_deeply_is_one_line(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch, where: str, args: tuple[str, ...]
) -> None:
    ext = make_ext()
    if where.startswith("manifest"):
        ext.write("vss-extension.json", DEEP)
    ext.write("over.json", DEEP)
    ext.write("loc/de-DE/resources.resjson", DEEP)
    code, err = package(ext, monkeypatch, *args)
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("Error: ") and "nested too deeply" in err[0]
    assert not (ext.root / "o.vsix").exists()


def test_a_task_json_nested_too_deeply_is_a_warning_as_any_invalid_one(make_ext: Callable[..., Ext]) -> None:
    ext = task_ext(make_ext)
    ext.write("tasks/MyTask/task.json", DEEP)
    (warning,) = [str(w) for w in ext.package().warnings]
    assert "task tasks/MyTask/task.json: invalid JSON: it is nested too deeply to read" in warning


@pytest.mark.parametrize("use_json5", [False, True], ids=["json", "json5"])
def test_numbers_beyond_a_double_are_written_as_tfx_writes_them(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch, use_json5: bool
) -> None:
    """JSON.parse reads them as Infinity, and JSON.stringify writes null; a large integer it reads as
    the nearest double, which it writes as 18446744073709552000 (node prints the same)."""
    manifest = json.dumps(base_manifest(description="d"))
    big = '"limits": [1e400, -1e400, ' + "9" * 5000 + ", 12, 2.5, 18446744073709551616]"
    ext = make_ext()
    ext.write("vss-extension.json", manifest[:-1] + ", " + big + "}")
    code, err = package(ext, monkeypatch, *(("--json5",) if use_json5 else ()))
    assert code == 0, err
    written = read_parts(ext.root / "o.vsix")["extension.vsomanifest"]
    assert strict_json(written)["limits"] == [None, None, None, 12, 2.5, 18446744073709552000]
    assert b"        18446744073709552000\n    ]" in written


def test_nan_and_infinity_are_not_json_but_are_json5() -> None:
    for literal in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(ValueError, match=f"{literal} is not a JSON value"):
            load_json(f"[{literal}]")
        assert load_json(f"[{literal}]", use_json5=True) == [None]  # jju reads it; JSON.stringify: null
    assert load_json("[0x10, -0x1F, +3]", use_json5=True) == [16, -31, 3]


@pytest.mark.skipif(shutil.which("node") is None, reason="--manifest-js runs Node")
def test_a_manifest_js_result_nested_too_deeply_is_one_line(
    make_ext: Callable[..., Ext], monkeypatch: pytest.MonkeyPatch
) -> None:
    ext = make_ext()
    body = json.dumps(base_manifest())
    ext.write(
        "manifest.js",
        "module.exports = () => { let deep = 1; for (let i = 0; i < 50000; i++) deep = {a: deep}; "
        f"return Object.assign({body}, {{deep}}); }};",
    )
    code, err = package(ext, monkeypatch, "--manifest-js", "manifest.js")
    assert code == 2 and len(err) == 1, err
    assert "--manifest-js manifest.js" in err[0]
