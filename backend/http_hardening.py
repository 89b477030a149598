"""HTTP hardening: CORS for exact configured origins, security headers, request size cap, proxies.

The body stream is wrapped too (`CheckedInput`): whatever the server's reader raises is the client's
framing (a 400 in the one error shape, never a 500), and a chunked body is held to the same cap as one
with a Content-Length. And the router never redirects (`refuse_redirects`).

CORS is a few lines here rather than flask-cors: our policy is one fixed shape (exact origins, fixed
methods and headers, no credentials), and flask-cors resolves its general options on every response,
which measured at about 40 µs per request on the bench machine — a fifth of the /api/v1/me budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest, ClientDisconnected, HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import RequestRedirect

from backend.config import Settings
from backend.errors import AppError

if TYPE_CHECKING:
    from _typeshed.wsgi import InputStream, StartResponse, WSGIApplication, WSGIEnvironment

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = (
    "Authorization, Content-Type, Idempotency-Key, X-Request-Id, "
    "X-Report-Bridge-Org-Id, X-Report-Bridge-Org-Name, X-Report-Bridge-Project-Name"
)
PREFLIGHT_MAX_AGE_SECONDS = 600
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("Cache-Control", "no-store"),
]
Header = tuple[str, str]
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def cors_headers(origin: str | None, allowed: frozenset[str], preflight: bool) -> list[Header]:
    """Return the CORS headers for a request from `origin` (none unless it is exactly allowed)."""
    if origin is None or origin not in allowed:
        return []
    headers = [("Access-Control-Allow-Origin", origin)]
    if preflight:
        headers += [
            ("Access-Control-Allow-Methods", ALLOWED_METHODS),
            ("Access-Control-Allow-Headers", ALLOWED_HEADERS),
            ("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE_SECONDS)),
        ]
    else:
        headers.append(("Access-Control-Expose-Headers", "X-Request-Id"))
    return headers  # never Allow-Credentials: tokens travel in Authorization, not cookies


class HeaderMiddleware:
    """Append headers chosen from the WSGI environ to every response, at the WSGI layer.

    Why not `after_request`: werkzeug's Headers methods re-validate every name and value, which cost
    about 20 µs per response on the bench machine; here it is one list extend.
    """

    def __init__(self, app: WSGIApplication, headers_for: Callable[[WSGIEnvironment], list[Header]]) -> None:
        self._app = app
        self._headers_for = headers_for

    @classmethod
    def around(
        cls, app: WSGIApplication, headers_for: Callable[[WSGIEnvironment], list[Header]]
    ) -> HeaderMiddleware:
        """Wrap `app`, extending it instead when it already is one: one layer per request, not two."""
        if isinstance(app, HeaderMiddleware):
            inner = app._headers_for
            return cls(app._app, lambda environ: inner(environ) + headers_for(environ))
        return cls(app, headers_for)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve the request, adding our headers when the response starts."""
        extra = self._headers_for(environ)

        def start(status: str, headers: list[Header], exc_info: Any = None) -> Callable[[bytes], object]:
            headers.extend(extra)
            return start_response(status, headers, exc_info)

        return self._app(environ, start)


