"""Hostile HTTP at the socket level against `report-bridge serve` (gunicorn), bytes written by hand.

What gunicorn refuses before the app (a bad request line or header, a 70 KB URL, conflicting framing),
what its body reader refuses while the app reads (bad chunk sizes), a chunked body past the cap, and a
client that stops mid-request: each is answered in the app's one JSON error shape with a stable code,
and the server's log stays one JSON line per request, without a traceback or the request's bytes.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from .wire_server import (
    SECRET_QUERY,
    WIRE_TIMEOUT,
    Served,
    access_lines,
    answer_of,
    log_problems,
    serve,
    shape_problem,
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One served process for the module."""
    yield from serve(tmp_path_factory)


HOST = b"Host: x\r\n"
GET = b"GET /readyz HTTP/1.1\r\n"
# Each is refused by gunicorn's parser, before the app: (name, bytes, status, code).
REFUSED_BY_THE_PARSER: list[tuple[str, bytes, int, str]] = [
    ("bad method token", b"G@T /readyz HTTP/1.1\r\n" + HOST + b"\r\n", 400, "bad_request"),
    ("lowercase method", b"get /readyz HTTP/1.1\r\n" + HOST + b"\r\n", 400, "bad_request"),
    ("40-character method", b"X" * 40 + b" /readyz HTTP/1.1\r\n" + HOST + b"\r\n", 400, "bad_request"),
    ("no version", b"GET /readyz\r\n" + HOST + b"\r\n", 400, "bad_request"),
    ("HTTP/0.9", b"GET /readyz\r\n", 400, "bad_request"),
    ("HTTP/2.0 as text", b"GET /readyz HTTP/2.0\r\n" + HOST + b"\r\n", 400, "bad_request"),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "bad_request"),
    ("star target on GET", b"GET * HTTP/1.1\r\n" + HOST + b"\r\n", 400, "bad_request"),
    ("target without a slash", b"GET readyz HTTP/1.1\r\n" + HOST + b"\r\n", 400, "bad_request"),
    ("raw invalid UTF-8 in the target", b"GET /api/v1/me\xff HTTP/1.1\r\n" + HOST + b"\r\n",
     400, "bad_request"),
    ("bare LF line ends", b"GET /readyz HTTP/1.1\nHost: x\n\n", 400, "bad_request"),
    ("empty request line", b"\r\n\r\n", 400, "bad_request"),
    ("query in a bad line", f"GET /readyz?token={SECRET_QUERY} HTTP/1.1 x\r\n".encode() + HOST + b"\r\n",
     400, "bad_request"),
    ("70 KB URL", b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414, "uri_too_long"),
    ("header without a colon", GET + HOST + b"Foo bar\r\n\r\n", 400, "bad_request"),
    ("space before the colon", GET + HOST + b"Foo : bar\r\n\r\n", 400, "bad_request"),
    ("obs-fold", GET + HOST + b"Foo: bar\r\n baz\r\n\r\n", 400, "bad_request"),
    ("NUL in a value", GET + HOST + b"Foo: a\x00b\r\n\r\n", 400, "bad_request"),
    ("CR in a value", GET + HOST + b"Foo: a\rb\r\n\r\n", 400, "bad_request"),
    ("non-ASCII header name", GET + HOST + b"F\xe9o: bar\r\n\r\n", 400, "bad_request"),
    ("duplicate Host", GET + HOST + b"Host: y\r\n\r\n", 400, "bad_request"),
    ("200 headers", GET + HOST + b"".join(b"X-H%d: v\r\n" % i for i in range(200)) + b"\r\n",
     431, "headers_too_large"),
    ("64 KB header", GET + HOST + b"X-Big: " + b"a" * 65_536 + b"\r\n\r\n", 431, "headers_too_large"),
    ("Content-Length and Transfer-Encoding", b"POST /api/v1/intake/reports HTTP/1.1\r\n" + HOST
     + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "bad_request"),
    ("two Content-Lengths", b"POST /api/v1/intake/reports HTTP/1.1\r\n" + HOST
     + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", 400, "bad_request"),
    ("negative Content-Length", b"POST /api/v1/intake/reports HTTP/1.1\r\n" + HOST
     + b"Content-Length: -1\r\n\r\n", 400, "bad_request"),
    ("Transfer-Encoding gzip", b"POST /api/v1/intake/reports HTTP/1.1\r\n" + HOST
     + b"Transfer-Encoding: gzip\r\n\r\n{}", 400, "bad_request"),
    ("Expect other than 100-continue", GET + HOST + b"Expect: bogus\r\n\r\n", 417, "expectation_failed"),
]


