"""HTTP hardening: CORS for exact configured origins, security headers, request size cap, proxies."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from backend.config import Settings

ALLOWED_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "X-Request-Id",
    "X-Report-Bridge-Org-Id",
    "X-Report-Bridge-Org-Name",
    "X-Report-Bridge-Project-Name",
]
PREFLIGHT_MAX_AGE_SECONDS = 600
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}


def init_app(app: Flask, settings: Settings) -> None:
    """Apply CORS, the body size cap, security headers and (when configured) proxy headers."""
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    if settings.proxy_hops:
        # Trust X-Forwarded-* only from the configured number of proxies (App Service, a load balancer).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops, x_host=settings.proxy_hops
        )
    origins = list(settings.allowed_origins)
    if origins:
        # Exact origins only: every Marketplace publisher has a gallerycdn subdomain, so no wildcards.
        CORS(
            app,
            resources={r"/api/*": {"origins": origins}},
            allow_headers=ALLOWED_HEADERS,
            expose_headers=["X-Request-Id"],
            methods=["GET", "POST", "OPTIONS"],
            max_age=PREFLIGHT_MAX_AGE_SECONDS,
            supports_credentials=False,  # tokens travel in Authorization, never cookies
        )
    hsts = settings.environment == "production"

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.extend(_SECURITY_HEADERS)  # nothing else sets these
        if request.path.startswith("/api/"):
            # CORS answers differ by Origin even with one allowed origin, so shared caches must key on it.
            response.vary.add("Origin")
        if hsts and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
