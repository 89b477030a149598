"""Schemathesis over the served OpenAPI document, once per auth kind, every check on (issue 11).

The app runs on a real loopback HTTP server; schemathesis loads `/api/v1/openapi.json` from it and
sends positive and negative cases for every operation with each kind of credential: an extension
app token (with the organization headers), an intake key, the service hook's Basic credentials, and
none. Any failed check - a 5xx, a status or body the document does not describe, a valid request
refused or an invalid one accepted - fails the test with the case to replay.

Bounded and deterministic: a fixed seed (REPORT_BRIDGE_FUZZ_SEED, default below) with
REPORT_BRIDGE_FUZZ_EXAMPLES cases per operation and mode, plus a smaller budget from a random seed
that is printed, so a failure it finds can be replayed with REPORT_BRIDGE_FUZZ_SEED.
"""

from __future__ import annotations

import base64
import os
import random
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from werkzeug.serving import make_server

from backend import errors
from backend.app_state import get_storage
from backend.auth import intake_keys
from backend.auth.organizations import bind_organization
from backend.reports import groups, queries, service

from .conftest import TENANT_A

FIXED_SEED = int(os.environ.get("REPORT_BRIDGE_FUZZ_SEED", "20261202"))
EXAMPLES = int(os.environ.get("REPORT_BRIDGE_FUZZ_EXAMPLES", "12"))
RANDOM_EXAMPLES = max(1, EXAMPLES // 3)
AUTH_KINDS = ("appToken", "intakeKey", "webhookBasic", "none")
HOOK_USER = "azure-devops"

# A cursor is opaque (the previous page's nextCursor); valid ones are what encode_cursor makes.
schemathesis.openapi.format("report-bridge-cursor", st.builds(
    queries.encode_cursor,
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
    st.from_regex(r"r_[0-9a-f]{20}", fullmatch=True),
))
# A group list cursor belongs to one sort order (the document says so; a schema cannot): generated as a
# "newest" cursor, and re-encoded for the case's own sort order in `_cursor_of_the_same_order`.
schemathesis.openapi.format("report-bridge-group-cursor", st.builds(
    lambda moment, group_id: groups.encode_cursor("newest", {"last_reported_at": moment, "id": group_id}),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
    st.from_regex(r"g_[0-9a-f]{20}", fullmatch=True),
))


def _cursor_of_the_same_order(case: Any) -> None:
    """Give a generated "newest" group cursor the case's sort order (a valid cursor stays valid)."""
    query = case.query or {}
    sort, cursor = query.get("sort", "newest"), query.get("cursor")
    # Negative cases may send a list or a number for either: only a valid pair is re-encoded.
    if not (case.path.endswith("/groups") and isinstance(cursor, str) and isinstance(sort, str)
            and sort in groups.SORTS):
        return
    try:
        moment, group_id = groups.decode_cursor(cursor, "newest")
    except errors.ValidationFailed:
        return  # not a valid cursor to begin with: left as generated
    row = {"last_reported_at": moment, "id": group_id, "customer_count": 1, "severity_rank": 2}
    query["cursor"] = groups.encode_cursor(sort, row)


@dataclass
class Tally:
    """Cases sent and failures seen, per auth kind."""

    cases: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AUTH_KINDS, 0))
    failures: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in AUTH_KINDS})


@pytest.fixture(scope="module")
def tally() -> Tally:
    return Tally()


@pytest.fixture
def served(
    make_app: Callable[..., Flask], make_token: Callable[..., str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The app on a loopback port, and the headers of each auth kind."""
    hook_secret = secrets.token_urlsafe(24)
    app = make_app(webhook_secret=hook_secret, webhook_username=HOOK_USER, intake_rate_limit=0)
    with get_storage(app).transaction() as tx:
        bind_organization(tx, TENANT_A.org_id, TENANT_A.org_name, TENANT_A.tenant_id)
        service.ensure_project(tx, TENANT_A.org_id, TENANT_A.project_id)
        _, intake_key = intake_keys.create_key(
            tx, org_id=TENANT_A.org_id, project_id=TENANT_A.project_id, name="f"
        )
    basic = base64.b64encode(f"{HOOK_USER}:{hook_secret}".encode()).decode()
    auth: dict[str, dict[str, str]] = {
        # The organization headers are documented parameters: schemathesis generates them (valid and not).
        "appToken": {"Authorization": f"Bearer {make_token(TENANT_A)}"},
        "intakeKey": {"Authorization": f"Bearer {intake_key}"},
        "webhookBasic": {"Authorization": f"Basic {basic}"},
        "none": {},
    }
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", auth
    server.shutdown()
    thread.join(timeout=10)


def _run(operation: Any, mode: schemathesis.GenerationMode, run_seed: int, examples: int,
         send: Callable[[Any], None]) -> None:
    @hypothesis_seed(run_seed)
    @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        send(data.draw(operation.as_strategy(generation_mode=mode)))

    fuzz()


def _assert_every_check_is_on(schema: Any) -> None:
    """call_and_validate runs the checks the config enables: make sure that is all of them."""
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    operation: Any = next(iter(schema.get_all_operations())).ok()
    config = schema.config.checks_config_for(operation=operation, phase="fuzzing")
    names = CHECKS.get_all_names()
    assert len(names) >= 14 and not [name for name in names if not config.get_by_name(name=name).enabled]


@pytest.mark.slow
@pytest.mark.parametrize("kind", AUTH_KINDS)
def test_the_served_document_agrees_with_the_server(
    kind: str, served: tuple[str, dict[str, Any]], tally: Tally, capsys: pytest.CaptureFixture[str]
) -> None:
    base_url, auth = served
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    _assert_every_check_is_on(schema)
    credential = auth[kind].get("Authorization")
    random_seed = random.SystemRandom().randrange(2**32)

    def send(case: Any) -> None:
        # Schemathesis generates an Authorization header for the operation's security scheme (and a
        # negative case may leave it out on purpose): put the real credential in its place, never add
        # one it left out; for "none", send none at all.
        if case.headers and "Authorization" in case.headers:
            if credential is None:
                del case.headers["Authorization"]
            else:
                case.headers["Authorization"] = credential
        _cursor_of_the_same_order(case)
        tally.cases[kind] += 1
        try:
            case.call_and_validate(base_url=base_url, timeout=30)
        except (Exception, BaseExceptionGroup) as exc:  # a failed check (FailureGroup), with its replay
            tally.failures[kind].append(f"{case.operation.label}: {exc}"[:3000])

    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err would raise: the document is broken
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _run(operation, mode, FIXED_SEED, EXAMPLES, send)
            _run(operation, mode, random_seed, RANDOM_EXAMPLES, send)
    with capsys.disabled():
        print(f"\n[schemathesis] {kind}: {tally.cases[kind]} cases, {len(tally.failures[kind])} failures "
              f"(seeds {FIXED_SEED} and random {random_seed})")
    assert not tally.failures[kind], "\n\n".join(tally.failures[kind][:10])
