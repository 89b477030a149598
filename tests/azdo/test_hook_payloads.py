"""Hostile service-hook payloads over real HTTP: every field the receiver reads, in every JSON type.

Each probe is one delivery with valid Basic credentials and an answer it must get: a 2xx for an event
that is safe to take (or to ignore), a 4xx in the one error shape with a stable code for a malformed
one, never a 5xx. After the sweep the worker runs the rows the accepted ones queued: none crashes or
fails for good, and the linked report keeps the state Azure DevOps has (New), whatever the payloads
claimed. `pytest -rP` prints every probe with its answer.
"""


from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from backend.inputs import MAX_JSON_DEPTH
from backend.outbox.worker import OutboxWorker

from .hook_wire import (
    ABSENT,
    HOOK_USER,
    JSON,
    Headers,
    basic,
    crashes,
    deliver,
    edit,
    encode,
    event_for,
)
from .support import ORG_ID, PROJECT_ID
from .test_outbox import outbox, read_report

# -- the probes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One delivery and the answer it must get: (status, error code or acknowledgement status)."""

    name: str
    body: bytes
    status: int
    code: str
    content_type: str | None = JSON


ACCEPTED, IGNORED = (202, "accepted"), (202, "ignored")
REJECTED, INVALID = (400, "event_rejected"), (400, "validation_failed")
UNKNOWN, UNSUPPORTED = (403, "unknown_source"), (415, "unsupported_media_type")
# Every JSON type (and absence) a field can take, none of them a value the field may have; `ABSENT`
# drops the field. Strings that are well-formed ids (an event id "x", an unknown project "x") are below.
ODD_TYPES: list[tuple[str, Any]] = [
    ("absent", ABSENT), ("null", None), ("true", True), ("false", False), ("0", 0), ("-5", -5),
    ("1.5", 1.5), ("empty string", ""), ("list", []), ("list of the value", ["x"]), ("object", {}),
]


