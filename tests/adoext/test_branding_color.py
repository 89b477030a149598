"""branding.color as tfx-cli 0.23.1 reads it: `onecolor(value).hex()` (onecolor 2.5.0), or its error.

The expected values below were observed with tfx-cli 0.23.1; the Node test compares adoext's parser with
onecolor itself over many inputs (the one tfx-cli's lock pins, installed by tests/tfx_cli.py).
"""

from __future__ import annotations

import json
import random
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from adoext.errors import ValidationFailed
from adoext.package.merge.naming import _NAMED, parse_color

from tests.adoext.conftest import Ext, base_manifest

# (branding.color, the Branding.Color tfx-cli 0.23.1 wrote)
ACCEPTED = [
    ("red", "#ff0000"),
    ("RED", "#ff0000"),
    ("transparent", "#000000"),
    ("rebeccapurple", "#663399"),
    ("mediumpurple", "#9370d8"),  # onecolor's table, not CSS's #9370db
    ("hsl(120,100%,50%)", "#00ff00"),
    ("hsv(120,100%,100%)", "#00ff00"),
    ("hsla(0,100%,50%,0.3)", "#ff0000"),
    ("ff0000", "#ff0000"),
    ("#abc", "#aabbcc"),
    ("#FFF", "#ffffff"),
    ("rgb(100%,0%,0%)", "#ff0000"),
    ("rgba(0,0,0,0.5)", "#000000"),
]
# tfx-cli 0.23.1 failed on each: "Could not parse branding color as a valid color."
REFUSED: list[Any] = [
    "rgb(0 255 0)",
    "  #fff  ",
    "rgba(255,0,0,50%)",
    "cmyk(0,1,1,0)",
    "#11223344",
    "notacolor",
    "",
    None,
    255,
]
# onecolor takes these too; no manifest means them, and adoext refuses them (scripts/adoext/README.md).
ARRAYS: list[Any] = [[255, 0, 0, 1], ["RGB", 1, 0.5, 0], ["HSL", 0.5, 1, 0.5], {}]


@pytest.mark.parametrize(("color", "expected"), ACCEPTED)
def test_colours_tfx_accepts(color: str, expected: str) -> None:
    assert parse_color(color) == expected


@pytest.mark.parametrize("color", REFUSED + ARRAYS)
def test_colours_tfx_refuses(color: Any) -> None:
    with pytest.raises(ValueError):
        parse_color(color)


def test_a_named_colour_becomes_the_branding_property(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(branding={"color": "Red", "theme": "dark"}))
    with zipfile.ZipFile(ext.package().path) as archive:
        manifest = archive.read("extension.vsixmanifest").decode()
    assert '<Property Id="Microsoft.VisualStudio.Services.Branding.Color" Value="#ff0000"/>' in manifest
    assert '<Property Id="Microsoft.VisualStudio.Services.Branding.Theme" Value="dark"/>' in manifest


def test_a_colour_tfx_refuses_is_an_error(make_ext: Callable[..., Ext]) -> None:
    ext = make_ext(base_manifest(branding={"color": "rgb(0 255 0)"}))
    with pytest.raises(ValidationFailed) as caught:
        ext.package()
    [problem] = caught.value.problems
    assert "$.branding.color: Could not parse branding color as a valid color." in problem


def _inputs() -> list[Any]:
    """Names, every syntax onecolor knows and near misses: fixed cases, then seeded random ones."""
    space = ["", " ", "\t", "\n", "\u00a0", "\ufeff", "\u2028", "\x1c", "\x85"]
    numbers = ["0", "1", "50", "100", "255", "256", "999", ".5", "0.5", "12.345", "1.", "-1", "+1", "1e2"]
    fixed: list[Any] = [*_NAMED, *(name.upper() for name in _NAMED), "blac\u212a", "tran\u017fparent"]
    fixed += ["transparent", "TRANSPARENT", "constructor", "__proto__", "tostring", "#fff\n", "fff\n"]
    rng = random.Random(20240523)
    generated: list[Any] = []
    for _ in range(3000):
        fn = rng.choice(["rgb", "rgba", "hsl", "hsla", "hsv", "hsva", "RGB", "Hsl", "cmyk", "CMYK", "rgp"])
        count = rng.choice([3, 3, 4, 4, 5])
        channels = [
            rng.choice(space) + rng.choice(numbers) + rng.choice(["", "", "%", " %"]) + rng.choice(space)
            for _ in range(count)
        ]
        generated.append(fn + "(" + rng.choice([",", ",", " ", "/"]).join(channels) + ")")
        digits = "".join(rng.choice("0123456789abcdefABCDEFg") for _ in range(rng.choice([3, 4, 6, 8])))
        generated.append(rng.choice(["", "#", "##", " #"]) + digits)
    return fixed + generated


def test_parser_agrees_with_onecolor(tmp_path: Path, tfx_cli_modules: Path) -> None:
    """onecolor as tfx-cli 0.23.1's own lock installs it (the fixture runs npm ci if needed)."""
    onecolor = tfx_cli_modules / "onecolor"
    inputs = _inputs()
    (tmp_path / "inputs.json").write_text(json.dumps(inputs))
    script = (
        "const onecolor = require(process.argv[1]);"
        "const inputs = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));"
        "const hex = v => { try { return onecolor(v).hex(); } catch (e) { return null; } };"
        "console.log(JSON.stringify(inputs.map(hex)));"
    )
    node = subprocess.run(
        ["node", "-e", script, str(onecolor), str(tmp_path / "inputs.json")],
        capture_output=True, text=True, check=True, timeout=60,
    )
    expected = json.loads(node.stdout)

    def ours(value: Any) -> str | None:
        try:
            return parse_color(value)
        except ValueError:
            return None

    mismatches = [(v, e, ours(v)) for v, e in zip(inputs, expected, strict=True) if ours(v) != e]
    assert mismatches == []
