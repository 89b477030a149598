"""The vsomanifest side of the merge: contributions, scopes and every key tfx copies verbatim.

Where tfx rewrites a key, so does this (targets/Microsoft.VisualStudio.Services/vso-manifest-builder.ts):
`eventCallbacks` only if it is an object; `scopes`/`contributionTypes` that are not arrays are ignored;
`manifestVersion` goes through parseFloat and a falsy result becomes 1; `CustomerQnASupport` gains
`url`/`enableMarketplaceQnA` (tfx changes the object while building the vsixmanifest); any other key
is stored at its lodash path (`a.b` and `a[0]` become nested objects and arrays).
"""

from __future__ import annotations

import json
import re
from typing import Any

from adoext.package.jsvalues import js_unique
from adoext.package.merge.merged import KeyContext, KeyRule, Merged
from adoext.package.merge.properties import normalised_qna

VSIX_ONLY = frozenset(
    {
        "branding",
        "categories",
        "content",
        "description",
        "details",
        "extensionid",
        "files",
        "flags",
        "galleryflags",
        "galleryproperties",
        "githubflavoredmarkdown",
        "icons",
        "id",
        "links",
        "name",
        "namespace",
        "public",
        "publisher",
        "releasenotes",
        "screenshots",
        "showpricingcalculator",
        "tags",
        "targets",
        "version",
        "vsoflags",
    }
)
CANONICAL = {
    "baseuri": "baseUri",
    "eventcallbacks": "eventCallbacks",
    "manifestversion": "manifestVersion",
    "contributions": "contributions",
    "contributiontypes": "contributionTypes",
    "scopes": "scopes",
    "constraints": "constraints",
    "restrictedto": "restrictedTo",
}
_FLOAT_PREFIX = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _concat(merged: Merged, name: str, value: Any, ctx: KeyContext, message: str) -> None:
    """Concatenate an array-valued key across manifests."""
    if not isinstance(value, list):
        ctx.error(message, hint=f'Write "{ctx.key}": [ ... ].')
        return
    merged.vso.setdefault(name, []).extend(value)
    if name == "contributions":
        merged.contribution_origins.extend((ctx.origin, ctx.path(i)) for i in range(len(value)))