def _probes(wid: int) -> Iterator[Probe]:
    """Every probe for a linked work item `wid`, each event with an id of its own."""

    def probe(name: str, event: Any, answer: tuple[int, str], content_type: str | None = JSON) -> Probe:
        return Probe(name, encode(event), *answer, content_type)

    def raw(name: str, body: bytes, answer: tuple[int, str]) -> Probe:
        return Probe(name, body, *answer)

    def changed(path: str, value: Any, event_type: str = "workitem.updated") -> dict[str, Any]:
        return edit(event_for(wid, event_type), path, value)

    def swapped(old: bytes, new: bytes) -> bytes:
        """A fresh event's text with `old` (once in it) replaced."""
        text = encode(event_for(wid))
        assert text.count(old) == 1, old
        return text.replace(old, new)

    def added(member: bytes) -> bytes:
        """A fresh event's text with one more member (`"name": value`) at its end."""
        return encode(event_for(wid))[:-1] + b", " + member + b"}"

    # The envelope: id, eventType and publisherId in every type, in odd case and spacing.
    for label, value in ODD_TYPES:
        for name in ("id", "eventType", "publisherId"):
            yield probe(f"{name} {label}", changed(name, value), REJECTED)
    for event_type in ("WorkItem.Updated", " workitem.updated", "workitem.updated ", "workitem.updated\n",
                       "workitem.created", "workitem.commented", "git.push"):
        yield probe(f"eventType {event_type!r}", changed("eventType", event_type), REJECTED)
    for publisher in ("TFS", " tfs", "tfs ", "tfs\u200b", "rm"):
        yield probe(f"publisherId {publisher!r}", changed("publisherId", publisher), REJECTED)
    for event_id in ("x" * 65, "x" * 201, "x" * 60_000):  # ids have at most 64 characters
        yield probe(f"id of {len(event_id)} characters", changed("id", event_id), REJECTED)
    braced = "{" + str(uuid.uuid4()) + "}"
    for event_id in (" ", "\t", "a b", "a\nb", "\u202eabc", "../etc", braced, "\u0131d", "\uff41"):
        yield probe(f"id {event_id!r}", changed("id", event_id), REJECTED)
    yield probe("id in capitals", changed("id", str(uuid.uuid4()).upper()), ACCEPTED)
    yield probe("id with spaces around", changed("id", f"  {uuid.uuid4()}\t"), REJECTED)
    yield probe("id a short one", changed("id", f"e-{uuid.uuid4().hex[:8]}"), ACCEPTED)

    # The work item: resource.workItemId of an update, resource.id of a delete or restore.
    for label, value in ODD_TYPES:
        yield probe(f"resource {label}", changed("resource", value), REJECTED)
        yield probe(f"resource.workItemId {label}", changed("resource.workItemId", value), REJECTED)
        deleted = changed("resource.id", value, "workitem.deleted")
        yield probe(f"deleted resource.id {label}", deleted, REJECTED)
    for value in ("x", str(wid), f" {wid}", -wid, 2**31, 2**31 - 1.5, [wid], {"id": wid}):
        yield probe(f"resource.workItemId {value!r}", changed("resource.workItemId", value), REJECTED)
    yield probe("resource.workItemId 2**63", changed("resource.workItemId", 2**63), INVALID)
    yield probe("resource.workItemId -2**63-1", changed("resource.workItemId", -(2**63) - 1), INVALID)
    yield probe("resource.workItemId 2**63-1", changed("resource.workItemId", 2**63 - 1), REJECTED)
    yield probe("resource.workItemId 2**31-1 (linked to nothing)", changed("resource.workItemId", 2**31 - 1),
                IGNORED)
    yield probe("resource.workItemId 1.0 (an integer, as in JSON Schema)",
                changed("resource.workItemId", float(wid)), ACCEPTED)
    # An update names its item in workItemId only (its resource.id is the update's) ...
    yield probe("update with resource.id only", changed("resource.workItemId", ABSENT), REJECTED)
    # ... a delete or restore in resource.id only.
    for event_type in ("workitem.deleted", "workitem.restored"):
        by_work_item_id = edit(changed("resource.id", ABSENT, event_type), "resource.workItemId", wid)
        yield probe(f"{event_type} with workItemId only", by_work_item_id, REJECTED)
        yield probe(f"{event_type} of the linked item (it is neither)", event_for(wid, event_type), ACCEPTED)

    # What the receiver does not read: any type is taken, none of it believed (the worker re-reads).
    closed = {"System.State": {"oldValue": "New", "newValue": "Closed"}}
    untrusted: list[tuple[str, Any]] = [
        ("resource.revision", [1, 2]),
        ("resource.revision", {"id": wid, "rev": 9, "fields": {"System.State": "Closed"}}),
        ("resource.fields", ["System.State"]), ("resource.fields", "System.State"),
        ("resource.fields", {"System.State": 5}), ("resource.fields", {"System.State": {"newValue": 5}}),
        ("resource.fields", closed), ("resource.rev", [3]), ("resourceVersion", 1.0), ("message", ["x"]),
        ("scope", {"all": True}), ("createdDate", 0),
    ]
    for path, value in untrusted:
        yield probe(f"{path} {json.dumps(value)}", changed(path, value), ACCEPTED)

    # The containers: the organization (the collection's id, else the account's) and the project.
    def project_id(value: Any) -> dict[str, Any]:
        return changed("resourceContainers.project.id", value)

    def org_id(value: Any) -> dict[str, Any]:  # the collection's id, the account dropped
        return edit(changed("resourceContainers.collection.id", value), "resourceContainers.account", ABSENT)

    for label, value in [*ODD_TYPES, ("a string", "x")]:
        yield probe(f"resourceContainers {label}", changed("resourceContainers", value), REJECTED)
        yield probe(f"project {label}", changed("resourceContainers.project", value), REJECTED)
        neither = edit(changed("resourceContainers.collection", value), "resourceContainers.account", value)
        yield probe(f"collection and account {label}", neither, REJECTED)
    for label, value in ODD_TYPES:
        yield probe(f"project.id {label}", project_id(value), REJECTED)
        yield probe(f"collection.id {label}", org_id(value), REJECTED)
    malformed = ("a b", "../x", "x" * 65, f"{PROJECT_ID}/x", f"{PROJECT_ID};", "\u0131d", f"{{{PROJECT_ID}}}")
    for value in malformed:
        yield probe(f"project.id {value!r:.40}", project_id(value), REJECTED)
        yield probe(f"collection.id {value!r:.40}", org_id(value), REJECTED)
    # An id in other capitals is the same id; one with white space around it is no id (the document's
    # pattern has none), as in a URL's path.
    spellings: list[tuple[str, Callable[[str], str], tuple[int, str]]] = [
        ("in capitals", str.upper, ACCEPTED),
        ("with spaces around", lambda i: f" {i} ", REJECTED),
        ("and a newline", lambda i: i + "\n", REJECTED),
    ]
    for label, spell, answer in spellings:
        yield probe(f"project.id {label}", project_id(spell(PROJECT_ID)), answer)
        yield probe(f"collection.id {label}", org_id(spell(ORG_ID)), answer)
    for label, unknown in (("a GUID", str(uuid.uuid4())), ("a short id", "x")):
        yield probe(f"project.id unknown, {label}", project_id(unknown), UNKNOWN)
        yield probe(f"collection.id unknown, {label}", org_id(unknown), UNKNOWN)
    # The collection's id decides; one that is no id at all falls back to the account's.
    unknown_collection = changed("resourceContainers.collection.id", str(uuid.uuid4()))
    yield probe("collection.id unknown, account.id known", unknown_collection, UNKNOWN)
    malformed_collection = changed("resourceContainers.collection.id", "a b")
    yield probe("collection.id malformed, account.id known", malformed_collection, ACCEPTED)
    no_collection = changed("resourceContainers.collection", ABSENT)
    yield probe("collection absent, account.id known", no_collection, ACCEPTED)

    # JSON that Python's json module reads and JSON does not, or reads otherwise.
    work_item_id = f'"workItemId": {wid}'.encode()

    def rev(number: bytes) -> bytes:
        return swapped(b'"rev": 3', b'"rev": ' + number)

    def item(number: bytes) -> bytes:
        return swapped(work_item_id, b'"workItemId": ' + number)

    for constant in ("NaN", "Infinity", "-Infinity"):
        yield raw(f"{constant} in a field not read", rev(constant.encode()), REJECTED)
        yield raw(f"{constant} as workItemId", item(constant.encode()), REJECTED)
    for number in ("1e400", "-1e400", "1e-400"):  # out of a double's range: inf, -inf, 0.0
        yield raw(f"{number} in a field not read", rev(number.encode()), ACCEPTED)
        yield raw(f"{number} as workItemId", item(number.encode()), REJECTED)
    yield raw("a 5,000-digit integer", added(b'"n": ' + b"9" * 5000), REJECTED)
    yield raw("2**64 in a field not read", added(b'"n": %d' % 2**64), INVALID)
    # Names repeated in one object: json keeps the last, other readers the first; the edge takes neither.
    yield raw("id twice", added(f'"id": "{uuid.uuid4()}"'.encode()), INVALID)
    first = b'{"eventType": "git.push", ' + encode(event_for(wid))[1:]
    yield raw("eventType twice (the last allowed)", first, INVALID)
    yield raw("eventType twice (the first allowed)", added(b'"eventType": "git.push"'), INVALID)
    yield raw("workItemId twice", swapped(work_item_id, work_item_id + b', "workItemId": 987654'), INVALID)
    yield raw("project twice", swapped(b'"project": {', b'"project": {"id": "p-x"}, "project": {'), INVALID)
    yield raw("a name twice in an object not read", added(b'"message": {"text": "a", "text": "b"}'), INVALID)
    yield probe("one name in two objects", changed("message", {"id": 1}), ACCEPTED)
    # Encodings (RFC 8259 asks for UTF-8 and lets a reader ignore a BOM). The edge's JSON reader
    # (backend/inputs.py) detects UTF-16 and UTF-32 as json.loads does, for every body, this one too.
    yield raw("UTF-8 with a BOM", b"\xef\xbb\xbf" + encode(event_for(wid)), ACCEPTED)
    for codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"):
        yield raw(codec.upper(), json.dumps(event_for(wid)).encode(codec), ACCEPTED)
    text = json.dumps(changed("message", {"text": "Caf\u00e9"}), ensure_ascii=False)
    yield raw("Latin-1 bytes (no UTF-8)", text.encode("latin-1"), REJECTED)
    yield raw("a BOM alone", b"\xef\xbb\xbf", REJECTED)
    # No charset parameter is defined for application/json (RFC 8259 section 11): one given changes nothing.
    for content_type in ("application/json; charset=utf-8", "application/json;charset=UTF-8",
                         "application/json; charset=latin-1", "application/json; charset=utf-16",
                         "application/json; charset=", "APPLICATION/JSON", "application/json ; x=y"):
        yield probe(f"content type {content_type!r}", event_for(wid), ACCEPTED, content_type)
    for content_type in ("application/json, application/json", "application/json-patch+json",
                         "application/cloudevents+json", "text/json", ""):
        yield probe(f"content type {content_type!r}", event_for(wid), UNSUPPORTED, content_type)
    # Nesting: at most MAX_JSON_DEPTH levels, the event object being the first.
    for inner in (MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH):
        nested = b"[" * inner + b"]" * inner
        answer = ACCEPTED if inner < MAX_JSON_DEPTH else INVALID
        yield raw(f"{inner + 1} levels", added(b'"x": ' + nested), answer)
    for depth in (1_000, 10_000):
        yield raw(f"{depth} levels of arrays", added(b'"x": ' + b"[" * depth + b"]" * depth), INVALID)
        objects = b'{"a":' * depth + b"1" + b"}" * depth
        yield raw(f"{depth} levels of objects", added(b'"x": ' + objects), INVALID)
    yield raw("10,000 levels as the whole body", b"[" * 10_000 + b"]" * 10_000, INVALID)
    # Bodies that are no event object.
    for blob in (b"[]", b"true", b"false", b"null", b"0", b"-1.5e3", b'"workitem.updated"', b"{}"):
        yield raw(f"body {blob.decode()}", blob, REJECTED)
    yield probe("an array holding the event", [event_for(wid)], REJECTED)
    yield probe("a string holding the event", json.dumps(event_for(wid)), REJECTED)
    broken = [(b"", "empty"), (b"   ", "spaces"), (b"\x00", "NUL"), (b"{", "cut short"),
              (encode(event_for(wid)) + b"x", "trailing bytes"), (encode(event_for(wid)) * 2, "two events"),
              (swapped(b'"tfs"', b"'tfs'"), "single quotes"), (added(b'"x": 1,'), "a trailing comma")]
    for blob, label in broken:
        yield raw(f"body {label}", blob, REJECTED)


