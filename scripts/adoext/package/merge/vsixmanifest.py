"""The vsixmanifest side of the merge: identity, metadata, properties, targets and assets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adoext.package.jsvalues import js_entries, js_join, js_string, js_truthy, js_unique
from adoext.package.merge.merged import KeyContext, KeyRule, Merged
from adoext.package.merge.naming import start_case
from adoext.package.merge.properties import PROP, PROPERTY_KEYS, add_badges
from adoext.package.model import FileDecl


def _single(
    merged: Merged, target: dict[str, Any], name: str, value: Any, ctx: KeyContext, canonical: str
) -> None:
    """Set a single-valued field: first value wins, the overrides partial replaces."""
    if name in target and not ctx.partial.override:
        ctx.warn(
            f"Multiple values found for '{ctx.key}'. Ignoring future occurrences and using the value "
            f"'{json.dumps(target[name])}'."
        )
        return
    target[name] = value
    merged.origins[canonical] = (ctx.origin, ctx.path())


def _delimited(merged: Merged, name: str, value: Any, delimiter: str, ctx: KeyContext) -> None:
    """Append to a delimited list field (tags, categories, gallery flags), de-duplicated, as tfx's
    handleDelimitedList does: a string is split (empty items dropped), an array's items or any other
    value are added as they are, and the whole is joined as JavaScript joins an array (1 -> "1",
    null -> "", an object -> "[object Object]")."""
    items = [v for v in value.split(delimiter) if v] if isinstance(value, str) else value
    existing = [v for v in str(merged.metadata.get(name, "")).split(delimiter) if v]
    combined = existing + (items if isinstance(items, list) else [items])
    merged.metadata[name] = js_join(js_unique(combined), delimiter)
    merged.origins.setdefault(name.lower(), (ctx.origin, ctx.path()))


def _asset(
    merged: Merged,
    ctx: KeyContext,
    path: Any,
    asset_type: str,
    base: Path,
    content_type: Any = None,
    *parts: str | int,
) -> None:
    """Queue an icon/screenshot/content file; these are added after every `files` entry."""
    if not isinstance(path, str) or not path:
        ctx.error("must be a file path string.", *parts, hint="Give the path of a file in the package.")
        return
    ctype = js_string(content_type) if js_truthy(content_type) else None  # as tfx: 5 is "5"
    merged.deferred.append(FileDecl(path, base, ctx.origin, ctx.path(*parts), True, (), ctype, (asset_type,)))


def _files(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Queue every `files` entry."""
    if not isinstance(value, list):
        # tfx ignores a `files` that is not an array (nothing is packaged from it): a warning, not an error.
        ctx.warn(
            "'files' is not an array of file declarations: ignored, nothing is packaged from it.",
            hint='Write e.g. "files": [{"path": "dist"}].',
        )
        return
    base = ctx.partial.base_for(ctx.key)
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not entry["path"]:
            ctx.error(
                "All 'files' must include a 'path'.",
                index,
                hint="Add a path (absolute, or relative to this manifest).",
            )
            continue
        names = _package_paths(entry, ctx, index)
        if names is None:
            continue
        ctype, lang = entry.get("contentType"), entry.get("lang")
        merged.files.append(
            FileDecl(
                entry["path"],
                base,
                ctx.origin,
                ctx.path(index),
                js_truthy(entry.get("addressable")),  # as tfx reads it: 1 or "yes" is addressable too
                names,
                js_string(ctype) if js_truthy(ctype) else None,
                _asset_types(entry.get("assetType"), ctx, index),
                js_string(lang) if js_truthy(lang) else None,
            )
        )


def _package_paths(entry: dict[str, Any], ctx: KeyContext, index: int) -> tuple[str, ...] | None:
    """A `files` entry's part names as tfx's addFile takes them: `partName`, else `packagePath`, each only
    when truthy (so "" is the default name); an array is one name per item, and an empty one packages
    nothing (None)."""
    packaged = next((entry[k] for k in ("partName", "packagePath") if js_truthy(entry.get(k))), None)
    if packaged is None:
        return ()
    names = packaged if isinstance(packaged, list) else [packaged]
    if not all(isinstance(name, str) for name in names):  # tfx fails on these with a TypeError
        hint = 'Write e.g. "packagePath": "dist".'
        ctx.error("'packagePath' must be a path or a list of paths.", index, hint=hint)
        return None
    if not names:
        ctx.warn("'packagePath' is an empty list: the file is not packaged (as in tfx).", index)
        return None
    return tuple(names)


def _asset_types(value: Any, ctx: KeyContext, index: int) -> tuple[str, ...]:
    """`assetType`: a string or a list, each item as JavaScript's String() writes it. A null item would
    be an <Asset> with no Type in tfx's package, naming nothing: it is left out, with a warning."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        return ()
    if None in value:
        ctx.warn("'assetType' has a null item: tfx writes an <Asset> with no Type for it; left out.", index)
    return tuple(js_string(item) for item in value if item is not None)


def _public(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """`public: true` adds the Public flag where it is not yet, `false` removes it (an empty
    <GalleryFlags/> remains). As tfx: a Public already listed keeps its place, first of any repeats."""
    if not isinstance(value, bool):
        ctx.error(
            "The value for `public` must be a boolean true or false.", hint='Write "public": true or false.'
        )
        return
    flags = merged.gallery_flags + ["Public"] if value else [f for f in merged.gallery_flags if f != "Public"]
    merged.metadata["GalleryFlags"] = " ".join(dict.fromkeys(flags))  # lodash's uniq: first places kept
    merged.origins["public"] = (ctx.origin, ctx.path())


def _targets(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Append installation targets (entries without an id are skipped)."""
    if not isinstance(value, list):
        ctx.warn(  # tfx ignores it too
            "'targets' is not an array: ignored.",
            hint='Write e.g. "targets": [{"id": "Microsoft.VisualStudio.Services"}].',
        )
        return
    for index, target in enumerate(value):
        if target is None:  # tfx fails reading null.id
            hint = '{"id": "Microsoft.VisualStudio.Services"}'
            ctx.error("a target must be an object with an id.", index, hint=hint)
            continue
        fields = target if isinstance(target, dict) else {}
        shown = js_string(fields["id"]) if "id" in fields else "undefined"
        merged.target_ids.append(shown)
        merged.origins.setdefault("target:" + shown, (ctx.origin, ctx.path(index)))
        if js_truthy(fields.get("id")):
            attrs = {"Id": shown}
            if js_truthy(fields.get("version")):
                attrs["Version"] = js_string(fields["version"])
            merged.targets.append(attrs)