def _scopes(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Concatenate scopes, dropping duplicates; tfx ignores a value that is not an array."""
    if not isinstance(value, list):
        ctx.warn("'scopes' is not an array: ignored.", hint='Write e.g. "scopes": ["vso.work"].')
        return
    # lodash's uniq over the concatenation: an item that is no scope name stays in, as in tfx, but is
    # warned about (the Marketplace knows scopes by name).
    merged.vso["scopes"] = js_unique(merged.vso.get("scopes", []) + value)
    for index, scope in enumerate(value):
        if not isinstance(scope, str):
            ctx.warn("a scope must be a string: tfx keeps it as it is.", index, hint='Write e.g. "vso.work".')
        else:
            merged.origins.setdefault("scope:" + scope, (ctx.origin, ctx.path()))


def _manifest_version(value: Any) -> Any:
    """Parse manifestVersion like JavaScript's parseFloat; 1.0 is written as 1."""
    if isinstance(value, str):
        match = _FLOAT_PREFIX.match(value)
        value = float(match.group(0)) if match else None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_PATH_PART = re.compile(
    r"""[^.\[\]]+|\[(?:(-?\d+(?:\.\d+)?)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|$))"""
)


def _lodash_path(key: str) -> list[str]:
    """Split a key the way lodash's stringToPath does: 'a.b' -> [a, b], 'a[0]' -> [a, 0], "a['x.y']"."""
    if not re.search(r"\.|\[(?:[^[\]]*|([\"'])(?:(?!\1)[^\\]|\\.)*?\1)\]", key):
        return [key]
    parts = [""] if key.startswith(".") else []
    for match in _PATH_PART.finditer(key):
        number, quote, quoted = match.group(1), match.group(2), match.group(3)
        if quote:
            parts.append(re.sub(r"\\(\\)?", r"\1", quoted))
        else:
            parts.append(number if number is not None else match.group(0))
    return parts


def _is_index(part: str) -> bool:
    """Tell whether lodash treats a path part as an array index."""
    return part.isdigit() and not (len(part) > 1 and part.startswith("0"))


def _set_path(target: dict[str, Any], parts: list[str], value: Any) -> None:
    """Store a value the way lodash `_.set` does, creating objects, or arrays before an index."""
    node: Any = target
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        child = value if last else _get(node, part)
        if not last and not isinstance(child, dict | list):
            child = [] if _is_index(parts[position + 1]) else {}
        _put(node, part, child)
        node = child


def _get(node: Any, part: str) -> Any:
    """Read node[part] for an object or an array."""
    if isinstance(node, list):
        return node[int(part)] if _is_index(part) and int(part) < len(node) else None
    return node.get(part)


def _put(node: Any, part: str, value: Any) -> None:
    """Write node[part]; an array grows (holes are null, as JSON.stringify writes them)."""
    if isinstance(node, list) and _is_index(part):
        node.extend([None] * (int(part) + 1 - len(node)))
        node[int(part)] = value
    elif isinstance(node, dict):
        node[part] = value


def _single(merged: Merged, name: str, value: Any, ctx: KeyContext) -> None:
    """First value wins; the overrides partial replaces. Keys are lodash paths (see _lodash_path)."""
    parts = _lodash_path(name)
    existing = _lookup(merged.vso, parts)
    if existing is not _MISSING and not ctx.partial.override:
        ctx.warn(
            f"Multiple values found for '{ctx.key}'. Ignoring future occurrences and using the value "
            f"'{json.dumps(existing)}'."
        )
        return
    _set_path(merged.vso, parts, value)
    merged.origins[name.lower()] = (ctx.origin, ctx.path())


_MISSING = object()


def _lookup(target: dict[str, Any], parts: list[str]) -> Any:
    """Return the value at a path, or _MISSING (lodash `_.get` returning undefined)."""
    node: Any = target
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and _is_index(part) and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _contribution_types(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """`contributionTypes` that is not an array is ignored, as in tfx."""
    if isinstance(value, list):
        _concat(merged, "contributionTypes", value, ctx, "")
    else:
        ctx.warn("'contributionTypes' is not an array: ignored.", hint='Write "contributionTypes": [...].')


def _event_callbacks(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """`eventCallbacks` only if it is an object (or an array, which tfx's check lets through)."""
    if isinstance(value, dict | list):
        _single(merged, "eventCallbacks", value, ctx)
    else:
        ctx.warn("'eventCallbacks' is not an object: ignored.", hint='Write "eventCallbacks": {...}.')


def _qna_support(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """`CustomerQnASupport` as tfx leaves it after building the vsixmanifest (url, enableMarketplaceQnA)."""
    _single(merged, key, normalised_qna(value) if isinstance(value, dict) else value, ctx)


# The vsomanifest side's rule for each key that tfx rewrites; any other key (not vsixmanifest-only) is
# copied at its lodash path, under its canonical spelling when it has one.
VSO_KEYS: dict[str, KeyRule] = {
    "contributions": lambda merged, key, value, ctx: _concat(
        merged, "contributions", value, ctx, '"contributions" must be an array of Contribution objects.'
    ),
    "contributiontypes": _contribution_types,
    "constraints": lambda merged, key, value, ctx: _concat(
        merged, "constraints", value, ctx, '"constraints" must be an array of Constraint objects.'
    ),
    "scopes": lambda merged, key, value, ctx: _scopes(merged, value, ctx),
    "restrictedto": lambda merged, key, value, ctx: _restricted(merged, value, ctx),
    "manifestversion": lambda merged, key, value, ctx: _single(
        merged, "manifestVersion", _manifest_version(value), ctx
    ),
    "eventcallbacks": _event_callbacks,
    "customerqnasupport": _qna_support,
}


def process(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """Apply one manifest key to the vsomanifest side."""
    name = key.lower()
    if name in VSIX_ONLY or key.startswith("__"):
        return
    rule = VSO_KEYS.get(name)
    if rule is not None:
        rule(merged, key, value, ctx)
    else:
        _single(merged, CANONICAL.get(name, key), value, ctx)


def _restricted(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """restrictedTo: an array, given once (the overrides partial may replace it). tfx checks only that it
    is an array, so an item that is not a string is written as it is, with a warning."""
    if not isinstance(value, list):
        ctx.error('"restrictedTo" must be an array of strings.', hint='e.g. "restrictedTo": ["member"]')
        return
    for index, item in enumerate(value):
        if not isinstance(item, str):
            hint = 'Write a role name, e.g. "member".'
            ctx.warn("a restrictedTo item must be a string: tfx keeps it as it is.", index, hint=hint)
    if "restrictedTo" in merged.vso and not ctx.partial.override:
        ctx.error(
            "Multiple values found for 'restrictedTo'.", hint="Declare restrictedTo in one manifest only."
        )
        return
    merged.vso["restrictedTo"] = list(value)


def finish(merged: Merged) -> None:
    """Append tfx's defaults for missing keys."""
    for name, default in (
        ("contributions", []),
        ("scopes", []),
        ("contributionTypes", []),
        ("manifestVersion", 1),
    ):
        if name not in merged.vso:
            merged.vso[name] = default
            merged.vso_defaults.append(name)
        elif name == "manifestVersion" and not merged.vso[name]:
            merged.vso[name] = default  # tfx: `if (!manifestVersion) manifestVersion = 1` (0, NaN, "")
