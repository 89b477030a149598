"""tfx's key-to-name conventions (lodash startCase / capitalize(camelCase)) and colour parsing."""

from __future__ import annotations

import math
import re
from typing import Any

from adoext.package.jsvalues import JS_SPACE, js_length

_WORDS = re.compile(r"[A-Za-z]+|[0-9]+")


def start_case(key: str) -> str:
    """Return tfx's asset-type suffix: `_.startCase(key.toLowerCase())` ('wide-icon' -> 'Wide Icon')."""
    return " ".join(word[0].upper() + word[1:] for word in _WORDS.findall(key.lower()))


def capitalized_camel(key: str) -> str:
    """Return tfx's property suffix, `_.capitalize(_.camelCase(key))`: 'privacy-policy' -> 'Privacypolicy'."""
    joined = "".join(_WORDS.findall(key)).lower()
    return joined[:1].upper() + joined[1:]


def upper_first(key: str) -> str:
    """Upper-case the first character only."""
    return key[:1].upper() + key[1:]


# branding.color is read the way tfx 0.23.1 reads it, with onecolor 2.5.0's `onecolor(value).hex()`.
# The names are onecolor's own table, not CSS's: its mediumpurple is 9370d8 (CSS says 9370db), so a
# CSS library would not do. tests/adoext/test_branding_color.py checks every name against onecolor.
_NAMED_TABLE = (
    "aliceblue f0f8ff antiquewhite faebd7 aqua 0ff aquamarine 7fffd4 azure f0ffff beige f5f5dc bisque "
    "ffe4c4 black 000 blanchedalmond ffebcd blue 00f blueviolet 8a2be2 brown a52a2a burlywood deb887 "
    "cadetblue 5f9ea0 chartreuse 7fff00 chocolate d2691e coral ff7f50 cornflowerblue 6495ed cornsilk "
    "fff8dc crimson dc143c cyan 0ff darkblue 00008b darkcyan 008b8b darkgoldenrod b8860b darkgray a9a9a9 "
    "darkgrey a9a9a9 darkgreen 006400 darkkhaki bdb76b darkmagenta 8b008b darkolivegreen 556b2f "
    "darkorange ff8c00 darkorchid 9932cc darkred 8b0000 darksalmon e9967a darkseagreen 8fbc8f "
    "darkslateblue 483d8b darkslategray 2f4f4f darkslategrey 2f4f4f darkturquoise 00ced1 darkviolet "
    "9400d3 deeppink ff1493 deepskyblue 00bfff dimgray 696969 dimgrey 696969 dodgerblue 1e90ff firebrick "
    "b22222 floralwhite fffaf0 forestgreen 228b22 fuchsia f0f gainsboro dcdcdc ghostwhite f8f8ff gold "
    "ffd700 goldenrod daa520 gray 808080 grey 808080 green 008000 greenyellow adff2f honeydew f0fff0 "
    "hotpink ff69b4 indianred cd5c5c indigo 4b0082 ivory fffff0 khaki f0e68c lavender e6e6fa "
    "lavenderblush fff0f5 lawngreen 7cfc00 lemonchiffon fffacd lightblue add8e6 lightcoral f08080 "
    "lightcyan e0ffff lightgoldenrodyellow fafad2 lightgray d3d3d3 lightgrey d3d3d3 lightgreen 90ee90 "
    "lightpink ffb6c1 lightsalmon ffa07a lightseagreen 20b2aa lightskyblue 87cefa lightslategray 789 "
    "lightslategrey 789 lightsteelblue b0c4de lightyellow ffffe0 lime 0f0 limegreen 32cd32 linen faf0e6 "
    "magenta f0f maroon 800000 mediumaquamarine 66cdaa mediumblue 0000cd mediumorchid ba55d3 mediumpurple "
    "9370d8 mediumseagreen 3cb371 mediumslateblue 7b68ee mediumspringgreen 00fa9a mediumturquoise 48d1cc "
    "mediumvioletred c71585 midnightblue 191970 mintcream f5fffa mistyrose ffe4e1 moccasin ffe4b5 "
    "navajowhite ffdead navy 000080 oldlace fdf5e6 olive 808000 olivedrab 6b8e23 orange ffa500 orangered "
    "ff4500 orchid da70d6 palegoldenrod eee8aa palegreen 98fb98 paleturquoise afeeee palevioletred d87093 "
    "papayawhip ffefd5 peachpuff ffdab9 peru cd853f pink ffc0cb plum dda0dd powderblue b0e0e6 purple "
    "800080 rebeccapurple 639 red f00 rosybrown bc8f8f royalblue 4169e1 saddlebrown 8b4513 salmon fa8072 "
    "sandybrown f4a460 seagreen 2e8b57 seashell fff5ee sienna a0522d silver c0c0c0 skyblue 87ceeb "
    "slateblue 6a5acd slategray 708090 slategrey 708090 snow fffafa springgreen 00ff7f steelblue 4682b4 "
    "tan d2b48c teal 008080 thistle d8bfd8 tomato ff6347 turquoise 40e0d0 violet ee82ee wheat f5deb3 "
    "white fff whitesmoke f5f5f5 yellow ff0 yellowgreen 9acd32 "
    .split()
)
_NAMED = dict(zip(_NAMED_TABLE[::2], _NAMED_TABLE[1::2], strict=True))
# onecolor's regular expressions, spelled for Python: ASCII letters and digits (its "i" flag and \d do not
# reach "ſ" or other digits), JavaScript's \s, and fullmatch for its ^...$ (Python's $ allows a final "\n").
_S = f"[{re.escape(JS_SPACE)}]*"
_NUMBER = r"(\.[0-9]+|[0-9]+(?:\.[0-9]+)?)"
_CHANNEL = _S + _NUMBER + "(%)?" + _S
_PERCENT = _S + r"(\.[0-9]+|100|[0-9]?[0-9](?:\.[0-9]+)?)%" + _S
_CSS = re.compile(
    rf"([rR][gG][bB]|[hH][sS][lL]|[hH][sS][vV])[aA]?\({_CHANNEL},{_CHANNEL},{_CHANNEL}(?:,{_S}{_NUMBER}{_S})?\)"
)
_CMYK = re.compile(rf"[cC][mM][yY][kK]\({_PERCENT},{_PERCENT},{_PERCENT},{_PERCENT}\)")
_SHORT_HEX = re.compile("#?([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])")
_HEX = re.compile("#?([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})")


