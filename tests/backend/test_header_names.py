"""Names in headers: the extension sends the organization's and the project's names percent-encoded
(UTF-8), since a browser's header value is Latin-1 and Azure DevOps project names are Unicode. The
backend stores the names decoded, reads a value without escapes as sent, and refuses what is not text."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend import errors
from backend.auth.organizations import ORG_NAME_HEADER, PROJECT_NAME_HEADER
from backend.inputs import HEADER_TEXT_PATTERN, header_text
from backend.storage import Storage

from .conftest import TENANT_B

Headers = Callable[..., dict[str, str]]
BASE = f"/api/v1/projects/{TENANT_B.project_id}"
NAMES = ["販売 ストア 🛒", "Витрина", "Café", "100% done + a/b", "  Spaced  "]


def stored_names(storage: Storage) -> tuple[str, str]:
    with storage.snapshot() as tx:
        org = tx.query_one("SELECT name FROM organizations WHERE id = :id", {"id": TENANT_B.org_id})
        project = tx.query_one("SELECT name FROM projects WHERE id = :id", {"id": TENANT_B.project_id})
    assert org is not None and project is not None
    return org["name"], project["name"]


@pytest.mark.parametrize("name", NAMES)
def test_percent_encoded_names_are_stored_decoded(
    client: FlaskClient, ui_headers: Headers, storage: Storage, name: str
) -> None:
    encoded = quote(name, safe="")
    headers = {**ui_headers(TENANT_B), ORG_NAME_HEADER: encoded, PROJECT_NAME_HEADER: encoded}
    assert client.get(f"{BASE}/reports", headers=headers).status_code == 200
    assert stored_names(storage) == (name.strip(), name.strip())


def test_a_name_without_escapes_reads_as_sent(
    client: FlaskClient, ui_headers: Headers, storage: Storage
) -> None:
    """Older extension versions and scripts send the name as it is (Latin-1 to the server)."""
    headers = {**ui_headers(TENANT_B), ORG_NAME_HEADER: "fabrikam", PROJECT_NAME_HEADER: "Café Storefront"}
    assert client.get(f"{BASE}/reports", headers=headers).status_code == 200
    assert stored_names(storage) == ("fabrikam", "Café Storefront")


@pytest.mark.parametrize("header", [ORG_NAME_HEADER, PROJECT_NAME_HEADER])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("%E9t%E9", "must be percent-encoded UTF-8"),  # Latin-1 bytes, escaped
        ("%ED%A0%80", "must be percent-encoded UTF-8"),  # a surrogate, as UTF-8 would write one
        ("%FF", "must be percent-encoded UTF-8"),
        ("a%00b", "must not contain NUL characters"),
    ],
)
def test_a_header_name_that_is_not_text_is_a_400_naming_it(
    client: FlaskClient, ui_headers: Headers, storage: Storage, header: str, value: str, problem: str
) -> None:
    response = client.get(f"{BASE}/reports", headers={**ui_headers(TENANT_B), header: value})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert header in error["message"] and problem in error["message"]
    with storage.snapshot() as tx:
        assert tx.query_one("SELECT 1 AS n FROM projects WHERE id = :id", {"id": TENANT_B.project_id}) is None


# Values built from what matters to the decoder: escapes of every byte class, lone '%', hex digits,
# ASCII and Latin-1 letters (a browser's header bytes), so runs of escapes of every shape occur.
_PIECES = st.one_of(
    st.integers(0, 255).map(lambda byte: f"%{byte:02X}"),
    st.integers(0, 255).map(lambda byte: f"%{byte:02x}"),
    st.sampled_from(["%", "%4", "%g0", "a", "F", "0", " ", "é", "ÿ", "+", "/"]),
)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=8).map("".join))
def test_the_documented_pattern_accepts_exactly_what_the_backend_accepts(value: str) -> None:
    """The OpenAPI document's pattern for the two name headers (inputs.HEADER_TEXT_PATTERN) and the
    decoder (inputs.header_text) agree on every value: a schema-valid request is never refused for its
    name (schemathesis found "%00" did), and nothing the backend refuses is documented as valid."""
    documented = re.fullmatch(HEADER_TEXT_PATTERN, value) is not None
    try:
        header_text(value, PROJECT_NAME_HEADER)
        accepted = True
    except errors.ValidationFailed:
        accepted = False
    assert documented == accepted, value


def test_the_served_document_states_the_pattern_for_both_name_headers(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    patterns = {
        parameter["name"]: parameter["schema"].get("pattern")
        for path in document["paths"].values() for operation in path.values() if isinstance(operation, dict)
        for parameter in operation.get("parameters", []) if parameter.get("in") == "header"
    }
    assert patterns[ORG_NAME_HEADER] == patterns[PROJECT_NAME_HEADER] == HEADER_TEXT_PATTERN
