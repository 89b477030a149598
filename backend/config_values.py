"""The checks every setting, option and name of backend/config.py and the CLI passes (one place each).

Text: one line of printable, valid Unicode; integers: ASCII digits; `_FILE` secrets: read by one
function that turns any failure into the configuration error; a certificate path: a readable file; a
bind address: its shape and a port 0-65535. Each refusal is one ConfigError or ValueError line that
quotes a value shortened (`shown`) and never quotes a secret.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from adocommon.text import text_problem

PREFIX = "REPORT_BRIDGE_"

__all__ = ["ConfigError", "parse_bind", "read_secret_file", "shown", "text_problem"]


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line for the operator."""



# ASCII digits only: int() also takes "5_0", "٣" (Arabic-Indic) and " 5 ", none of which an operator means.
DIGITS = re.compile(r"[0-9]{1,9}")
def shown(value: str, limit: int = 80) -> str:
    """Quote a value for an error line: short, and with its control characters escaped."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


_PORT = re.compile(r"[0-9]{1,5}")
_HOST = re.compile(r"[A-Za-z0-9._-]+")


def parse_bind(value: str) -> str:
    """Return a gunicorn bind address checked by its shape, or raise ValueError in one line.

    `host:port` (a name or IPv4 address), `[IPv6]:port`, or `unix:/path`; the port 0 to 65535. Checked
    before anything starts, so a typo is not an OverflowError after the database was migrated, nor a
    page of gunicorn logs.
    """
    if value.startswith("unix:"):
        if not value[5:].strip() or text_problem(value):
            raise ValueError(f"{shown(value)} is not a bind address: unix: needs a socket path")
        return value
    host, colon, port = value.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        import ipaddress

        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            host = ""
    elif _HOST.fullmatch(host) is None:
        host = ""
    if not colon or not host or _PORT.fullmatch(port) is None or int(port) > 65535:
        raise ValueError(
            f"{shown(value)} is not a bind address: host:port, [IPv6]:port or unix:/path, port 0 to 65535"
        )
    return value



def read_secret_file(setting: str, path: Path) -> str | None:
    """Read a `<NAME>_FILE` secret; every way it can fail is one ConfigError naming the file, not its text.

    A file that is not UTF-8, is a directory, or holds a NUL or control character fails here rather than
    as a traceback (or a mangled password) wherever the secret is first used.
    """
    what = f"{PREFIX}{setting}: cannot read {path}"  # printable: it passed _Env.text
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{what}: {exc.strerror or type(exc).__name__}") from None
    except (UnicodeDecodeError, ValueError):
        raise ConfigError(f"{what}: it is not UTF-8 text") from None
    problem = text_problem(value)
    if problem:
        raise ConfigError(f"{what}: its text {problem} (one line, the secret alone)")
    return value or None


def check_certificate(path: Path | str) -> None:
    """Refuse a certificate path that is not a readable regular file, at start rather than first use."""
    what = f"{PREFIX}AZDO_CERTIFICATE_PATH: {shown(str(path))}"
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise ConfigError(f"{what}: {exc.strerror or type(exc).__name__}") from None
    if not stat.S_ISREG(mode):
        raise ConfigError(f"{what} is not a file (a PEM file with the certificate and its private key)")
    if not os.access(path, os.R_OK):
        raise ConfigError(f"{what}: permission denied")
