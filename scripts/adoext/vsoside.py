"""The vsomanifest side of the merge: contributions, scopes and every key tfx copies verbatim."""

from __future__ import annotations

import json
import re
from typing import Any

from adoext.merge import KeyContext, Merged

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
    """Concatenate scopes, dropping duplicates."""
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        ctx.error("'scopes' must be an array of strings.", hint='e.g. "scopes": ["vso.work"]')
        return
    scopes = merged.vso.setdefault("scopes", [])
    for scope in value:
        if scope not in scopes:
            scopes.append(scope)
            merged.origins.setdefault("scope:" + scope, (ctx.origin, ctx.path()))


def _manifest_version(value: Any) -> Any:
    """Parse manifestVersion like JavaScript's parseFloat; 1.0 is written as 1."""
    if isinstance(value, str):
        match = _FLOAT_PREFIX.match(value)
        value = float(match.group(0)) if match else None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _set_dotted(target: dict[str, Any], key: str, value: Any) -> None:
    """Store a key the way lodash `_.set` does: 'a.b' becomes {"a": {"b": ...}}."""
    parts = key.split(".")
    for part in parts[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    target[parts[-1]] = value


def _single(merged: Merged, name: str, value: Any, ctx: KeyContext) -> None:
    """First value wins; the overrides partial replaces."""
    exists = name in merged.vso if "." not in name else _has_dotted(merged.vso, name)
    if exists and not ctx.partial.override:
        ctx.warn(
            f"Multiple values found for '{ctx.key}'. Ignoring future occurrences and using the value "
            f"'{json.dumps(merged.vso.get(name))}'."
        )
        return
    _set_dotted(merged.vso, name, value) if "." in name else merged.vso.__setitem__(name, value)
    merged.origins[name.lower()] = (ctx.origin, ctx.path())


def _has_dotted(target: dict[str, Any], key: str) -> bool:
    """Tell whether a dotted path is already set."""
    node: Any = target
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _qna_copy(value: Any) -> Any:
    """Copy CustomerQnASupport, adding the canonical key spelling next to the one written (as tfx does)."""
    if not isinstance(value, dict):
        return value
    copy = dict(value)
    for key, item in value.items():
        if key.lower() == "enablemarketplaceqna" and key != "enableMarketplaceQnA":
            copy.setdefault("enableMarketplaceQnA", item)
    return copy


def process(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """Apply one manifest key to the vsomanifest side."""
    name = key.lower()
    if name in VSIX_ONLY or key.startswith("__"):
        return
    canonical = CANONICAL.get(name)
    if name == "contributions":
        _concat(
            merged, canonical or key, value, ctx, '"contributions" must be an array of Contribution objects.'
        )
    elif name == "contributiontypes":
        _concat(merged, "contributionTypes", value, ctx, '"contributionTypes" must be an array.')
    elif name == "constraints":
        _concat(merged, "constraints", value, ctx, '"constraints" must be an array of Constraint objects.')
    elif name == "scopes":
        _scopes(merged, value, ctx)
    elif name == "restrictedto":
        _restricted(merged, value, ctx)
    elif name == "manifestversion":
        _single(merged, "manifestVersion", _manifest_version(value), ctx)
    elif canonical:
        _single(merged, canonical, value, ctx)
    elif name == "customerqnasupport":
        _single(merged, key, _qna_copy(value), ctx)
    else:
        _single(merged, key, value, ctx)


def _restricted(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """restrictedTo: an array of strings, given once (the overrides partial may replace it)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        ctx.error('"restrictedTo" must be an array of strings.', hint='e.g. "restrictedTo": ["member"]')
        return
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
        merged.vso.setdefault(name, default)