class CheckedInput:
    """The server's request body stream, read so that every way it fails is the client's 4xx.

    A server's body reader raises its own exceptions for framing it refuses (gunicorn: InvalidChunkSize,
    ChunkMissingTerminator, InvalidChunkExtension), which werkzeug does not know and Flask answered
    with a 500; here any of them is a 400. Errors that already name the client's fault (a werkzeug
    HTTPException, an AppError such as the served worker's request timeout) pass unchanged.

    `cap` is set for bodies without a Content-Length (chunked): werkzeug stops reading those at
    MAX_CONTENT_LENGTH without saying so, so the JSON parser saw a cut body ("not valid JSON") or, with
    whitespace past the cap, a whole one. Reading one byte past the cap makes that a 413 instead.

    `length` is the Content-Length: a body that ends before it (the client closed) is a 400. werkzeug
    checks that only where the server does not mark its stream terminated; gunicorn does, so a client
    that declared 100 bytes and closed after a whole JSON document of 40 had it stored.
    """

    def __init__(self, stream: InputStream, cap: int | None, length: int | None) -> None:
        self._stream = stream
        self._cap = cap
        self._length = length
        self._read = 0

    def read(self, size: int = -1) -> bytes:
        """Read `size` bytes, fewer only where the body ends (all of it when negative)."""
        data = self._guarded(partial(self._stream.read, size))
        while 0 < len(data) < size:  # a short read: go on, so that where the body ends is seen here
            more = self._guarded(partial(self._stream.read, size - len(data)))
            if not more:
                break
            data += more
        return self._count(data, ended=size < 0 or len(data) < size)

    def readline(self, size: int = -1) -> bytes:
        """Read one line of at most `size` bytes."""
        line = self._guarded(partial(self._stream.readline, size))
        return self._count(line, ended=not line and size != 0)

    def readlines(self, hint: int = -1) -> list[bytes]:
        """Read the remaining lines."""
        return list(iter(self.readline, b""))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def _count(self, data: bytes, *, ended: bool) -> bytes:
        self._read += len(data)
        if ended and self._length is not None and self._read < self._length:
            raise BadRequest(f"The request body ended after {self._read} of its {self._length} bytes.")
        if self._cap is not None and self._read >= self._cap and self._guarded(partial(self._stream.read, 1)):
            raise RequestEntityTooLarge()
        return data

    @staticmethod
    def _guarded(read: Callable[[], bytes]) -> bytes:
        try:
            return read()
        except (HTTPException, AppError):
            raise
        except OSError:  # the connection broke: what werkzeug says for it too
            raise ClientDisconnected() from None
        except Exception:  # noqa: BLE001 - the server's reader refused the bytes on the wire
            raise BadRequest("The request body's framing is not valid HTTP/1.1.") from None


class BodyGuard:
    """Hand the app a `CheckedInput` for every request that has a body."""

    def __init__(self, app: WSGIApplication, cap: int) -> None:
        self._app = app
        self._cap = cap

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Wrap the body stream (requests without one, most of them, pass untouched)."""
        length = environ.get("CONTENT_LENGTH") or ""
        if "HTTP_TRANSFER_ENCODING" in environ or length not in ("", "0"):
            declared = int(length) if length.isascii() and length.isdigit() else None
            cap = None if declared is not None else self._cap  # werkzeug caps a Content-Length already
            environ["wsgi.input"] = CheckedInput(environ["wsgi.input"], cap, declared)
        return self._app(environ, start_response)


def refuse_redirects() -> None:
    """Answer a path the router would redirect (`/api//v1/me`: merged slashes; a missing trailing slash)
    with the 404 every other path that is not a route gets.

    Flask hands werkzeug's RequestRedirect to the client as is, past every error handler: a 308 with an
    HTML page. Refused here, before the view would run, it is the one JSON shape like any other 404.
    """
    if isinstance(request.routing_exception, RequestRedirect):
        raise NotFound()


def _routed_path(environ: WSGIEnvironment) -> str:
    """PATH_INFO as the router matches it: werkzeug serves `//api/v1/me` as `/api/v1/me`."""
    path: str = environ.get("PATH_INFO", "")
    return "/" + path.lstrip("/") if path.startswith("//") else path


def init_app(app: Flask, settings: Settings) -> None:
    """Apply CORS, the body size cap, security headers and (when configured) proxy headers."""
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    # Exact origins only: every Marketplace publisher has a gallerycdn subdomain, so no wildcards.
    origins = frozenset(settings.allowed_origins)
    hsts = settings.environment == "production"

    # Built once: the common answers differ only by what is appended after these.
    api_headers = [*SECURITY_HEADERS, ("Vary", "Origin")]  # the answer differs by Origin: caches key on it

    def headers_for(environ: WSGIEnvironment) -> list[Header]:
        if _routed_path(environ).startswith("/api/"):
            headers = list(api_headers)
            origin = environ.get("HTTP_ORIGIN")
            if origin is not None:
                method = environ.get("REQUEST_METHOD")
                preflight = method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
                headers += cors_headers(origin, origins, preflight)
        else:
            headers = list(SECURITY_HEADERS)  # nothing else sets these
        if hsts and environ.get("wsgi.url_scheme") == "https":  # after ProxyFix, which wraps this
            headers.append(_HSTS)
        return headers

    app.before_request(refuse_redirects)  # registered before the guards: they need not see the path
    wrapped = HeaderMiddleware.around(app.wsgi_app, headers_for)  # merged with the request id's layer
    app.wsgi_app = BodyGuard(wrapped, settings.max_body_bytes)  # type: ignore[method-assign]
    if settings.proxy_hops:
        # Trust X-Forwarded-* only from the configured number of proxies (App Service, a load balancer).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops, x_host=settings.proxy_hops
        )
