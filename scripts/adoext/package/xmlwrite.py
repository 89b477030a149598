"""A tiny XML writer producing tfx's exact layout (2-space indent, `<X/>`, LF, no trailing newline).

ElementTree cannot write `<X/>` without a space nor keep tfx's layout, and byte parity with tfx's
manifests is worth these few lines.
"""

from __future__ import annotations

import re

from adoext.errors import ManifestError

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
# What XML 1.0 cannot carry, even escaped: C0 controls but tab, LF and CR, lone surrogates, U+FFFE/U+FFFF.
# A manifest value holding one would make a package no XML parser reads; tfx refuses it too.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Element:
    """An XML element: tag, ordered attributes, optional text, children."""

    __slots__ = ("tag", "attrs", "text", "children")

    def __init__(self, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> None:
        self.tag = tag
        self.attrs: dict[str, str] = attrs if attrs is not None else {}
        self.text = text
        self.children: list[Element] = []

    def add(self, tag: str, attrs: dict[str, str] | None = None, text: str | None = None) -> Element:
        """Append and return a child element."""
        child = Element(tag, dict(attrs or {}), text)
        self.children.append(child)
        return child


def _xml_characters(value: str, tag: str, attr: str | None = None) -> str:
    """Return `value`, or refuse (one line) a character XML 1.0 cannot carry."""
    bad = _NOT_XML.search(value)
    if bad:
        shown = value[max(0, bad.start() - 20) : bad.start() + 20].encode("unicode_escape").decode()
        where = f"<{tag} {attr}>" if attr else f"<{tag}>"
        raise ManifestError(
            f"{where} would hold U+{ord(bad.group()):04X} ('{shown}'), which XML cannot carry (tfx fails "
            "on it too): remove it from the manifest."
        )
    return value


def _text(value: str, tag: str) -> str:
    """Escape character data."""
    value = _xml_characters(value, tag)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")


def _attr(value: str, tag: str, attr: str) -> str:
    """Escape an attribute value."""
    value = _xml_characters(value, tag, attr)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return value.replace("\t", "&#x9;").replace("\n", "&#xA;").replace("\r", "&#xD;")


def _lines(element: Element, depth: int, out: list[str]) -> None:
    """Write one element (and its children) as indented lines."""
    pad = "  " * depth
    attrs = "".join(f' {name}="{_attr(value, element.tag, name)}"' for name, value in element.attrs.items())
    if element.children:
        out.append(f"{pad}<{element.tag}{attrs}>")
        for child in element.children:
            _lines(child, depth + 1, out)
        out.append(f"{pad}</{element.tag}>")
    elif element.text:
        out.append(f"{pad}<{element.tag}{attrs}>{_text(element.text, element.tag)}</{element.tag}>")
    else:
        out.append(f"{pad}<{element.tag}{attrs}/>")


def render(root: Element) -> str:
    """Serialise a document: declaration, then the tree."""
    out = [XML_DECLARATION]
    _lines(root, 0, out)
    return "\n".join(out)
