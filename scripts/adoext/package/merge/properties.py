"""The vsixmanifest keys that become <Property> elements: links, repository, branding, Q&A, flags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adoext.package import lodash_paths
from adoext.package.jsvalues import js_entries, js_keys, js_string, js_truthy
from adoext.package.merge.merged import KeyContext, KeyRule, Merged
from adoext.package.merge.naming import capitalized_camel, parse_color, upper_first

PROP = "Microsoft.VisualStudio.Services."


def _links(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Add a Links.<Type> property per link with a uri/url. tfx reads any object, so an array's links are
    Links.0, Links.1, ..., and looks each up as a lodash path: a key with a '.' is not found."""
    if not isinstance(value, (dict, list)):
        return
    for link_type, _link in js_entries(value):
        url = lodash_paths.get(value, link_type + ".uri")
        url = url if js_truthy(url) else lodash_paths.get(value, link_type + ".url")
        if js_truthy(url):
            merged.properties.append((PROP + "Links." + capitalized_camel(link_type), js_string(url)))
        else:
            ctx.warn(f"'uri' property not found for link: '{link_type}'... ignoring.", link_type)


def _repository(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Add the Links.GitHub property from `repository` (tfx only knows git); an array has no type."""
    if not isinstance(value, (dict, list)):
        return
    fields = value if isinstance(value, dict) else {}
    url, uri = fields.get("url"), fields.get("uri")
    if not js_truthy(fields.get("type")):
        ctx.error("Repository must have a 'type' property.", hint='Write {"type": "git", "url": ...}.')
    elif fields["type"] != "git":
        ctx.error("Currently 'git' is the only supported repository type.", "type", hint='Use "type": "git".')
    elif not js_truthy(url) and not js_truthy(uri):
        ctx.error("Repository must contain a 'url' property.", hint="Add the repository's https URL.")
    else:
        merged.properties.append((PROP + "Links.GitHub", js_string(url if js_truthy(url) else uri)))


def _branding(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Add Branding.<Key> properties (an array's are Branding.0, ...); the colour is normalised to hex."""
    if not isinstance(value, (dict, list)):
        return
    for name, item in js_entries(value):
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
        merged.properties.append((PROP + "Branding." + cased, js_string(item)))


def add_badges(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Add <Badge> elements, reading each as tfx does (`badge.link || badge.href`, ...): an item that is not
    an object is a <Badge/> without attributes, except null and strings, on which tfx fails."""
    if not isinstance(value, list):
        return
    if "Badges" not in merged.metadata:
        merged.metadata["Badges"] = merged.badges
    for index, badge in enumerate(value):
        if badge is None or isinstance(badge, str):  # null.link throws; a string's .link is a function
            ctx.error("A badge must be an object with link, imgUri and description.", index)
            continue
        fields = badge if isinstance(badge, dict) else {}
        link, img = fields.get("link"), fields.get("imgUri")
        attrs = {
            "Link": link if js_truthy(link) else fields.get("href"),
            "ImgUri": img if js_truthy(img) else fields.get("uri"),
            "Description": fields.get("description"),
        }
        merged.badges.append({k: js_string(v) for k, v in attrs.items() if v is not None})


def _boolean_property(merged: Merged, value: Any, ctx: KeyContext, prop: str, message: str) -> None:
    """Add a true/false property; anything but a boolean is an error."""
    if isinstance(value, bool):
        merged.properties.append((PROP + prop, "true" if value else "false"))
    else:
        ctx.error(message, hint=f'Write "{ctx.key}": true or false (no quotes).')


def _gallery_properties(merged: Merged, value: Any, ctx: KeyContext) -> None:
    """Add GalleryProperties.<Key> properties, as tfx reads any object: each key (an array's are its
    indices) is one property whose value is JavaScript's String() of it; a false, 0, empty or null one
    is skipped with tfx's warning, and so is a key already taken."""
    if not isinstance(value, (dict, list)):
        return
    if isinstance(value, list):
        ctx.warn(
            "galleryProperties is an array: tfx writes each element as one property named by its index "
            "('GalleryProperties.0' = '[object Object]'), and so does adoext. Write one object instead, "
            'e.g. "galleryProperties": {"markdownItParser": true}.'
        )
    seen = {pid for pid, _ in merged.properties}
    for name, item_value in js_entries(value):
        if not name or not js_truthy(item_value):
            ctx.warn("incorrectly formed property group in the extension manifest ... ignoring.", name)
            continue
        pid = name if name.startswith("Microsoft.") else PROP + "GalleryProperties." + upper_first(name)
        if pid in seen:
            ctx.warn(f"Duplicate gallery property '{name}' ignored.", name)
            continue
        seen.add(pid)
        merged.properties.append((pid, js_string(item_value)))


def normalised_qna(value: dict[str, Any]) -> dict[str, Any]:
    """Return CustomerQnASupport as tfx leaves it: every url/uri key (any casing) also written as `url`,
    every enableMarketplaceQnA spelling as `enableMarketplaceQnA`, in key order: a `url` after a `uri`
    reads the value the `uri` wrote there, so {"uri": a, "url": b} gives a, as in tfx.

    tfx changes the manifest's own object, so the vsomanifest copy carries the added keys too.
    """
    normalised = dict(value)
    for key in js_keys(value):  # tfx writes into the object it reads: a later key reads what was written
        lowered = key.lower()
        if lowered in ("url", "uri"):
            normalised["url"] = normalised[key]
        if lowered == "enablemarketplaceqna":
            normalised["enableMarketplaceQnA"] = normalised[key]
    return normalised


def _qna(merged: Merged, value: Any) -> None:
    """Add the Q&A properties from CustomerQnASupport (boolean flag, string link)."""
    if not isinstance(value, dict):
        return
    normalised = normalised_qna(value)
    if isinstance(normalised.get("enableMarketplaceQnA"), bool):
        merged.properties.append(
            (PROP + "EnableMarketplaceQnA", str(normalised["enableMarketplaceQnA"]).lower())
        )
    if isinstance(normalised.get("url"), str):
        merged.properties.append((PROP + "CustomerQnALink", normalised["url"]))


def _ensure_properties(merged: Merged) -> None:
    """Create <Properties> at its first-use position."""
    if "Properties" not in merged.metadata:
        merged.metadata["Properties"] = merged.properties


def _property(apply: Callable[[Merged, Any, KeyContext], None]) -> KeyRule:
    """A key that adds <Property> elements; <Properties> is created where the first one is added."""

    def rule(merged: Merged, key: str, value: Any, ctx: KeyContext) -> None:
        before = len(merged.properties)
        apply(merged, value, ctx)
        if len(merged.properties) > before:
            _ensure_properties(merged)

    return rule


def _flag(prop: str, message: str) -> Callable[[Merged, Any, KeyContext], None]:
    """A boolean <Property> (an invalid value is an error with `message`)."""
    return lambda merged, value, ctx: _boolean_property(merged, value, ctx, prop, message)


PROPERTY_KEYS: dict[str, KeyRule] = {
    "links": _property(_links),
    "repository": _property(_repository),
    "branding": _property(_branding),
    "galleryproperties": _property(_gallery_properties),
    "customerqnasupport": _property(lambda merged, value, ctx: _qna(merged, value)),
    "githubflavoredmarkdown": _property(
        _flag(
            "GitHubFlavoredMarkdown",
            "Value for gitHubFlavoredMarkdown is invalid. Only boolean values are allowed.",
        )
    ),
    "showpricingcalculator": _property(
        _flag(
            "Content.Pricing.PriceCalculator",
            "Value for showPricingCalculator is invalid. Only boolean values are allowed.",
        )
    ),
}
