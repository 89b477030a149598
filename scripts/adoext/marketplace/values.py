"""Checks on what the Marketplace commands will send: URLs and text from options and the environment.

Each check runs before the first request (and before anything is written), so a value that cannot work
is one line and exit 2 (CommandLineError) instead of retries, a Marketplace error, or a crash deep in
httpx (an unencodable header, an unparseable URL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adoext.errors import CommandLineError

if TYPE_CHECKING:
    import httpx

# Text that goes into a URL path or an HTTP header: C0 controls and DEL would change the request's
# meaning (or httpx refuses them); C1 controls have no business in a name either.
_CONTROLS = {*range(0x20), 0x7F, *range(0x80, 0xA0)}


def text_problem(value: str) -> str | None:
    """Say why `value` cannot be sent (not UTF-8 encodable, control characters), or return None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a surrogate: the shell passed bytes that are not UTF-8
        return "is not valid UTF-8 text"
    if any(ord(char) in _CONTROLS for char in value):
        return "holds a control character"
    return None


def check_text(label: str, value: str | None, *, secret: bool = False) -> None:
    """Refuse option or environment text that cannot be sent; a secret's value is never echoed."""
    if value is None:
        return
    problem = text_problem(value)
    if problem is not None:
        shown = label if secret else f"{label} '{printable(value)}'"
        raise CommandLineError(f"{shown} {problem}.")


def printable(value: str) -> str:
    """Return `value` with bytes that are not UTF-8 shown as escapes (printing them would fail)."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def check_url(label: str, value: str) -> httpx.URL:
    """Parse an http(s) URL option: scheme, host and port must be usable, or one line and exit 2."""
    import httpx  # here, not at the top: `adoext package` checks text with this module, without httpx
    check_text(label, value)
    if not value.strip():
        raise CommandLineError(f"{label} is empty; give an http(s) URL, or leave the option out.")
    if value != value.strip() or " " in value:
        raise CommandLineError(f"{label} {value!r} holds spaces; give an http(s) URL.")
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise CommandLineError(f"{label} {value!r} is not a valid URL ({exc}).") from None
    if url.scheme not in ("http", "https"):
        raise CommandLineError(f"{label} {value!r} must start with https:// (or http://).")
    if not url.host:
        raise CommandLineError(f"{label} {value!r} has no host name.")
    if url.port is not None and not 0 < url.port < 65536:
        raise CommandLineError(f"{label} {value!r} has an invalid port {url.port} (1-65535).")
    return url