def test_every_hostile_payload_gets_a_stable_answer_and_moves_nothing(
    linked: dict[str, Any],
    backend_url: str,
    backend_app: Flask,
    hook_secret: str,
    worker: OutboxWorker,
    intake_key: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wid = int(linked["workItem"]["id"])
    probes = list(_probes(wid))
    wrong: list[str] = []
    for probe in probes:
        headers: Headers = [("Authorization", basic(HOOK_USER, hook_secret))]
        if probe.content_type is not None:
            headers.append(("Content-Type", probe.content_type))
        answer = deliver(backend_url, probe.body, headers)
        print(f"{probe.name}: {answer.status} {answer.code}")
        if (answer.status, answer.code) != (probe.status, probe.code) or not answer.well_formed():
            wanted = f"{probe.status} {probe.code}"
            wrong.append(f"{probe.name}: expected {wanted}, got {answer.status} {answer.body!r:.300}")
    accepted = sum(1 for probe in probes if probe.code == "accepted")
    with caplog.at_level(logging.WARNING):
        worker.run_once()
    rows = [row for row in outbox(backend_app) if row["kind"] == "sync_work_item"]
    with capsys.disabled():
        print(f"\n[hook payloads] {len(probes)} probes, {len(wrong)} wrong; {len(rows)} rows queued")
    assert not wrong, "\n".join(wrong)
    assert not crashes(caplog)
    assert len(rows) == accepted and {row["status"] for row in rows} == {"done"}
    # The payloads claimed Closed, a deletion, states of every type: the report follows Azure DevOps only.
    after = read_report(backend_url, intake_key, linked["id"])
    assert after["status"] == "linked" and after["workItem"]["state"] == "New"
