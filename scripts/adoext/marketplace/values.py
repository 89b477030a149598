"""Checks on what the Marketplace commands will send: URLs and text from options and the environment.

Each check runs before the first request (and before anything is written), so a value that cannot work
is one line and exit 2 (CommandLineError) instead of retries, a Marketplace error, or a crash deep in
httpx (an unencodable header, an unparseable URL).
"""

from __future__ import annotations

import httpx
from adocommon.text import printable, text_problem

from adoext.errors import CommandLineError


def check_text(label: str, value: str | None, *, secret: bool = False) -> None:
    """Refuse option or environment text that cannot be sent; a secret's value is never echoed."""
    if value is None:
        return
    problem = text_problem(value)
    if problem is not None:
        shown = label if secret else f"{label} '{printable(value)}'"
        raise CommandLineError(f"{shown} {problem}.")


def check_url(label: str, value: str) -> httpx.URL:
    """Parse an http(s) URL option: scheme, host and port must be usable, or one line and exit 2."""
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
