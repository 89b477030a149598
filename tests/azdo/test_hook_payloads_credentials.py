"""The service hook's Basic credentials, sent byte for byte: every malformed one is a 401 hook_unauthorized
with a Basic challenge, never a 500; the spellings RFC 9110 allows for a valid one are accepted.

`pytest -rP` prints every probe with its answer.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import unicodedata
from collections.abc import Iterator

import pytest

from backend.config import Settings

from .hook_wire import JSON, Answer, Headers, crashes, deliver, event_for

HOOK_USER = "azure-devops"
UNICODE_USER = "zaż\u00f3łć-gęślą"  # composed (NFC), as a person types it into the subscription's form
# The event names an item linked to nothing: accepted credentials get it acknowledged and dropped.
ACCEPTED, REFUSED = (202, "ignored"), (401, "hook_unauthorized")
Case = tuple[str, str | bytes, tuple[int, str]]


@pytest.fixture
def hook_user() -> str:
    return HOOK_USER


@pytest.fixture
def backend_settings(backend_settings: Settings, hook_user: str) -> Settings:
    """The backend of tests/azdo/conftest.py, its hook user name `hook_user`."""
    return dataclasses.replace(backend_settings, webhook_username=hook_user)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _cases(user: str, secret: str) -> Iterator[Case]:
    pair = f"{user}:{secret}".encode()
    good = b64(pair)
    yield "as Azure DevOps sends it", f"Basic {good}", ACCEPTED
    yield "the scheme in lower case", f"basic {good}", ACCEPTED
    yield "the scheme in capitals", f"BASIC {good}", ACCEPTED
    yield "two spaces after the scheme", f"Basic  {good}", ACCEPTED  # 1*SP (RFC 9110 section 11.4)
    yield "a space after the credentials", f"Basic {good} ", ACCEPTED
    yield "a tab after the credentials", f"Basic {good}\t", ACCEPTED
    if good.endswith("="):
        yield "without its padding", f"Basic {good.rstrip('=')}", REFUSED
    else:
        yield "padding where none is due", f"Basic {good}==", ACCEPTED  # binascii ignores it
    yield "no space after the scheme", f"Basic{good}", REFUSED
    yield "a tab after the scheme", f"Basic\t{good}", REFUSED
    yield "a space before the scheme", f" Basic {good}", ACCEPTED  # spaces around a value: no part of it
    yield "the scheme alone", "Basic", REFUSED
    yield "the scheme and a space", "Basic ", REFUSED
    yield "an empty header", "", REFUSED
    yield "another scheme", f"Bearer {good}", REFUSED
    yield "no colon: the secret alone", f"Basic {b64(secret.encode())}", REFUSED
    yield "no colon: the user alone", f"Basic {b64(user.encode())}", REFUSED
    yield "the password first", f"Basic {b64(f'{secret}:{user}'.encode())}", REFUSED
    yield "an empty user", f"Basic {b64(f':{secret}'.encode())}", REFUSED
    yield "an empty password", f"Basic {b64(f'{user}:'.encode())}", REFUSED
    yield "one more colon after the password", f"Basic {b64(pair + b':')}", REFUSED
    yield "the user in capitals", f"Basic {b64(f'{user.upper()}:{secret}'.encode())}", REFUSED
    yield "a space before the user", f"Basic {b64(b' ' + pair)}", REFUSED
    yield "a NUL after the password", f"Basic {b64(pair + bytes(1))}", REFUSED
    yield "not base64", "Basic ***", REFUSED
    yield "base64 with a space inside", f"Basic {good[:8]} {good[8:]}", REFUSED
    yield "base64 with a newline inside", f"Basic {good[:8]}\n {good[8:]}", REFUSED
    yield "the base64url alphabet", f"Basic {b64(bytes([0xFB, 0xFF]) + pair).replace('+', '-')}", REFUSED
    no_utf8 = bytes([0xFF, 0xFE]) + b":" + secret.encode()
    yield "no UTF-8 after decoding", f"Basic {b64(no_utf8)}", REFUSED
    surrogate = bytes([0xED, 0xA0, 0x80]) + b":" + secret.encode()  # UTF-8's form of U+D800, not UTF-8
    yield "a lone surrogate's bytes after decoding", f"Basic {b64(surrogate)}", REFUSED
    latin1 = f"{user}:{secret}".encode("latin-1", errors="replace")
    same = ACCEPTED if user.isascii() else REFUSED  # ASCII is the same in both
    yield "the user in Latin-1 after decoding", f"Basic {b64(latin1)}", same
    # Header text past ASCII: WSGI hands it over as Latin-1 text, which b64decode refuses (a 500 before).
    yield "Latin-1 bytes in the header", b"Basic \xe9\xe9\xe9\xe9", REFUSED
    yield "UTF-8 bytes in the header", "Basic \u00e9\u00e9\u00e9=".encode(), REFUSED
    yield "UTF-8 bytes after valid credentials", f"Basic {good}\u00e9".encode(), REFUSED
    yield "control characters in the header", b"Basic \x01\x02\x03\x04", REFUSED
    yield "DEL after the credentials", f"Basic {good}\x7f".encode(), REFUSED
    yield "a long header", "Basic " + "A" * 8000, REFUSED


def _body() -> bytes:
    return json.dumps(event_for(987654)).encode()


def _well_answered(answer: Answer) -> bool:
    """The one error shape, and a Basic challenge with every 401."""
    challenge = answer.status != 401 or answer.headers.get("WWW-Authenticate", "").startswith("Basic ")
    return answer.well_formed() and challenge


def _sweep(base_url: str, user: str, secret: str) -> tuple[int, list[str]]:
    """Send every case; return how many were sent and the ones answered otherwise than expected."""
    cases, wrong = list(_cases(user, secret)), []
    for name, value, (status, code) in cases:
        answer = deliver(base_url, _body(), [("Authorization", value), ("Content-Type", JSON)])
        print(f"{name}: {answer.status} {answer.code}")
        if (answer.status, answer.code) != (status, code) or not _well_answered(answer):
            wrong.append(f"{name}: expected {status} {code}, got {answer.status} {answer.body!r:.200}")
    return len(cases), wrong


def test_every_malformed_credential_is_a_401_and_none_a_500(
    backend_url: str, intake_key: str, hook_secret: str, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sent, wrong = _sweep(backend_url, HOOK_USER, hook_secret)
    with capsys.disabled():
        print(f"\n[hook credentials] {sent} probes, {len(wrong)} wrong")
    assert not wrong, "\n".join(wrong)
    assert not crashes(caplog)


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(["valid", "wrong"], id="the valid one first"),
        pytest.param(["wrong", "valid"], id="the valid one second"),
        pytest.param(["valid", "valid"], id="the valid one twice"),
    ],
)
def test_two_authorization_headers_are_refused(
    backend_url: str, intake_key: str, hook_secret: str, order: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Azure DevOps sends one. The server joins two into one value ("a,b"), which is no credential."""
    value = {"valid": f"Basic {b64(f'{HOOK_USER}:{hook_secret}'.encode())}", "wrong": "Basic eDp5"}
    sent: Headers = [("Authorization", value[name]) for name in order]
    sent.append(("Content-Type", JSON))
    answer = deliver(backend_url, _body(), sent)
    assert (answer.status, answer.code) == REFUSED and _well_answered(answer)
    assert not crashes(caplog)


@pytest.mark.parametrize("hook_user", [UNICODE_USER])
def test_a_user_name_past_ascii_is_compared_as_its_utf8(
    hook_user: str, backend_url: str, intake_key: str, hook_secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    _, wrong = _sweep(backend_url, hook_user, hook_secret)
    assert not wrong, "\n".join(wrong)
    # Exactly the configured code points: the decomposed spelling (NFD) reads the same and is another name.
    decomposed = unicodedata.normalize("NFD", hook_user)
    assert decomposed != hook_user
    for user, expected in ((hook_user, ACCEPTED), (decomposed, REFUSED), (hook_user.upper(), REFUSED)):
        value = f"Basic {b64(f'{user}:{hook_secret}'.encode())}"
        answer = deliver(backend_url, _body(), [("Authorization", value), ("Content-Type", JSON)])
        assert (answer.status, answer.code) == expected, user
    assert not crashes(caplog)
