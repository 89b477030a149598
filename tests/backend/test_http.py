"""HTTP over a real server: CORS preflight, security headers, error shape, request ids, health."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from backend.app_state import get_storage

ORIGIN = "https://reportbridge.gallerycdn.vsassets.io"
PREFLIGHT_HEADERS = (
    "authorization,content-type,idempotency-key,x-report-bridge-org-id,x-report-bridge-org-name"
)


def preflight(base_url: str, origin: str, path: str = "/api/v1/me") -> httpx.Response:
    return httpx.options(
        f"{base_url}{path}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": PREFLIGHT_HEADERS,
        },
    )


def test_preflight_from_the_publishers_cdn_origin_is_allowed(live_server: str) -> None:
    response = preflight(live_server, ORIGIN, "/api/v1/projects/p/reports/r_1/link")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert set(PREFLIGHT_HEADERS.split(",")) <= allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.gallerycdn.vsassets.io",
        "https://dev.azure.com",
        "http://reportbridge.gallerycdn.vsassets.io",
        "null",
    ],
)
def test_preflight_from_other_origins_gets_no_cors_grant(live_server: str, origin: str) -> None:
    response = preflight(live_server, origin)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_actual_request_exposes_the_request_id(live_server: str) -> None:
    response = httpx.get(f"{live_server}/api/v1/me", headers={"Origin": ORIGIN})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]
    assert "Origin" in response.headers["Vary"]  # caches must not reuse one origin's answer for another


@pytest.fixture
def dev_server(make_app: Callable[..., Flask]) -> Iterator[str]:
    app = make_app(environment="development", cors_origins=("http://127.0.0.1:8002",))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    import threading

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_development_adds_the_local_extension_origin(dev_server: str) -> None:
    assert preflight(dev_server, "http://127.0.0.1:8002").headers["Access-Control-Allow-Origin"] == (
        "http://127.0.0.1:8002"
    )
    assert preflight(dev_server, ORIGIN).headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Origin" not in preflight(dev_server, "http://127.0.0.1:8003").headers


def test_security_headers_and_request_ids(live_server: str) -> None:
    response = httpx.get(f"{live_server}/healthz", headers={"X-Request-Id": "bad id with spaces"})
    assert response.json() == {"status": "ok"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert (
        response.headers["X-Request-Id"] != "bad id with spaces"
        and len(response.headers["X-Request-Id"]) == 32
    )


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nope", 404, "not_found"),
        ("DELETE", "/api/v1/me", 405, "method_not_allowed"),
        ("GET", "/api/v1/intake/reports", 405, "method_not_allowed"),
    ],
)
def test_werkzeug_errors_use_the_one_shape(
    live_server: str, method: str, path: str, status: int, code: str
) -> None:
    response = httpx.request(method, f"{live_server}{path}")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_request_size_cap_over_http(live_server: str, make_key: Callable[..., str]) -> None:
    response = httpx.post(
        f"{live_server}/api/v1/intake/reports",
        content=b"{" + b" " * 100_000 + b"}",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {make_key()}"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_readyz_reports_the_database(app: Flask, client: FlaskClient) -> None:
    assert client.get("/readyz").get_json() == {"status": "ready"}
    with get_storage(app).transaction() as tx:
        tx.execute("DROP TABLE schema_migrations")
    response = client.get("/readyz")
    assert (response.status_code, response.get_json()["error"]["code"]) == (503, "unavailable")


def test_hsts_only_in_production_over_https_as_the_trusted_proxy_reports_it(
    make_app: Callable[..., Flask],
) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "a.b"}
    behind_proxy = make_app(environment="production", proxy_hops=1).test_client()
    secure = behind_proxy.get("/healthz", headers=forwarded)
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert secure.headers.getlist("X-Content-Type-Options") == ["nosniff"]  # added once
    assert "Strict-Transport-Security" not in behind_proxy.get("/healthz").headers  # plain http
    development = make_app(environment="development", proxy_hops=1).test_client()
    assert "Strict-Transport-Security" not in development.get("/healthz", headers=forwarded).headers