def _js_round(number: float) -> int:
    """Math.round: halves go up (Python's round() goes to even)."""
    floor = math.floor(number)
    return floor + 1 if number - floor >= 0.5 else floor


def _construct(space: str, values: list[float]) -> list[float]:
    """onecolor's colour-space constructor: a hue wraps into [0, 1), every other channel is clamped."""
    if space in ("HSV", "HSL"):
        hue = values[0]
        return [hue - math.floor(hue)] + [min(max(v, 0.0), 1.0) for v in values[1:]]
    return [min(max(v, 0.0), 1.0) for v in values]


def _hsv_rgb(hue: float, saturation: float, value: float) -> list[float]:
    i = min(5, math.floor(hue * 6))
    f = hue * 6 - i
    p, q, t = value * (1 - saturation), value * (1 - f * saturation), value * (1 - (1 - f) * saturation)
    rgb = [(value, t, p), (q, value, p), (p, value, t), (p, q, value), (t, p, value), (value, p, q)][i]
    return _construct("RGB", list(rgb))


def _to_rgb(space: str, raw: list[Any]) -> list[float]:
    """Convert a colour (raw channel values, as onecolor's constructor receives them) to RGB in [0, 1]."""
    values = _construct(space, raw)
    if space == "RGB":
        return values
    if space == "HSV":
        return _hsv_rgb(*values[:3])
    if space == "HSL":
        lightness = values[2] * 2
        s = values[1] * (lightness if lightness <= 1 else 2 - lightness)
        saturation = 0 if lightness + s < 1e-9 else (2 * s) / (lightness + s)
        return _hsv_rgb(*_construct("HSV", [values[0], saturation, (lightness + s) / 2]))
    c, m, y, k = values[:4]  # CMYK
    return _construct("RGB", [1 - c * (1 - k) - k, 1 - m * (1 - k) - k, 1 - y * (1 - k) - k])


def _parse(value: Any) -> list[float]:
    """onecolor(value) as RGB for the text forms a manifest writes; ValueError where onecolor fails.
    onecolor also takes arrays ([r, g, b, a], its ["HSL", h, s, l] form): no manifest means those, and
    adoext refuses them (a README difference)."""
    if not isinstance(value, str):
        raise ValueError(value)
    text, lowered = value, value.lower()
    if lowered in _NAMED:
        text = "#" + _NAMED[lowered]
    if lowered == "transparent":
        text = "rgba(0,0,0,0)"
    css = _CSS.fullmatch(text)
    if css:
        space = css[1].upper()
        hue = space[0] == "H"
        first = 100 if css[3] else 360 if hue else 255
        divisors = (first, 100 if css[5] or hue else 255, 100 if css[7] or hue else 255)
        return _to_rgb(space, [float(css[i]) / d for i, d in zip((2, 4, 6), divisors, strict=True)])
    if js_length(text) < 6:  # onecolor's `obj.length < 6`
        text = _SHORT_HEX.sub(r"\1\1\2\2\3\3", text) if _SHORT_HEX.fullmatch(text) else text
    hex_match = _HEX.fullmatch(text)
    if hex_match:
        return _to_rgb("RGB", [int(part, 16) / 255 for part in hex_match.groups()])
    cmyk = _CMYK.fullmatch(text)
    if cmyk:
        return _to_rgb("CMYK", [float(part) / 100 for part in cmyk.groups()])
    raise ValueError(value)


def parse_color(value: object) -> str:
    """Return `onecolor(value).hex()` (lower-case #rrggbb); raise ValueError where that throws."""
    red, green, blue = (_js_round(255 * channel) for channel in _parse(value)[:3])
    return f"#{red * 0x10000 + green * 0x100 + blue:06x}"
