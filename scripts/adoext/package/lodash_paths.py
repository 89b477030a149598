"""lodash's `_.get` and `_.set` on JSON values, as tfx uses them to look up localized strings.

tfx expands each resources.resjson with `_.set(expanded, key, value)` and then reads a string's
translation with `_.get(expanded, key)`, so `{"a": {"b": "x"}}` and `{"a.b": "x"}` name the same string.
The path syntax is lodash's: dots and `[0]` / `["quoted"]` brackets, a key present as a whole wins.
"""

from __future__ import annotations

import re
from typing import Any

from adoext.package.jsvalues import js_keys

# lodash's rePropName, reEscapeChar, reIsDeepProp and reIsPlainProp (lodash 4.17), spelled for Python:
# ASCII \d and \w as in JavaScript, \Z for its $ (Python's $ also matches before a final newline), and
# the whole-value patterns used with fullmatch.
_PROP_NAME = re.compile(
    r"""[^.[\]]+|\[(?:(-?\d+(?:\.\d+)?)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|\Z))""",
    re.ASCII,
)
_ESCAPE_CHAR = re.compile(r"\\(\\)?")
_DEEP_PROP = re.compile(r"""\.|\[(?:[^[\]]*|(["'])(?:(?!\1)[^\\]|\\.)*?\1)\]""")
_PLAIN_PROP = re.compile(r"\w*", re.ASCII)
_INDEX = re.compile(r"0|[1-9]\d*", re.ASCII)
# Keys lodash's baseSet refuses to write (prototype pollution guard).
UNSAFE_KEYS = {"__proto__", "constructor", "prototype"}


def _has(node: Any, key: str) -> bool:
    """Return `key in Object(node)` for a JSON value (own keys only: no prototype chain here)."""
    if isinstance(node, dict):
        return key in node
    if isinstance(node, list | str):
        return key == "length" or (bool(_INDEX.fullmatch(key)) and int(key) < len(node))
    return False


def to_path(key: str, node: Any) -> list[str]:
    """Return lodash's castPath(key, node): the key itself when it is a plain or present key."""
    if _PLAIN_PROP.fullmatch(key) or not _DEEP_PROP.search(key) or _has(node, key):
        return [key]
    path = [""] if key.startswith(".") else []
    for match in _PROP_NAME.finditer(key):
        number, quote, quoted = match.group(1), match.group(2), match.group(3)
        path.append(_ESCAPE_CHAR.sub(r"\1", quoted) if quote else (number or match.group(0)))
    return path


def _child(node: Any, key: str) -> Any:
    """Return `node[key]` as JavaScript reads it from a JSON value (None for undefined)."""
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list | str):
        if key == "length":
            return len(node)
        if _INDEX.fullmatch(key) and int(key) < len(node):
            return node[int(key)]
    return None


def get(node: Any, key: str) -> Any:
    """Return `_.get(node, key)` (None for undefined)."""
    path = to_path(key, node)
    for part in path:
        if node is None:
            return None
        node = _child(node, part)
    return node if path else None


def _assign(node: Any, key: str, value: Any) -> None:
    """Write `node[key] = value`; an array grows with holes (null in JSON), other keys on it are lost."""
    if isinstance(node, dict):
        node[key] = value
    elif isinstance(node, list) and _INDEX.fullmatch(key):
        index = int(key)
        node.extend([None] * (index + 1 - len(node)))
        node[index] = value


def set_path(root: dict[str, Any], key: str, value: Any) -> None:
    """Do `_.set(root, key, value)`: missing or non-object steps become {} (or [] before an index)."""
    path = to_path(key, root)
    node: Any = root
    for index, part in enumerate(path):
        if part in UNSAFE_KEYS or not isinstance(node, dict | list):
            return
        if index == len(path) - 1:
            _assign(node, part, value)
            return
        step = _child(node, part)
        if not isinstance(step, dict | list):
            step = [] if _INDEX.fullmatch(path[index + 1]) else {}
            _assign(node, part, step)
        node = _child(node, part)


def expand(flat: dict[str, Any]) -> dict[str, Any]:
    """Return tfx's expandResourceFile(flat): every key set as a lodash path, in key order."""
    expanded: dict[str, Any] = {}
    for key in js_keys(flat):  # Object.keys order: array-index keys first
        set_path(expanded, key, flat[key])
    return expanded
