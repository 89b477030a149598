"""Request targets over the wire, on every route family: percent-encoding, dot segments, slashes.

Every answer is the app's own (JSON, below 500), never a redirect: werkzeug's router answered a path with
doubled slashes (`/api//v1/me`) with a 308 and an HTML page, past the app's error handlers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from .wire_server import ORIGIN, PROJECT, Served, answer_of, log_problems, serve, shape_problem


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One served process for the module."""
    yield from serve(tmp_path_factory)


ROUTES = {  # route family: (method, path)
    "api": ("GET", "/api/v1/me"),
    "projects": ("GET", f"/api/v1/projects/{PROJECT}/reports"),
    "intake": ("POST", "/api/v1/intake/reports"),
    "hooks": ("POST", "/hooks/azure-devops"),
    "openapi": ("GET", "/api/v1/openapi.json"),
    "meta": ("GET", "/readyz"),
    "unknown": ("GET", "/nope"),
}
SUFFIXES = ["%00", "%2F", "%2e%2e", "%2e%2e%2f%2e%2e", "%C0%AE", "%C0%80", "%FF", "%ED%A0%80", "%", "%zz",
            "/", "//", "%20", ";x", "%0d%0aX-Injected:%201"]


def _variants(path: str) -> Iterator[str]:
    """`path` with each suffix, its slashes doubled at each place, and dot segments before it."""
    for suffix in SUFFIXES:
        yield path + suffix
    parts = path.split("/")
    for index in range(1, len(parts)):
        yield "/".join([*parts[:index], "", *parts[index:]])
    yield "/x/.." + path
    yield "/." + path


def _request(method: str, target: str) -> bytes:
    body = b"{}" if method == "POST" else b""
    return (f"{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def test_every_target_variant_is_answered_by_the_app_in_json(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong: list[str] = []
    tried = 0
    for family, (method, path) in ROUTES.items():
        for target in _variants(path):
            tried += 1
            status, headers, body = answer_of(served.send(_request(method, target)))
            kind = headers.get("content-type")
            if status >= 500 or 300 <= status < 400 or kind != "application/json":
                wrong.append(f"{family} {method} {target}: {status} {kind} {body[:80]!r}")
            elif status >= 400 and not _is_error_shape(body):
                wrong.append(f"{family} {method} {target}: {status} {body[:120]!r}")
    with capsys.disabled():
        print(f"\n[wire paths] {tried} targets tried, {len(wrong)} wrong")
    assert not wrong, "\n".join(wrong)
    assert not log_problems(served.log)


def _is_error_shape(body: bytes) -> bool:
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(error, dict) and set(error) == {"code", "message", "details"}


@pytest.mark.parametrize("target", ["/api//v1/me", "/api/v1//me", f"/api/v1/projects/{PROJECT}//reports"])
def test_a_path_the_router_would_redirect_is_a_json_404(served: Served, target: str) -> None:
    assert shape_problem(served.send(_request("GET", target)), 404, "not_found") is None


def test_a_leading_double_slash_gets_the_api_answer_and_its_headers(served: Served) -> None:
    """werkzeug serves `//api/v1/me` as `/api/v1/me`: the CORS grant and Vary: Origin come with it."""
    answers = [answer_of(served.send(f"GET {path} HTTP/1.1\r\nHost: x\r\nOrigin: {ORIGIN}\r\n\r\n".encode()))
               for path in ("/api/v1/me", "//api/v1/me")]
    (plain_status, plain, _), (doubled_status, doubled, _) = answers
    assert plain_status == doubled_status == 401
    assert plain["access-control-allow-origin"] == doubled.get("access-control-allow-origin") == ORIGIN
    assert plain["vary"] == doubled.get("vary") == "Origin"
