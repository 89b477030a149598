"""--loc-root: localized vsomanifests and language packs from <loc-root>/<lang>/resources.resjson.

Strings written as "i18n:<default text>" are localizable. Keys follow tfx: displayName, description,
releaseNotes, contributions.<id>.<path>, contributionTypes.<id>.<path> (array items addressed by their id).
The default manifests keep the default text; a language without a translation falls back to it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from adoext.package.diagnostics import Report
from adoext.package.merge.merged import Merged
from adoext.package.parts import LocalizedManifest, to_json
from adoext.package.sources.manifests import read_json_file
from adoext.package.xmlwrite import Element, render

PREFIX = "i18n:"
LANGPACK_NS = "http://schemas.microsoft.com/developer/vsx-schema-lp/2010"
METADATA_KEYS = {"DisplayName": "displayName", "Description": "description", "ReleaseNotes": "releaseNotes"}


def _walk(node: Any, path: str, found: dict[str, str], setter: list[tuple[Any, Any, str]]) -> None:
    """Collect every i18n: string under `node` with its resource key."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        label = value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), str) else key
        child = f"{path}.{label}" if path else str(label)
        if isinstance(value, str) and value.startswith(PREFIX):
            found[child] = value[len(PREFIX) :]
            setter.append((node, key, child))
        elif isinstance(value, dict | list):
            _walk(value, child, found, setter)


def _strings(vso: dict[str, Any]) -> tuple[dict[str, str], list[tuple[Any, Any, str]]]:
    """Return default strings and where they live in the vsomanifest."""
    found: dict[str, str] = {}
    slots: list[tuple[Any, Any, str]] = []
    for section in ("contributions", "contributionTypes"):
        _walk({section: vso.get(section) or []}, "", found, slots)
    return found, slots


def _langpack(translations: dict[str, Any], defaults: dict[str, str]) -> str:
    """Return Extension.vsixlangpack for one language."""
    root = Element("VsixLanguagePack", {"Version": "1.0.0", "xmlns": LANGPACK_NS})
    for tag, key in (
        ("LocalizedName", "displayName"),
        ("LocalizedDescription", "description"),
        ("LocalizedReleaseNotes", "releaseNotes"),
    ):
        value = translations.get(key, defaults.get(key))
        root.add(tag, text=str(value) if value is not None else None)
    root.add("License")
    root.add("MoreInfoUrl")
    return render(root)


def localize(merged: Merged, loc_root: Path, report: Report) -> list[LocalizedManifest]:
    """Strip i18n: from the default manifests and build one localized manifest per language folder."""
    defaults, slots = _strings(merged.vso)
    for tag, key in METADATA_KEYS.items():
        value = merged.metadata.get(tag)
        if isinstance(value, str) and value.startswith(PREFIX):  # only marked strings are resources
            defaults[key] = value.removeprefix(PREFIX)
            merged.metadata[tag] = defaults[key]
    for node, key, resource in slots:
        node[key] = defaults[resource]
    if not loc_root.is_dir():
        report.error(
            f"--loc-root {loc_root}: folder not found.", hint="Point it at the folder holding <lang>/."
        )
        return []
    localized = []
    for folder in sorted(p for p in loc_root.iterdir() if (p / "resources.resjson").is_file()):
        resjson = folder / "resources.resjson"
        data = read_json_file(resjson, str(resjson), True, "resources file", "under --loc-root")
        translations = data if isinstance(data, dict) else {}
        # tfx builds the localized copies before it adds its defaults (contributions, scopes,
        # contributionTypes, manifestVersion) to the vsomanifest: they hold only the keys written.
        vso = {k: copy.deepcopy(v) for k, v in merged.vso.items() if k not in merged.vso_defaults}
        _, lang_slots = _strings(_mark(vso, slots))
        for node, key, resource in lang_slots:
            node[key] = str(translations.get(resource, defaults[resource]))
        localized.append(LocalizedManifest(folder.name, to_json(vso), _langpack(translations, defaults)))
    return localized


def _mark(vso: dict[str, Any], slots: list[tuple[Any, Any, str]]) -> dict[str, Any]:
    """Re-mark the localizable strings in a copy so they can be found again."""
    for section in ("contributions", "contributionTypes"):
        _remark(vso.get(section) or [], section, {r for _, _, r in slots})
    return vso


def _remark(node: Any, path: str, keys: set[str]) -> None:
    """Prefix i18n: again on strings whose resource key is localizable."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in list(items):
        label = value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), str) else key
        child = f"{path}.{label}"
        if isinstance(value, str) and child in keys:
            node[key] = PREFIX + value
        elif isinstance(value, dict | list):
            _remark(value, child, keys)
