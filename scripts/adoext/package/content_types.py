"""[Content_Types].xml as tfx writes it on Linux, without its subprocesses.

tfx types an extension in its table from the table; any other file it asks libmagic about (through
`file --mime-type`, one shell per file). adoext asks libmagic too, in-process through python-magic
(no process per file and no shell, so no file name is ever executed; loading the library runs
ctypes's `ldconfig -p` lookup once, only when a file needs sniffing); without libmagic it falls back
to a built-in table plus Python's mimetypes. As in tfx, the files of one extension vote: the most
common type becomes the <Default> (ties: the first seen), every other file of that extension gets an
<Override>, and so does every file without an extension (its own sniffed type).
"""

from __future__ import annotations

import functools
import os
import posixpath
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from adoext.package.xmlwrite import Element, render

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
    """A part name, its declared content type if any, and where its bytes are (for sniffing)."""

    part: str
    content_type: str | None = None
    source: Path | None = None
    data: bytes | None = None
    extra: bool = False  # a further name of a file already listed: typed like that file, never sniffed


Sniffer = Callable[[TypedPart], str | None]


@functools.cache
def _libmagic() -> Any | None:
    """Load libmagic once, on first use: python-magic's import looks the library up with a subprocess
    (ldconfig), which an extension with nothing to sniff must not pay. None without libmagic."""
    try:
        import magic  # python-magic; needs the system's libmagic (Debian: libmagic1)
    except (ImportError, OSError):
        return None
    try:
        return magic.Magic(mime=True)
    except Exception:  # noqa: BLE001 - a broken magic database: the table is the fallback
        return None


def libmagic_available() -> bool:
    """Tell whether libmagic can be loaded (else content types come from the table)."""
    return _libmagic() is not None


def libmagic_sniffer(item: TypedPart) -> str | None:
    """A Sniffer: libmagic's answer for one file (what `file --mime-type` prints), or None."""
    cookie = _libmagic()
    if cookie is None:
        return None
    try:
        if item.data is not None:
            return _mime_type(str(cookie.from_buffer(item.data)))
        if item.source is not None:
            return _mime_type(str(cookie.from_file(os.fspath(item.source))))
    except Exception:  # noqa: BLE001 - OSError or magic.MagicException: the table answers instead
        return None
    return None


def _mime_type(answer: str) -> str | None:
    """The MIME type in libmagic's answer. For a damaged file it adds a remark ("application/x-sharedlib,
    can't read elf program headers at 568"), of which tfx keeps the last word ("568"): neither is a
    content type, so adoext keeps the type before the remark (a README difference)."""
    words = answer.split(",", 1)[0].split()
    return words[0] if words else None


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


def _table_type(part: str) -> str:
    """The fallback without libmagic: the extension's table type, or a guess from the bare name."""
    ext = extension_of(part)
    return type_for_extension(ext) if ext and ext != "." else type_for_name(part)


def _vote(
    items: list[TypedPart], sniff: Sniffer | None
) -> tuple[dict[str, dict[str, list[str]]], dict[str, str]]:
    """Count each extension's types (tfx's hit counters) and collect the overrides of single files."""
    votes: dict[str, dict[str, list[str]]] = {}
    overrides: dict[str, str] = {}
    for item in items:
        ext = extension_of(item.part).lower()
        if item.content_type:
            overrides[item.part] = item.content_type
        elif item.extra:
            continue  # typed like its file, below
        elif ext in TFX_TABLE:
            votes.setdefault(ext, {}).setdefault(TFX_TABLE[ext], []).append(item.part)
        else:
            found = (sniff(item) if sniff is not None else None) or _table_type(item.part)
            if ext and ext != ".":
                votes.setdefault(ext, {}).setdefault(found, []).append(item.part)
            else:
                overrides[item.part] = found
    # tfx fills its counters for table extensions at once and for sniffed ones as `file` answers.
    ordered = {e: v for e, v in votes.items() if e in TFX_TABLE}
    ordered.update({e: v for e, v in votes.items() if e not in TFX_TABLE})
    return ordered, overrides


def build_content_types(
    parts: Iterable[TypedPart], manifest_parts: Iterable[str], sniff: Sniffer | None = None
) -> str:
    """Return [Content_Types].xml: a <Default> per extension (its majority type), <Override>s for the rest."""
    items = list(parts)
    votes, overrides = _vote(items, sniff)
    defaults: list[tuple[str, str]] = []
    for ext, counts in votes.items():
        best = max(counts, key=lambda t: len(counts[t]))  # the first of the largest, like tfx's maxKey
        defaults.append((ext, best))
        for ctype, members in counts.items():
            if ctype != best:
                overrides.update(dict.fromkeys(members, ctype))
    main_part = {item.source: item.part for item in items if not item.extra}
    for item in items:  # a further name of a file gets that file's override, as in tfx
        main = main_part.get(item.source)
        if item.extra and not item.content_type and main in overrides:
            overrides[item.part] = overrides[main]
    seen = {ext for ext, _ in defaults}
    for manifest in manifest_parts:
        ext = extension_of(manifest)
        if ext.lower() not in seen:
            seen.add(ext.lower())
            defaults.append((ext, TFX_TABLE[ext.lower()]))
    root = Element("Types", {"xmlns": NAMESPACE})
    for ext, ctype in defaults:
        root.add("Default", {"Extension": ext, "ContentType": ctype})
    for item in items:  # in file order, as tfx walks its file list
        if item.part in overrides:
            root.add("Override", {"ContentType": overrides.pop(item.part), "PartName": "/" + item.part})
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
