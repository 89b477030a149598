"""JavaScript's view of JSON values, where tfx's output depends on it: `String(value)`, truthiness and
`Object.keys` order. tfx is JavaScript, so a manifest value of an unexpected type reaches the package
the way these rules turn it into text (`[1, 2]` as "1,2", an object as "[object Object]").
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

# An array index: the keys JavaScript objects list first, in numeric order (ECMA-262 OrdinaryOwnPropertyKeys).
_INDEX = re.compile(r"0|[1-9][0-9]*")
_MAX_INDEX = 2**32 - 2


def js_keys(value: dict[str, Any]) -> list[str]:
    """Return an object's keys as `Object.keys` lists them: array indices ascending, then the rest."""
    indices = {key for key in value if _INDEX.fullmatch(key) and int(key) <= _MAX_INDEX}
    if not indices:  # the common case: the keys' own order
        return list(value)
    return sorted(indices, key=int) + [key for key in value if key not in indices]


def js_length(text: str) -> int:
    """Return `text.length`: UTF-16 code units, so a character beyond U+FFFF (an emoji) counts two."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # a lone surrogate is one unit too


def js_truthy(value: Any) -> bool:
    """Return whether JavaScript treats a JSON value as true (every object and array is)."""
    if isinstance(value, (dict, list)):
        return True
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def js_string(value: Any) -> str:
    """Return `String(value)` for a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return js_number(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return js_join(value)
    return "[object Object]"


def js_join(items: list[Any], separator: str = ",") -> str:
    """Return `items.join(separator)`: null elements are empty, the others String()."""
    return separator.join("" if item is None else js_string(item) for item in items)


def js_unique(items: list[Any]) -> list[Any]:
    """Return lodash's `_.uniq(items)`: first occurrences, compared as SameValueZero (1 and 1.0 are one
    value, 1 and "1" or true two; every object or array is its own)."""
    seen: set[tuple[str, Any]] = set()
    unique: list[Any] = []
    for item in items:
        if isinstance(item, (dict, list)):
            key: tuple[str, Any] = ("object", id(item))
        elif isinstance(item, bool) or item is None or isinstance(item, str):
            key = (type(item).__name__, item)
        else:  # a number; NaN equals NaN under SameValueZero
            key = ("number", "NaN" if item != item else float(item))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def js_number(number: float) -> str:
    """Return Number::toString(number): the shortest digits that round-trip, placed by ECMA-262's rule
    (plain up to 21 integer digits and down to 6 leading zeros, an exponent beyond)."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    exact = Decimal(repr(abs(number))).normalize()  # repr gives the shortest round-tripping digits
    digits = "".join(map(str, exact.as_tuple().digits))
    k, n = len(digits), len(digits) + int(exact.as_tuple().exponent)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + text


# JavaScript's white space and line terminators (the `\s` of its regular expressions, what parseInt skips);
# Python's `\s` and str.strip() differ (they take \x1c-\x1f and \x85, and leave \ufeff).
JS_SPACE = "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
JS_SPACE += "\u2028\u2029\u202f\u205f\u3000\ufeff"


def js_entries(value: Any) -> list[tuple[str, Any]]:
    """Return `Object.keys(value).map(k => [k, value[k]])` for a JSON value: an object's keys in their
    JavaScript order, an array's or a string's indices (a string's items are its UTF-16 code units),
    nothing for a number or boolean. null raises TypeError, as Object.keys(null) does."""
    if value is None:
        raise TypeError("Cannot convert undefined or null to object")
    if isinstance(value, dict):
        return [(key, value[key]) for key in js_keys(value)]
    if isinstance(value, list):
        return [(str(index), item) for index, item in enumerate(value)]
    if isinstance(value, str):
        units = value.encode("utf-16-le", "surrogatepass")
        chars = [units[i : i + 2].decode("utf-16-le", "surrogatepass") for i in range(0, len(units), 2)]
        return [(str(index), char) for index, char in enumerate(chars)]
    return []
