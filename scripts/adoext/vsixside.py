"""The vsixmanifest side of the merge: identity, metadata, properties, targets and assets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adoext.merge import FileDecl, KeyContext, Merged
from adoext.naming import start_case
from adoext.vsixprops import PROP, add_badges, process_properties


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
    """Append to a delimited list field (tags, categories, gallery flags), de-duplicated."""
    if isinstance(value, str):
        items = [v for v in value.split(delimiter) if v]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        ctx.error(
            f"'{ctx.key}' must be a list of strings.", hint=f'Write e.g. "{ctx.key}": ["Azure Boards"].'
        )
        return
    existing = [v for v in str(merged.metadata.get(name, "")).split(delimiter) if v]
    combined = list(dict.fromkeys(existing + items))
    merged.metadata[name] = delimiter.join(combined)
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
    ctype = content_type if isinstance(content_type, str) else None
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
        packaged = entry.get("packagePath", entry.get("partName"))
        paths = (
            tuple(packaged)
            if isinstance(packaged, list)
            else (packaged,)
            if isinstance(packaged, str)
            else ()
        )
        asset = entry.get("assetType")
        types = tuple(asset) if isinstance(asset, list) else (asset,) if isinstance(asset, str) else ()
        ctype, lang = entry.get("contentType"), entry.get("lang")
        merged.files.append(
            FileDecl(
                entry["path"],
                base,
                ctx.origin,
                ctx.path(index),
                entry.get("addressable") is True,
                paths,
                ctype if isinstance(ctype, str) else None,
                types,
                lang if isinstance(lang, str) else None,
            )
        )


def _public(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """`public: true` adds the Public flag, `false` removes it (an empty <GalleryFlags/> remains)."""
    if not isinstance(value, bool):
        ctx.error(
            "The value for `public` must be a boolean true or false.", hint='Write "public": true or false.'
        )
        return
    flags = [f for f in merged.gallery_flags if f != "Public"]
    merged.metadata["GalleryFlags"] = " ".join(flags + ["Public"] if value else flags)
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
        if isinstance(target, dict) and target.get("id"):
            attrs = {"Id": str(target["id"])}
            if target.get("version"):
                attrs["Version"] = str(target["version"])
            merged.targets.append(attrs)
            merged.origins.setdefault("target:" + attrs["Id"], (ctx.origin, ctx.path(index)))


def process(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """Apply one manifest key to the vsixmanifest side."""
    name = key.lower()
    base = ctx.partial.base_for(key)
    if name in ("namespace", "extensionid", "id"):
        if isinstance(value, str):
            _single(merged, merged.identity, "Id", value, ctx, "id")
    elif name == "version":
        if key == "version":  # tfx's --rev-version bumps only this spelling, in every partial
            merged.version_sources.append((ctx.origin, value))
        _single(merged, merged.identity, "Version", value, ctx, "version")
    elif name == "publisher":
        _single(merged, merged.identity, "Publisher", value, ctx, "publisher")
    elif name == "name":
        _single(merged, merged.metadata, "DisplayName", value, ctx, "name")
    elif name == "description":
        _single(merged, merged.metadata, "Description", value, ctx, "description")
    elif name == "releasenotes":
        _single(merged, merged.metadata, "ReleaseNotes", value, ctx, "releasenotes")
    elif name == "icons" and isinstance(value, dict):
        for kind, path in value.items():
            _asset(merged, ctx, path, PROP + "Icons." + start_case(kind), base, None, kind)
    elif name == "screenshots" and isinstance(value, list):
        for index, shot in enumerate(value, start=1):
            shot = shot if isinstance(shot, dict) else {}
            _asset(
                merged,
                ctx,
                shot.get("path"),
                PROP + f"Screenshots.{index}",
                ctx.root,
                shot.get("contentType"),
                index - 1,
                "path",
            )
    elif name == "content" and isinstance(value, dict):
        for kind, item in value.items():
            if isinstance(item, dict) and item.get("path"):
                _asset(
                    merged,
                    ctx,
                    item["path"],
                    PROP + "Content." + start_case(kind),
                    ctx.root,
                    item.get("contentType"),
                    kind,
                    "path",
                )
            else:
                ctx.warn(f"Did not find 'path' property for content item '{kind}'. Ignoring.", kind)
    elif name == "details" and isinstance(value, dict) and value.get("path"):
        _asset(
            merged, ctx, value["path"], PROP + "Content.Details", ctx.root, value.get("contentType"), "path"
        )
    elif name == "targets":
        _targets(merged, value, ctx)
    elif name == "files":
        _files(merged, value, ctx)
    elif name == "public":
        _public(merged, value, ctx)
    elif name == "tags":
        _delimited(merged, "Tags", value, ",", ctx)
    elif name == "categories":
        _delimited(merged, "Categories", value, ",", ctx)
    elif name == "galleryflags":
        _delimited(merged, "GalleryFlags", value, " ", ctx)
    elif name == "badges":
        add_badges(merged, value)
    else:
        process_properties(merged, name, value, ctx)
