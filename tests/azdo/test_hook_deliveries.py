"""Service-hook deliveries over real HTTP: the body cap with and without a length, methods, and one
event delivered many times, at once or in other spellings of its id, queued once."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from backend.app_state import get_storage
from backend.outbox.worker import OutboxWorker

from .hook_wire import (
    HOOK_USER,
    JSON,
    Answer,
    Headers,
    basic,
    crashes,
    deliver,
    edit,
    encode,
    event_for,
    hook_events,
)
from .test_outbox import outbox, read_report


def test_the_body_cap_holds_with_a_length_and_without(
    backend_url: str, intake_key: str, hook_secret: str
) -> None:
    auth: Headers = [("Authorization", basic(HOOK_USER, hook_secret)), ("Content-Type", JSON)]
    limit = 64 * 1024

    def padded(size: int) -> bytes:
        """An event of a known source for an item linked to nothing (acknowledged, dropped), `size` long."""
        event = encode(event_for(987654))
        return event[:-1] + b" " * (size - len(event)) + b"}"

    assert (answer := deliver(backend_url, padded(limit), auth)).code == "ignored", answer.body
    over = deliver(backend_url, padded(limit + 1), auth)
    assert (over.status, over.code) == (413, "payload_too_large") and over.well_formed()
    # Chunked, with no Content-Length: the same cap, and a body cut at the cap is not taken for the whole
    # (werkzeug ends a chunked stream at MAX_CONTENT_LENGTH, 64 KiB too, without a word; the app's
    # BodyGuard, backend/http_hardening.py, reads one byte past it).
    chunked: Headers = [*auth, ("Transfer-Encoding", "chunked")]

    def chunks(body: bytes) -> bytes:
        parts = [body[i : i + 40_000] for i in range(0, len(body), 40_000)]
        return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"

    for body in (padded(limit + 1), padded(limit) + b" ", padded(limit) + b"x" * 10_000):
        over = deliver(backend_url, chunks(body), chunked)
        assert (over.status, over.code) == (413, "payload_too_large") and over.well_formed()
    assert (answer := deliver(backend_url, chunks(padded(limit - 1)), chunked)).code == "ignored", answer.body


def test_other_methods_are_a_405(backend_url: str, hook_secret: str) -> None:
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        answer = deliver(backend_url, b"", [("Authorization", basic(HOOK_USER, hook_secret))], method)
        assert (answer.status, answer.code) == (405, "method_not_allowed") and answer.well_formed()


# -- one event, delivered again -------------------------------------------------------------------


def _post_all(backend_url: str, bodies: list[bytes], hook_secret: str) -> list[Answer]:
    """Deliver every body at once (threads released together)."""
    start = threading.Barrier(len(bodies))
    headers: Headers = [("Authorization", basic(HOOK_USER, hook_secret)), ("Content-Type", JSON)]

    def send(body: bytes) -> Answer:
        start.wait(timeout=30)
        return deliver(backend_url, body, headers)

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


def _sync_rows(app: Flask) -> list[dict[str, Any]]:
    return [row for row in outbox(app) if row["kind"] == "sync_work_item"]


def test_the_same_event_delivered_eight_times_at_once_is_queued_once(
    linked: dict[str, Any], backend_url: str, backend_app: Flask, hook_secret: str, worker: OutboxWorker,
    intake_key: str, caplog: pytest.LogCaptureFixture,
) -> None:
    event = event_for(linked["workItem"]["id"])
    answers = _post_all(backend_url, [encode(event)] * 8, hook_secret)
    assert sorted((a.status, a.code) for a in answers) == [(200, "duplicate")] * 7 + [(202, "accepted")]
    assert {a.body["eventId"] for a in answers} == {event["id"]}
    assert len(_sync_rows(backend_app)) == 1 and len(hook_events(backend_app)) == 1
    with caplog.at_level(logging.WARNING):
        assert worker.run_once() == 1
    assert not crashes(caplog)
    assert read_report(backend_url, intake_key, linked["id"])["status"] == "linked"


Spell = Callable[[str], str]
SPELLINGS: list[tuple[str, Spell]] = [
    ("as sent", lambda i: i),
    ("in capitals", str.upper),
    ("in mixed case", lambda i: i[:8].upper() + i[8:]),
]
NOT_IDS: list[tuple[str, Spell]] = [
    ("with spaces around", lambda i: f" {i} "),
    ("with a tab and a newline", lambda i: f"\t{i}\n"),
]


def test_event_ids_differing_only_in_case_are_one_event_and_white_space_makes_no_id(
    linked: dict[str, Any], backend_url: str, backend_app: Flask, hook_secret: str,
) -> None:
    event = event_for(linked["workItem"]["id"])
    headers: Headers = [("Authorization", basic(HOOK_USER, hook_secret)), ("Content-Type", JSON)]
    bodies = [encode({**event, "id": spell(event["id"])}) for _, spell in SPELLINGS + NOT_IDS]
    answers = [deliver(backend_url, body, headers) for body in bodies]
    assert [(a.status, a.code) for a in answers] == (
        [(202, "accepted")] + [(200, "duplicate")] * 2 + [(400, "event_rejected")] * 2
    )
    assert {a.body["eventId"] for a in answers[:3]} == {event["id"]}  # the one spelling (lower-case)
    assert len(_sync_rows(backend_app)) == 1
    assert [row["event_id"] for row in hook_events(backend_app)] == [event["id"]]


def test_spellings_of_one_event_id_delivered_at_once_are_queued_once(
    linked: dict[str, Any], backend_url: str, backend_app: Flask, hook_secret: str,
) -> None:
    event = event_for(linked["workItem"]["id"])
    bodies = [encode({**event, "id": spell(event["id"])}) for _, spell in SPELLINGS for _ in range(2)]
    answers = _post_all(backend_url, bodies, hook_secret)
    assert sorted(a.code for a in answers) == ["accepted"] + ["duplicate"] * (len(bodies) - 1)
    assert len(_sync_rows(backend_app)) == 1 and len(hook_events(backend_app)) == 1


def test_an_event_id_seen_for_an_unlinked_item_stays_seen(
    linked: dict[str, Any], backend_url: str, backend_app: Flask, hook_secret: str,
) -> None:
    """A redelivery is the same event: its id is not a second chance to name another item."""
    event = event_for(987654)
    headers: Headers = [("Authorization", basic(HOOK_USER, hook_secret)), ("Content-Type", JSON)]
    assert deliver(backend_url, encode(event), headers).code == "ignored"
    retargeted = edit(event, "resource.workItemId", linked["workItem"]["id"])
    assert (answer := deliver(backend_url, encode(retargeted), headers)).code == "duplicate", answer.body
    assert _sync_rows(backend_app) == []


def test_payload_claims_never_move_a_report_and_azure_devops_still_does(
    linked: dict[str, Any], backend_url: str, backend_app: Flask, hook_secret: str, worker: OutboxWorker,
    intake_key: str, caplog: pytest.LogCaptureFixture,
) -> None:
    wid = linked["workItem"]["id"]
    headers: Headers = [("Authorization", basic(HOOK_USER, hook_secret)), ("Content-Type", JSON)]
    claims = [
        edit(event_for(wid), "resource.fields", {"System.State": {"oldValue": "New", "newValue": "Closed"}}),
        edit(event_for(wid), "resource.revision", {"id": wid, "fields": {"System.State": "Done"}}),
        event_for(wid, "workitem.deleted"),  # the item is not deleted
        edit(event_for(wid), "resource.workItemId", float(wid)),
    ]
    for claim in claims:
        assert deliver(backend_url, encode(claim), headers).code == "accepted"
    with caplog.at_level(logging.WARNING):
        assert worker.run_once() == len(claims)
    assert not crashes(caplog)
    report = read_report(backend_url, intake_key, linked["id"])
    assert report["status"] == "linked" and report["workItem"]["state"] == "New"
    with get_storage(backend_app).snapshot() as tx:
        cached = tx.query("SELECT state FROM work_items WHERE work_item_id = :w", {"w": wid})
    assert cached == [{"state": "New"}]