def test_what_gunicorn_refuses_is_the_one_json_shape_with_one_access_line(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong: list[str] = []
    request_ids: dict[str, tuple[str, int, str]] = {}
    for name, raw, status, code in REFUSED_BY_THE_PARSER:
        answer = served.send(raw)
        if problem := shape_problem(answer, status, code):
            wrong.append(f"{name}: {problem}")
        else:
            request_ids[answer_of(answer)[1]["x-request-id"]] = (name, status, code)
    with capsys.disabled():
        print(f"\n[wire] {len(REFUSED_BY_THE_PARSER)} parser refusals tried, {len(wrong)} wrong")
    assert not wrong, "\n".join(wrong)
    logged = {line["request_id"]: line for line in access_lines(served.log)}
    for request_id, (name, status, code) in request_ids.items():
        line = logged.get(request_id)
        assert line is not None and (line["status"], line["error"]) == (status, code), name
    assert not log_problems(served.log)


CHUNKED = (b"POST /api/v1/intake/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\nAuthorization: Bearer %s\r\n\r\n")


@pytest.mark.parametrize(
    ("name", "body"),
    [("chunk size not hex", b"zz\r\n{}\r\n0\r\n\r\n"),
     ("negative chunk size", b"-2\r\n{}\r\n0\r\n\r\n"),
     ("chunk without its CRLF", b"2\r\n{}XX0\r\n\r\n"),
     ("NUL in a chunk extension", b"2;\x00\r\n{}\r\n0\r\n\r\n")],
)
def test_bad_chunk_framing_is_a_400_not_a_500(served: Served, name: str, body: bytes) -> None:
    answer = served.send(CHUNKED % served.key.encode() + body)
    assert shape_problem(answer, 400, "bad_request") is None, (name, answer[:300])
    assert not log_problems(served.log)
    assert not [line for line in served.log.read_text().splitlines() if '"level": "ERROR"' in line]


def test_a_chunked_body_past_the_cap_is_413_as_with_a_content_length(served: Served) -> None:
    """The cap is 64 KiB: padding past it, framed as chunks, was cut there and parsed as JSON."""
    document = b'{"title": "t", "customerId": "c"}' + b" " * 70_000  # valid JSON, over the cap
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part)
                      for part in (document[i:i + 8192] for i in range(0, len(document), 8192)))
    answer = served.send(CHUNKED % served.key.encode() + chunks + b"0\r\n\r\n")
    assert shape_problem(answer, 413, "payload_too_large") is None, answer[:300]
    small = b'{"title": "t", "customerId": "c"}'
    accepted = served.send(CHUNKED % served.key.encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(small), small))
    assert answer_of(accepted)[0] == 201, accepted[:300]


def _event(event_id: str) -> bytes:
    return json.dumps({"id": event_id, "eventType": "workitem.updated", "publisherId": "tfs",
                       "resource": {"workItemId": 7}, "resourceContainers": {}}).encode()


@pytest.mark.parametrize("missing", [1, 50])
@pytest.mark.parametrize("route", ["intake", "hooks"])  # the intake reads the body whole, the hooks once
def test_a_body_shorter_than_its_content_length_is_a_400(served: Served, route: str, missing: int) -> None:
    """The client declared more than it sent, then closed: a whole JSON document in what it sent was
    taken as the complete request (a report stored, a hook event accepted)."""
    if route == "intake":
        document = b'{"title": "t", "customerId": "c"}'
        path, auth = "/api/v1/intake/reports", f"Bearer {served.key}"
    else:
        basic = base64.b64encode(f"azure-devops:{served.hook_secret}".encode()).decode()
        path, auth, document = "/hooks/azure-devops", f"Basic {basic}", _event(f"short-{missing}")
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: {auth}\r\n"
    declared = len(document) + missing
    answer = served.send(head.encode() + b"Content-Length: %d\r\n\r\n%s" % (declared, document))
    assert shape_problem(answer, 400, "bad_request") is None, answer[:300]


@pytest.mark.slow
def test_a_client_that_stops_mid_request_gets_a_408_and_the_worker_lives(served: Served) -> None:
    """As many stalled clients as workers, and one sending a byte a second: each gets a JSON 408 (the
    deadline is for the whole request, not between reads), and no worker is killed for its timeout."""
    stalled = {
        "mid-head": b"GET /readyz HTTP/1.1\r\nHost: x\r\n",
        "mid-body": b"POST /api/v1/intake/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Authorization: Bearer " + served.key.encode() + b"\r\nContent-Length: 100\r\n\r\n{\"ti",
    }
    answers: dict[str, bytes] = {}

    def stall(name: str) -> None:
        if name == "dripping":
            answers[name] = served.drip(b"GET /readyz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 200)
        else:
            answers[name] = served.send(stalled[name], pause_after=True)

    threads = [threading.Thread(target=stall, args=(name,)) for name in [*stalled, "dripping"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WIRE_TIMEOUT + 5)
    for name in [*stalled, "dripping"]:
        answer = answers.get(name, b"")
        assert shape_problem(answer, 408, "request_timeout") is None, (name, answer[:300])
    assert httpx.get(f"http://127.0.0.1:{served.port}/readyz", timeout=WIRE_TIMEOUT).status_code == 200
    text = served.log.read_text()
    assert "WORKER TIMEOUT" not in text and "SIGKILL" not in text
    assert not log_problems(served.log)


def test_what_the_deadline_socket_must_not_break(served: Served) -> None:
    """Pipelined requests (the second is drained after the answer), Expect: 100-continue, HTTP/1.0."""
    pipelined = served.send(GET + HOST + b"\r\n" + b"GET /healthz HTTP/1.1\r\n" + HOST + b"\r\n")
    assert answer_of(pipelined)[0] == 200 and pipelined.count(b"HTTP/1.1 ") == 1  # sync: one per connection
    small = b'{"title": "t", "customerId": "c"}'
    continued = served.send(b"POST /api/v1/intake/reports HTTP/1.1\r\n" + HOST + b"Expect: 100-continue\r\n"
                            b"Content-Type: application/json\r\nAuthorization: Bearer " + served.key.encode()
                            + b"\r\nContent-Length: %d\r\n\r\n%s" % (len(small), small))
    first, _, rest = continued.partition(b"\r\n\r\n")
    assert first == b"HTTP/1.1 100 Continue" and answer_of(rest)[0] == 201, continued[:300]
    old = served.send(b"GET /readyz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", pause_after=True)
    assert old.startswith(b"HTTP/1.0 200 ") and json.loads(answer_of(old)[2]) == {"status": "ready"}
    assert not log_problems(served.log)
