"""The gunicorn worker `report-bridge serve` runs: the sync worker, answering what it refuses in JSON.

Gunicorn answers a request it cannot parse (a bad request line or header, a 70 KB URL, a conflicting
Content-Length) itself, before the app, with an HTML page and a plain-text warning quoting the request
line, query string included. This worker answers those in the app's one JSON error shape with a stable
code instead, and logs one JSON access line (`JsonAccessLogger.refused` in backend.serve).

It also gives every client CLIENT_SEND_SECONDS to send its request: a sync worker blocked on a client
that stopped mid-request was otherwise held for the whole worker timeout, then killed by the arbiter
(a traceback, an HTML 500, a respawn), and as many such clients as workers stopped the service.
"""

from __future__ import annotations

import json
import socket
import time
from http import HTTPStatus
from typing import Any

from gunicorn import util
from gunicorn.http import errors as wire
from gunicorn.workers.sync import SyncWorker

from backend import errors
from backend.http_hardening import SECURITY_HEADERS
from backend.logs import request_id_for

WORKER_TIMEOUT_SECONDS = 30
CLIENT_SEND_SECONDS = 10  # well under the worker timeout: the app keeps the rest for its answer


class ClientTooSlow(errors.AppError):
    """The client did not send its whole request within CLIENT_SEND_SECONDS.

    An AppError, not an OSError. Raised while the app reads the body, it reaches Flask's error handler
    (a 408 in the one shape); raised while gunicorn reads the request's head, it reaches
    `JsonErrorWorker.handle_error` (where an OSError would be logged with its traceback instead).
    """

    status, code = 408, "request_timeout"
    message = f"The request did not arrive within {CLIENT_SEND_SECONDS} seconds."


class Refusal:
    """What the worker answers for one request it cannot hand to the app."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message

    def body(self) -> bytes:
        """Return the app's one JSON error shape, as Flask's jsonify writes it."""
        error = {"code": self.code, "message": self.message, "details": None}
        return json.dumps({"error": error}, separators=(",", ":")).encode() + b"\n"

    def response(self, request_id: str) -> bytes:
        """Return the whole HTTP/1.1 response, with the app's headers, closing the connection."""
        body = self.body()
        reason = HTTPStatus(self.status).phrase
        headers = [("Connection", "close"), ("Content-Type", "application/json"),
                   ("Content-Length", str(len(body))), ("X-Request-Id", request_id), *SECURITY_HEADERS]
        head = f"HTTP/1.1 {self.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
        return (head + "\r\n").encode("latin-1") + body


_LINE = "The request line is not valid HTTP/1.1: METHOD /path HTTP/1.1, one space apart, a token method."
_HEADER = ("A request header is not valid: a name without spaces before the colon, no control characters, "
           "no folded lines, and one Content-Length or Transfer-Encoding, not both.")
# First match wins: InvalidResponseHeader(Name) are subclasses of InvalidHeader(Name), and the app's fault.
_REFUSALS: list[tuple[type[BaseException] | tuple[type[BaseException], ...], Refusal]] = [
    ((wire.InvalidResponseHeader, wire.InvalidResponseHeaderName, wire.ConfigurationProblem),
     Refusal(500, "internal_error", "Internal error.")),
    (wire.LimitRequestLine, Refusal(414, "uri_too_long", "The request line is too long.")),
    (wire.LimitRequestHeaders,
     Refusal(431, "headers_too_large", "The request headers are too many or too large.")),
    (wire.ExpectationFailed, Refusal(417, "expectation_failed", "Only Expect: 100-continue is supported.")),
    (wire.UnsupportedTransferCoding,
     Refusal(501, "transfer_coding_unsupported", "Only the chunked transfer coding is supported.")),
    (wire.ForbiddenProxyRequest,
     Refusal(403, "forbidden", "PROXY protocol lines are not accepted from this peer.")),
    ((wire.InvalidRequestLine, wire.InvalidRequestMethod, wire.InvalidHTTPVersion, wire.InvalidH2CPreface),
     Refusal(400, "bad_request", _LINE)),
    ((wire.InvalidHeader, wire.InvalidHeaderName, wire.ObsoleteFolding),
     Refusal(400, "bad_request", _HEADER)),
    ((wire.InvalidChunkSize, wire.ChunkMissingTerminator, wire.InvalidChunkExtension),
     Refusal(400, "bad_request", "The request body's framing is not valid HTTP/1.1.")),
    (wire.ParseException, Refusal(400, "bad_request", "The request is not valid HTTP/1.1.")),
    # SystemExit: the arbiter's SIGABRT when a request outlived the worker timeout, or a quick shutdown.
    (SystemExit, Refusal(503, "unavailable", "The server could not finish this request; retry shortly.")),
]
_INTERNAL = Refusal(500, "internal_error", "Internal error.")


def refusal_for(exc: BaseException) -> Refusal:
    """Return the answer for a request gunicorn could not read or serve (never echoing its bytes)."""
    if isinstance(exc, errors.AppError):
        return Refusal(exc.status, exc.code, exc.message)
    return next((refusal for kinds, refusal in _REFUSALS if isinstance(exc, kinds)), _INTERNAL)


class DeadlineSocket(socket.socket):
    """A client connection whose request must arrive by `deadline` (time.monotonic())."""

    deadline: float
    accepted: float

    @classmethod
    def adopt(cls, client: socket.socket, seconds: float) -> DeadlineSocket:
        """Take over `client`'s descriptor (same blocking mode, same close-on-exec flag)."""
        adopted = cls(client.family, client.type, client.proto, fileno=client.detach())
        adopted.accepted = time.monotonic()
        adopted.deadline = adopted.accepted + seconds
        return adopted

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """Receive, refusing with ClientTooSlow once the deadline has passed."""
        if self.gettimeout() is not None:
            # gunicorn's close_graceful drains the socket after the answer with its own timeout set.
            return super().recv(bufsize, flags)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ClientTooSlow()
        self.settimeout(remaining)
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            raise ClientTooSlow() from None
        finally:
            self.settimeout(None)  # blocking again, as gunicorn left it


class JsonErrorWorker(SyncWorker):  # type: ignore[misc]
    """gunicorn's sync worker, answering what it refuses in the app's JSON error shape."""

    def handle(self, listener: socket.socket, client: socket.socket, addr: Any) -> None:
        """Serve one connection, with CLIENT_SEND_SECONDS for the client to send its request."""
        super().handle(listener, DeadlineSocket.adopt(client, CLIENT_SEND_SECONDS), addr)

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        """Answer a request gunicorn could not parse or serve; log one JSON line, never a traceback."""
        refusal = refusal_for(exc)
        req = req or getattr(exc, "req", None)  # InvalidHeader carries the request it was parsing
        if refusal.status >= 500:
            self.log.error("request failed: %s", type(exc).__name__)
        headers = dict(getattr(req, "headers", None) or [])
        request_id = request_id_for({"HTTP_X_REQUEST_ID": headers.get("X-REQUEST-ID", "")})
        started = getattr(client, "accepted", time.monotonic())
        remote = addr[0] if isinstance(addr, tuple) and addr else "-"
        seconds = time.monotonic() - started
        if hasattr(self.log, "refused"):  # JsonAccessLogger; plain gunicorn may pair us with its own logger
            self.log.refused(req, remote, refusal, len(refusal.body()), seconds, request_id)
        else:
            self.log.info("refused a request from %s: %s %s", remote, refusal.status, refusal.code)
        try:
            util.write_nonblock(client, refusal.response(request_id))
        except OSError:
            pass  # the client is gone; nothing to tell it