def _id(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """`id`, `extensionId` and `namespace` are one field; a value that is not a string is ignored."""
    if isinstance(value, str):
        _single(merged, merged.identity, "Id", value, ctx, "id")


def _version(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """`version`; tfx's --rev-version bumps only this spelling, in every partial."""
    if key == "version":
        merged.version_sources.append((ctx.origin, value))
    _single(merged, merged.identity, "Version", value, ctx, "version")


def _field(section: str, name: str, canonical: str) -> KeyRule:
    """A single-valued field of <Identity> or <Metadata>."""

    def rule(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
        target = merged.identity if section == "identity" else merged.metadata
        _single(merged, target, name, value, ctx, canonical)

    return rule


def _list_field(name: str, delimiter: str) -> KeyRule:
    """A delimited list field (tags, categories, gallery flags)."""

    def rule(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
        _delimited(merged, name, value, delimiter, ctx)

    return rule


def _object_entries(value: Any, ctx: KeyContext) -> list[tuple[str, Any]]:
    """`Object.keys(value)` for `icons` and `content`, which tfx reads without checking the type: an
    array's items are named by their index, a string's characters are paths, null (left in by an
    overrides partial) makes tfx fail."""
    try:
        return js_entries(value)
    except TypeError:
        ctx.error(f"'{ctx.key}' is null: tfx fails on it (Object.keys of null).", hint="Remove the key.")
        return []


def _icons(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """`icons`: {kind: path}, each an addressable asset."""
    if isinstance(value, str) and "." in value:  # tfx's icon "." is the root: an <Asset> with no Path
        message = "'icons' is a string; tfx reads its characters as paths: All 'files' must include a 'path'."
        ctx.error(message, hint='Write "icons": {"default": "images/icon.png"}.')
        return
    base = ctx.partial.base_for(key)
    for kind, path in _object_entries(value, ctx):
        _asset(merged, ctx, path, PROP + "Icons." + start_case(kind), base, None, kind)


def _screenshots(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """`screenshots`: [{path, contentType}], numbered from 1."""
    if isinstance(value, list):
        for index, shot in enumerate(value, start=1):
            shot = shot if isinstance(shot, dict) else {}
            asset_type = PROP + f"Screenshots.{index}"
            content_type = shot.get("contentType")
            _asset(merged, ctx, shot.get("path"), asset_type, ctx.root, content_type, index - 1, "path")


def _content(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """`content`: {kind: {path, contentType}}; an item without a path is a warning, a null one an error
    (tfx fails reading its path)."""
    for kind, item in _object_entries(value, ctx):
        path = item.get("path") if isinstance(item, dict) else None
        if item is None:
            ctx.error(f"Content item '{kind}' is null: tfx fails on it.", kind, hint='Write {"path": ...}.')
        elif js_truthy(path):
            asset_type = PROP + "Content." + start_case(kind)
            _asset(merged, ctx, path, asset_type, ctx.root, item.get("contentType"), kind, "path")
        else:
            ctx.warn(f"Did not find 'path' property for content item '{kind}'. Ignoring.", kind)


def _details(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """`details`: {path, contentType}, the overview page."""
    if isinstance(value, dict) and value.get("path"):
        asset_type = PROP + "Content.Details"
        _asset(merged, ctx, value["path"], asset_type, ctx.root, value.get("contentType"), "path")


def _badges(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    add_badges(merged, value, ctx)


# The vsixmanifest side's rule for each manifest key (lower-cased, as tfx matches them); a key not
# listed here may still become a <Property> (PROPERTY_KEYS), and is otherwise left to the vsomanifest.
VSIX_KEYS: dict[str, KeyRule] = {
    "namespace": _id,
    "extensionid": _id,
    "id": _id,
    "version": _version,
    "publisher": _field("identity", "Publisher", "publisher"),
    "name": _field("metadata", "DisplayName", "name"),
    "description": _field("metadata", "Description", "description"),
    "releasenotes": _field("metadata", "ReleaseNotes", "releasenotes"),
    "icons": _icons,
    "screenshots": _screenshots,
    "content": _content,
    "details": _details,
    "targets": lambda merged, key, value, ctx: _targets(merged, value, ctx),
    "files": lambda merged, key, value, ctx: _files(merged, value, ctx),
    "public": lambda merged, key, value, ctx: _public(merged, value, ctx),
    "tags": _list_field("Tags", ","),
    "categories": _list_field("Categories", ","),
    "galleryflags": _list_field("GalleryFlags", " "),
    "badges": _badges,
    **PROPERTY_KEYS,
}


def process(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """Apply one manifest key to the vsixmanifest side."""
    rule = VSIX_KEYS.get(key.lower())
    if rule is not None:
        rule(merged, key, value, ctx)
