"""Localizable strings, handled as tfx 0.23.1 does on every package, with or without --loc-root.

tfx runs its loc key generator on every package (merger.js), then writes every manifest through
`_getLocResult` (manifest.js), in two steps that this module follows:

1. Keys (loc.js LocKeyGenerator): each string starting with "i18n:" in the vsixmanifest metadata or
   anywhere in the vsomanifest becomes "resource:<key>", and the text after the prefix is its default.
   Keys: displayName, description, contributions.<id>.<path>, contributionTypes.<id>.<path>; every other
   string keeps its path (a vsixmanifest one its XML path, so releaseNotes has no default in a langpack).
2. Text: each "resource:<key>" string (one the author wrote included) becomes
   `_.get(translations, key) || _.get(defaults, key)`; if both are empty, tfx fails. `_<key>.comment`
   entries are left out. The default manifests look in the defaults; a language in its resources.resjson,
   expanded with `_.set`, so nested objects work like dotted keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from adoext.package import lodash_paths
from adoext.package.diagnostics import Report
from adoext.package.jsvalues import js_keys, js_string, js_truthy
from adoext.package.merge.merged import Merged
from adoext.package.parts import LocalizedManifest, to_json
from adoext.package.sources.manifests import read_json_file
from adoext.package.xmlwrite import Element, render

I18N = "i18n:"
RESOURCE = "resource:"
LANGPACK_NS = "http://schemas.microsoft.com/developer/vsx-schema-lp/2010"
LANGPACK = (
    ("LocalizedName", "displayName"),
    ("LocalizedDescription", "description"),
    ("LocalizedReleaseNotes", "releaseNotes"),
)
META = "PackageManifest.Metadata.0."
# The vsixmanifest builder's getLocKeyPath renames only these two paths.
VSIX_KEYS = {META + "DisplayName.0": "displayName", META + "Description.0._": "description"}
CONTRIBUTION_ARRAYS = ("contributions", "contributionTypes")


class _Slot(NamedTuple):
    """One vsixmanifest string: where it is held, and tfx's path to it in its XML-shaped JSON."""

    container: Any  # merged.metadata, merged.properties (of (id, value) pairs) or one badge
    key: Any
    path: str

    def read(self) -> Any:
        """Return the string (a property's value)."""
        held = self.container[self.key]
        return held[1] if isinstance(held, tuple) else held

    def write(self, value: Any) -> None:
        """Replace the string (a property keeps its id)."""
        held = self.container[self.key]
        self.container[self.key] = (held[0], value) if isinstance(held, tuple) else value


def is_comment(key: str) -> bool:
    """Return whether a key is a translator's note (`_name.comment`), which tfx never writes."""
    return key.startswith("_") and key.endswith(".comment")


def _vsix_slots(merged: Merged) -> list[_Slot]:
    """Return the metadata strings tfx walks (Identity and targets are validated values: not text)."""
    meta = merged.metadata
    slots = []
    for name in (n for n in meta if n not in ("Properties", "Badges")):
        path = f"{META}{name}.0" + ("._" if name == "Description" else "")  # xml2js keeps its text in `_`
        slots.append(_Slot(meta, name, path))
    for i in range(len(merged.properties)):
        slots.append(_Slot(merged.properties, i, f"{META}Properties.0.Property.{i}.$.Value"))
    for i, badge in enumerate(merged.badges):
        slots.extend(_Slot(badge, attr, f"{META}Badges.0.Badge.{i}.$.{attr}") for attr in badge)
    return slots


def _vso_key(vso: dict[str, Any], path: str) -> str:
    """Return the vsomanifest builder's getLocKeyPath: a contribution's index becomes its id."""
    parts = [p for p in path.split(".") if p]
    if len(parts) >= 2 and parts[0] in CONTRIBUTION_ARRAYS and parts[1].isdigit():
        items = vso.get(parts[0])
        index = int(parts[1])
        item = items[index] if isinstance(items, list) and index < len(items) else None
        if isinstance(item, dict) and js_truthy(item.get("id")):
            return f"{parts[0]}.{js_string(item['id'])}.{'.'.join(parts[2:])}".rstrip()  # _.trimEnd
    return path


def _mark_vso(vso: dict[str, Any], node: Any, path: str, defaults: dict[str, Any]) -> None:
    """Replace i18n: strings under `node` by resource keys, in place, as tfx does in its builder data."""
    keys: list[Any] = js_keys(node) if isinstance(node, dict) else list(range(len(node)))
    for key in keys:
        value = node[key]
        if isinstance(value, dict | list):
            _mark_vso(vso, value, f"{path}{key}.", defaults)
        elif isinstance(value, str) and value.startswith(I18N):
            resource = _vso_key(vso, f"{path}{key}")
            defaults[resource] = value[len(I18N) :]
            node[key] = RESOURCE + resource


