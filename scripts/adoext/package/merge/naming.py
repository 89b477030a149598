"""tfx's key-to-name conventions (lodash startCase / capitalize(camelCase)) and colour parsing."""

from __future__ import annotations

import re

_WORDS = re.compile(r"[A-Za-z]+|[0-9]+")
_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_RGB = re.compile(r"^rgba?\(\s*([^)]*)\)$", re.IGNORECASE)


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


def _channel(text: str) -> int:
    """Parse one rgb() channel: 0-255 or a percentage."""
    text = text.strip()
    value = float(text[:-1]) * 255 / 100 if text.endswith("%") else float(text)
    if not 0 <= value <= 255:
        raise ValueError(text)
    return round(value)


def parse_color(value: object) -> str:
    """Return a colour as lower-case #rrggbb (hex or rgb()/rgba() input); raise ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    hex_match = _HEX.match(text)
    if hex_match:
        digits = hex_match.group(1)
        if len(digits) == 3:
            digits = "".join(ch * 2 for ch in digits)
        return "#" + digits.lower()
    rgb_match = _RGB.match(text)
    if rgb_match:
        parts = [p for p in re.split(r"[,\s/]+", rgb_match.group(1).strip()) if p]
        if len(parts) in (3, 4):
            return "#" + "".join(f"{_channel(p):02x}" for p in parts[:3])
    raise ValueError(value)
