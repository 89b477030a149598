"""[Content_Types].xml from a built-in table plus mimetypes: no subprocess, same answer everywhere."""

# Annotations are evaluated, not deferred: NamedTuple start-up cost (scripts/adoext/README.md).

import functools
import posixpath
from collections.abc import Iterable
from typing import NamedTuple

from adoext.xmlwrite import Element, render

CONTENT_TYPES_PART = "[Content_Types].xml"
NAMESPACE = "http://schemas.openxmlformats.org/package/2006/content-types"
OCTET_STREAM = "application/octet-stream"

# tfx 0.23.1's own table: these extensions get their <Default> first, in first-seen order.
TFX_TABLE = {
    ".bat": "application/bat",
    ".css": "text/css",
    ".eot": "application/vnd.ms-fontobject",
    ".gif": "image/gif",
    ".hbs": "text/x-handlebars-template",
    ".html": "text/html",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".js": "application/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".md": "text/markdown",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".ps1": "text/ps1",
    ".scss": "text/plain",
    ".svg": "image/svg+xml",
    ".ts": "text/plain",
    ".vsixlangpack": "text/xml",
    ".vsixmanifest": "text/xml",
    ".vsomanifest": "application/json",
    ".woff": "application/font-woff",
}
# Where tfx asks `file`, we answer from this table first (stable across machines), then mimetypes.
EXTRA_TABLE = {
    ".mjs": "application/javascript",
    ".cjs": "application/javascript",
    ".txt": "text/plain",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".xml": "text/xml",
    ".yml": "text/yaml",
    ".yaml": "text/yaml",
    ".csv": "text/csv",
    ".htm": "text/html",
    ".wasm": "application/wasm",
    ".zip": "application/zip",
    ".ps1xml": "text/xml",
    ".psm1": "text/plain",
    ".psd1": "text/plain",
    ".sh": "text/x-shellscript",
    ".py": "text/x-python",
    ".resjson": "application/json",
    ".jsx": "text/plain",
    ".tsx": "text/plain",
    ".less": "text/plain",
    ".scss.map": "application/json",
}
# Extension-less files tfx (and `file`) recognise as text.
TEXT_NAMES = frozenset(
    {
        "README",
        "LICENSE",
        "LICENCE",
        "AUTHORS",
        "CHANGELOG",
        "NOTICE",
        "COPYING",
        "CONTRIBUTORS",
        "PATENTS",
        "THIRDPARTYNOTICES",
    }
)


class TypedPart(NamedTuple):
    """A part name and its explicitly declared content type, if any."""

    part: str
    content_type: str | None = None


def extension_of(part: str) -> str:
    """Return the extension as Node's path.extname does ('.bashrc' has none)."""
    return posixpath.splitext(posixpath.basename(part))[1]


def type_for_extension(ext: str) -> str:
    """Return the content type for an extension (tfx table, our table, then mimetypes)."""
    lowered = ext.lower()
    found = TFX_TABLE.get(lowered) or EXTRA_TABLE.get(lowered)
    if found:
        return found
    table = _python_table()
    return table[True].get(lowered) or table[False].get(lowered) or OCTET_STREAM


@functools.cache
def _python_table() -> list[dict[str, str]]:
    """Return Python's built-in mimetypes table (never /etc/mime.types: same answer on every machine)."""
    import mimetypes

    return mimetypes.MimeTypes(filenames=()).types_map  # type: ignore[return-value]


def type_for_name(part: str) -> str:
    """Return the content type of an extension-less file."""
    name = posixpath.basename(part).upper()
    return "text/plain" if name in TEXT_NAMES or name.startswith(".") else OCTET_STREAM


def build_content_types(parts: Iterable[TypedPart], manifest_parts: Iterable[str]) -> str:
    """Return [Content_Types].xml: a <Default> per extension, <Override>s for declared or bare names."""
    table_exts: dict[str, tuple[str, str]] = {}
    other_exts: dict[str, tuple[str, str]] = {}
    overrides: list[tuple[str, str]] = []
    for item in parts:
        ext = extension_of(item.part)
        if item.content_type:
            overrides.append((item.part, item.content_type))
        elif not ext or ext == ".":
            overrides.append((item.part, type_for_name(item.part)))
        else:
            bucket = table_exts if ext.lower() in TFX_TABLE else other_exts
            if ext.lower() not in table_exts and ext.lower() not in other_exts:
                bucket[ext.lower()] = (ext, type_for_extension(ext))
    defaults = list(table_exts.values()) + list(other_exts.values())
    seen = {ext.lower() for ext, _ in defaults}
    for manifest in manifest_parts:
        ext = extension_of(manifest)
        if ext.lower() not in seen:
            seen.add(ext.lower())
            defaults.append((ext, TFX_TABLE[ext.lower()]))
    root = Element("Types", {"xmlns": NAMESPACE})
    for ext, ctype in defaults:
        root.add("Default", {"Extension": ext, "ContentType": ctype})
    for part, ctype in overrides:
        root.add("Override", {"ContentType": ctype, "PartName": "/" + part})
    return render(root)


def resolve(xml_text: str, part: str) -> str | None:
    """Resolve a part's content type through <Override>, then <Default> (case-insensitive), per OPC."""
    import xml.etree.ElementTree as ET

    tree = ET.fromstring(xml_text)
    for node in tree.iter(f"{{{NAMESPACE}}}Override"):
        if node.get("PartName", "").lower() == ("/" + part).lower():
            return node.get("ContentType")
    ext = extension_of(part).lower()
    for node in tree.iter(f"{{{NAMESPACE}}}Default"):
        if node.get("Extension", "").lower().lstrip(".") == ext.lstrip(".") and ext:
            return node.get("ContentType")
    return None
