"""Checking a work item before linking: found and cached, missing, or Azure DevOps refusing us."""

from __future__ import annotations

import pytest
from flask import Flask

from backend import errors
from backend.app_state import get_storage
from backend.azdo.linking import check_work_item
from backend.devtools.ado_emulator.state import EmulatorState

from .support import ORG_ID, PROJECT_ID, PROJECT_NAME

TITLE = [{"op": "add", "path": "/fields/System.Title", "value": "Existing bug"}]


def test_existing_item_is_returned_and_cached(
    backend_app: Flask, intake_key: str, emulator_state: EmulatorState
) -> None:
    item_id = emulator_state.create(PROJECT_NAME, "Bug", TITLE, "http://x")["id"]
    with backend_app.test_request_context():
        item = check_work_item(ORG_ID, PROJECT_ID, item_id)
    assert (item.id, item.title, item.state) == (item_id, "Existing bug", "New")
    with get_storage(backend_app).snapshot() as tx:
        row = tx.query_one("SELECT title, state FROM work_items WHERE work_item_id = :id", {"id": item_id})
    assert row == {"title": "Existing bug", "state": "New"}


def test_item_of_another_project_or_unknown_is_not_found(
    backend_app: Flask, intake_key: str, emulator_state: EmulatorState
) -> None:
    other = emulator_state.add_project("Other")
    foreign = emulator_state.create("Other", "Bug", TITLE, "http://x")["id"]
    assert emulator_state.work_items[foreign]["projectId"] == other
    with backend_app.test_request_context():
        for item_id in (foreign, 777_777):
            with pytest.raises(errors.NotFound) as caught:
                check_work_item(ORG_ID, PROJECT_ID, item_id)
            assert caught.value.code == "work_item_not_found" and caught.value.status == 404


def test_refused_credentials_are_a_502_with_the_azure_devops_code(
    backend_app: Flask, intake_key: str, emulator_state: EmulatorState
) -> None:
    emulator_state.pat = "someone-rotated-it"
    with backend_app.test_request_context(), pytest.raises(errors.AppError) as caught:
        check_work_item(ORG_ID, PROJECT_ID, 1)
    assert caught.value.status == 502 and caught.value.code == "azure_devops_auth_failed"