class _Resolver:
    """Step 2 for one manifest: replace resource keys by text; a key with no text is reported once."""

    def __init__(
        self, translations: Any, defaults: Any, marked: dict[str, Any], report: Report, failed: set[str]
    ) -> None:
        self.translations = translations
        self.defaults = defaults
        self.marked = marked  # the keys of i18n: strings (others are "resource:" strings an author wrote)
        self.report = report
        self.failed = failed

    def text(self, value: Any) -> Any:
        """Return the text for one value (unchanged unless it is a resource key)."""
        if not (isinstance(value, str) and value.startswith(RESOURCE)):
            return value
        key = value[len(RESOURCE) :]
        found = lodash_paths.get(self.translations, key)
        if not js_truthy(found):  # "" or 0 in a resjson falls back to the default, as `||` does
            found = lodash_paths.get(self.defaults, key)
        if js_truthy(found):
            return found
        if key not in self.failed:
            self.failed.add(key)
            if key in self.marked:
                message = f'localized string "{key}" is empty: "i18n:" and no default text (tfx fails on it).'
                hint = 'Write its default text after "i18n:".'
            else:
                message = f'"{value}" names no localized string (tfx reads "resource:" text as a key).'
                hint = 'Use an "i18n:" string, or reword the text.'
            self.report.error(message, hint=hint)
        return value

    def tree(self, node: Any) -> Any:
        """Return a resolved copy of a vsomanifest value, without `_<key>.comment` entries."""
        if isinstance(node, dict):
            # tfx rebuilds each manifest with lodash's _.set, which also refuses these keys
            keep = (k for k in js_keys(node) if not is_comment(k) and k not in lodash_paths.UNSAFE_KEYS)
            return {k: self.tree(node[k]) for k in keep}
        if isinstance(node, list):
            return [self.tree(item) for item in node]
        return self.text(node)


def _langpack(translations: Any, defaults: dict[str, Any], where: str, report: Report) -> str:
    """Return Extension.vsixlangpack: `translations[key] || defaults[key] || null` (plain keys)."""
    root = Element("VsixLanguagePack", {"Version": "1.0.0", "xmlns": LANGPACK_NS})
    for tag, key in LANGPACK:
        value = translations.get(key) if isinstance(translations, dict) else None
        if not js_truthy(value):
            value = defaults.get(key)
        if isinstance(value, dict | list):  # tfx writes child elements for an object, fails for an array
            report.error(f'{where}: "{key}" must be text, not an object or array.')
            value = None
        root.add(tag, text=js_string(value) if js_truthy(value) else None)
    root.add("License")
    root.add("MoreInfoUrl")
    return render(root)


def localize(merged: Merged, loc_root: Path | None, report: Report) -> list[LocalizedManifest]:
    """Give the default manifests their text, and with --loc-root build one localized copy per language."""
    defaults: dict[str, Any] = {}
    slots = _vsix_slots(merged)
    for slot in slots:
        value = slot.read()
        if isinstance(value, str) and value.startswith(I18N):
            resource = VSIX_KEYS.get(slot.path, slot.path)
            defaults[resource] = value[len(I18N) :]
            slot.write(RESOURCE + resource)
    vso_defaults: dict[str, Any] = {}
    _mark_vso(merged.vso, merged.vso, "", vso_defaults)
    defaults.update(vso_defaults)  # tfx's combined file: _.assign(vsix resources, vso resources)
    marked = merged.vso
    failed: set[str] = set()
    default = _Resolver(defaults, defaults, defaults, report, failed)
    for slot in slots:
        slot.write(default.text(slot.read()))
    merged.vso = default.tree(marked)
    if loc_root is None:
        return []
    if not loc_root.is_dir():
        report.error(
            f"--loc-root {loc_root}: folder not found.", hint="Point it at the folder holding <lang>/."
        )
        return []
    expanded_defaults = lodash_paths.expand(defaults)
    localized = []
    for folder in sorted(p for p in loc_root.iterdir() if (p / "resources.resjson").is_file()):
        resjson = folder / "resources.resjson"
        data = read_json_file(resjson, str(resjson), True, "resources file", "under --loc-root")
        translations = data if isinstance(data, dict) else {}
        # tfx builds the localized copies before it adds its defaults (contributions, scopes,
        # contributionTypes, manifestVersion) to the vsomanifest: they hold only the keys written.
        vso = {k: marked[k] for k in js_keys(marked) if k not in merged.vso_defaults}
        resolver = _Resolver(lodash_paths.expand(translations), expanded_defaults, defaults, report, failed)
        langpack = _langpack(translations, defaults, str(resjson), report)
        localized.append(LocalizedManifest(folder.name, to_json(resolver.tree(vso)), langpack))
    return localized
