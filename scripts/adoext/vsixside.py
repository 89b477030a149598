"""The vsixmanifest side of the merge: identity, metadata, properties, targets and assets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from adoext.diagnostics import Report
from adoext.manifests import Partial
from adoext.merge import FileDecl, Merged
from adoext.naming import capitalized_camel, parse_color, start_case, upper_first

PROP = "Microsoft.VisualStudio.Services."


class KeyContext(NamedTuple):
    """Where the key being merged comes from."""

    partial: Partial
    key: str
    root: Path
    report: Report

    @property
    def origin(self) -> str:
        """Return the file (or option) that supplied the key."""
        return self.partial.origin_for(self.key)

    def path(self, *parts: str | int) -> str:
        """Return a JSON path under the key, e.g. $.files[2].path."""
        text = "$." + self.key
        for part in parts:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text

    def error(self, message: str, *parts: str | int, hint: str | None = None) -> None:
        """Record an error at this key."""
        self.report.error(message, self.origin, self.path(*parts), hint)

    def warn(self, message: str, *parts: str | int, hint: str | None = None) -> None:
        """Record a warning at this key."""
        self.report.warn(message, self.origin, self.path(*parts), hint)


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
        ctx.error("'files' must be an array of file declarations.", hint='e.g. "files": [{"path": "dist"}]')
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


def _links(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Add a Links.<Type> property per link with a uri/url."""
    if not isinstance(value, dict):
        return
    for link_type, link in value.items():
        url = link.get("uri") or link.get("url") if isinstance(link, dict) else None
        if url:
            merged.properties.append((PROP + "Links." + capitalized_camel(link_type), str(url)))
        else:
            ctx.warn(f"'uri' property not found for link: '{link_type}'... ignoring.", link_type)


def _repository(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Add the Links.GitHub property from `repository` (tfx only knows git)."""
    if not isinstance(value, dict):
        return
    url = value.get("url") or value.get("uri")
    if not value.get("type"):
        ctx.error("Repository must have a 'type' property.", hint='Add "type": "git".')
    elif value["type"] != "git":
        ctx.error("Currently 'git' is the only supported repository type.", "type", hint='Use "type": "git".')
    elif not url:
        ctx.error("Repository must contain a 'url' property.", hint="Add the repository's https URL.")
    else:
        merged.properties.append((PROP + "Links.GitHub", str(url)))


def _branding(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Add Branding.<Key> properties; the colour is normalised to lower-case hex."""
    if not isinstance(value, dict):
        return
    for name, item in value.items():
        cased = capitalized_camel(name)
        if cased == "Color":
            try:
                item = parse_color(item)
            except ValueError:
                ctx.error(
                    "Could not parse branding color as a valid color.",
                    name,
                    hint="Please use a hex or rgb format, e.g. #00ff00 or rgb(0, 255, 0).",
                )
                continue
        merged.properties.append((PROP + "Branding." + cased, str(item)))


def _badges(merged: Merged, value: Any) -> None:
    """Add <Badge> elements (both href/link and uri/imgUri spellings)."""
    if not isinstance(value, list):
        return
    if "Badges" not in merged.metadata:
        merged.metadata["Badges"] = merged.badges
    for badge in value:
        if isinstance(badge, dict):
            attrs = {
                "Link": badge.get("link", badge.get("href")),
                "ImgUri": badge.get("imgUri", badge.get("uri")),
                "Description": badge.get("description"),
            }
            merged.badges.append({k: str(v) for k, v in attrs.items() if v is not None})


def _boolean_property(merged: Merged, value: Any, ctx: KeyContext, prop: str, message: str) -> None:
    """Add a true/false property; anything but a boolean is an error."""
    if isinstance(value, bool):
        merged.properties.append((PROP + prop, "true" if value else "false"))
    else:
        ctx.error(message, hint=f'Write "{ctx.key}": true or false (no quotes).')


def _gallery_properties(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Add GalleryProperties.<Key> properties from an object or a list of objects."""
    items = value if isinstance(value, list) else [value]
    seen = {pid for pid, _ in merged.properties}
    for item in items:
        if not isinstance(item, dict):
            continue
        for name, item_value in item.items():
            pid = name if name.startswith("Microsoft.") else PROP + "GalleryProperties." + upper_first(name)
            if pid in seen:
                ctx.warn(f"Duplicate gallery property '{name}' ignored.", name)
                continue
            seen.add(pid)
            merged.properties.append(
                (pid, str(item_value).lower() if isinstance(item_value, bool) else str(item_value))
            )


def _qna(merged: Merged, value: Any) -> None:
    """Add the Q&A properties from CustomerQnASupport (boolean flag, string link)."""
    if not isinstance(value, dict):
        return
    lowered = {k.lower(): v for k, v in value.items()}
    if isinstance(lowered.get("enablemarketplaceqna"), bool):
        merged.properties.append(
            (PROP + "EnableMarketplaceQnA", str(lowered["enablemarketplaceqna"]).lower())
        )
    link = lowered.get("url", lowered.get("uri"))
    if isinstance(link, str):
        merged.properties.append((PROP + "CustomerQnALink", link))


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
        ctx.error(
            "'targets' must be an array.", hint='e.g. "targets": [{"id": "Microsoft.VisualStudio.Services"}]'
        )
        return
    for index, target in enumerate(value):
        if isinstance(target, dict) and target.get("id"):
            attrs = {"Id": str(target["id"])}
            if target.get("version"):
                attrs["Version"] = str(target["version"])
            merged.targets.append(attrs)
            merged.origins.setdefault("target:" + attrs["Id"], (ctx.origin, ctx.path(index)))


def _ensure_properties(merged: Merged) -> None:
    """Create <Properties> at its first-use position."""
    if "Properties" not in merged.metadata:
        merged.metadata["Properties"] = merged.properties


def process(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
    """Apply one manifest key to the vsixmanifest side."""
    name = key.lower()
    base = ctx.partial.base_for(key)
    if name in ("namespace", "extensionid", "id"):
        if isinstance(value, str):
            _single(merged, merged.identity, "Id", value, ctx, "id")
    elif name == "version":
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
        _badges(merged, value)
    else:
        _process_properties(merged, name, value, ctx)


def _process_properties(merged: Merged, name: str, value: Any, ctx: KeyContext) -> None:
    """Apply the keys that become <Property> elements."""
    handlers = {
        "links": lambda: _links(merged, value, ctx),
        "repository": lambda: _repository(merged, value, ctx),
        "branding": lambda: _branding(merged, value, ctx),
        "galleryproperties": lambda: _gallery_properties(merged, value, ctx),
        "customerqnasupport": lambda: _qna(merged, value),
        "githubflavoredmarkdown": lambda: _boolean_property(
            merged,
            value,
            ctx,
            "GitHubFlavoredMarkdown",
            "Value for gitHubFlavoredMarkdown is invalid. Only boolean values are allowed.",
        ),
        "showpricingcalculator": lambda: _boolean_property(
            merged,
            value,
            ctx,
            "Content.Pricing.PriceCalculator",
            "Value for showPricingCalculator is invalid. Only boolean values are allowed.",
        ),
    }
    handler = handlers.get(name)
    if handler is not None:
        before = len(merged.properties)
        handler()
        if len(merged.properties) > before:
            _ensure_properties(merged)
