"""An empty value is no value of an enumerated or integer query parameter: `?sort=` is refused as
`?status=` and `?limit=` are, on every documented route (schemathesis found `?sort=` answered 200).
Free text (`q`) and the opaque cursor may be empty: the document allows it, and it means "none"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from .conftest import TENANT_A


def constrained_query_parameters(spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(path, parameter) for every GET query parameter the document constrains to an enum or an integer."""
    for path, operations in spec["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter["in"] == "query" and ("enum" in schema or schema.get("type") == "integer"):
                yield path, parameter["name"]


def test_an_empty_enum_or_integer_query_value_is_a_400_naming_it(
    client: FlaskClient, ui_headers: Callable[..., dict[str, str]], submit: Callable[..., dict[str, Any]]
) -> None:
    report = submit()
    ids = {"pid": TENANT_A.project_id, "gid": report["groupId"], "rid": report["id"], "wid": "7"}
    spec = client.get("/api/v1/openapi.json").get_json()
    checked = []
    for path, name in constrained_query_parameters(spec):
        url = path.format(**ids) + f"?{name}="
        response = client.get(url, headers=ui_headers())
        assert response.status_code == 400, (url, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed" and name in error["message"], (url, error)
        checked.append((path, name))
    assert len(checked) >= 8 and ("/api/v1/projects/{pid}/groups", "sort") in checked


@pytest.mark.parametrize("query", ["q=", "cursor=", "q=&cursor="])
def test_empty_free_text_and_cursor_mean_none(
    client: FlaskClient,
    ui_headers: Callable[..., dict[str, str]],
    submit: Callable[..., dict[str, Any]],
    query: str,
) -> None:
    report = submit()
    for path in ("reports", "groups"):
        response = client.get(f"/api/v1/projects/{TENANT_A.project_id}/{path}?{query}", headers=ui_headers())
        assert response.status_code == 200
        assert [item["id"] for item in response.get_json()["items"]] == [
            report["id"] if path == "reports" else report["groupId"]
        ]
