"""The local host's side of the protocol, driven with raw XDM messages from inside a contribution frame.

The contributions only use part of the work item form service; these tests call the rest the way any
extension's SDK would (JSON-string messages to window.parent, proxies as `proxyN` on `__proxyFunctions`).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from playwright.sync_api import Frame, Page, expect

from .support import Stack, events, open_host, wait_event

pytestmark = pytest.mark.browser
FORM_SERVICE = "ms.vss-work-web.work-item-form"
SERVICE_METHODS = {
    "getId", "getRevision", "getFields", "getFieldValue", "getIdentityFieldValue", "getFieldValues",
    "setFieldValue", "setFieldValues", "getAllowedFieldValues", "isDirty", "isNew", "isValid", "setError",
    "clearError", "save", "refresh", "reset", "getInvalidFields", "getDirtyFields", "addWorkItemRelations",
    "removeWorkItemRelations", "getWorkItemRelations", "getWorkItemResourceUrl", "getWorkItemRelationTypes",
    "hasActiveWorkItem", "beginSaveWorkItem",
}  # fmt: skip
SEND = """([message]) => new Promise((resolve) => {
    const onMessage = (event) => {
        let data;
        try { data = JSON.parse(event.data); } catch { return; }
        if (data.id !== message.id || data.instanceId) return;
        window.removeEventListener("message", onMessage);
        resolve(data);
    };
    window.addEventListener("message", onMessage);
    window.parent.postMessage(JSON.stringify(message), "*");
})"""


class RawXdm:
    """Send requests to the host from a frame, with ids far above the SDK's own."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.ids = itertools.count(100_000)

    def call(self, instance_id: str, method: str, *params: Any) -> dict[str, Any]:
        message = {
            "id": next(self.ids),
            "methodName": method,
            "instanceId": instance_id,
            "params": list(params),
        }
        reply: dict[str, Any] = self.frame.evaluate(SEND, [message])
        return reply

    def service(self, service_id: str) -> dict[str, Any]:
        reply = self.call("DevOps.ServiceManager", "getService", service_id)
        assert "error" not in reply, reply
        result: dict[str, Any] = reply["result"]
        return result

    def invoke(self, proxy: dict[str, Any], *params: Any) -> dict[str, Any]:
        return self.call("__proxyFunctions", f"proxy{proxy['__proxyFunctionId']}", *params)


@pytest.fixture
def xdm(page: Page, stack: Stack) -> RawXdm:
    open_host(page, stack, "#/work-items/101")
    wait_event(page, "listener.onLoaded", "customer-impact")
    frame = next(f for f in page.frames if f.url.endswith("customer-impact.html"))
    return RawXdm(frame)


def test_form_service_has_every_method_and_follows_the_form_rules(page: Page, xdm: RawXdm) -> None:
    form = xdm.service(FORM_SERVICE)
    assert set(form) == SERVICE_METHODS
    assert xdm.invoke(form["getFieldValue"], "System.Title")["result"] == "Coupon checkout returns HTTP 500"
    assert xdm.invoke(form["setFieldValue"], "System.State", "Resolved")["result"] is True
    assert xdm.invoke(form["setFieldValue"], "System.State", "Bogus")["result"] is False
    assert xdm.invoke(form["setFieldValue"], "System.Id", 7)["result"] is False
    expect(page.locator("#wi-state")).to_have_value("Resolved")
    wait_event(page, "listener.onFieldChanged", "customer-impact")
    changed = next(e for e in events(page) if e["type"] == "listener.onFieldChanged")["detail"]
    assert changed == {"id": 101, "changedFields": {"System.State": "Resolved"}}
    assert xdm.invoke(form["isDirty"])["result"] is True
    assert [f["referenceName"] for f in xdm.invoke(form["getDirtyFields"])["result"]] == ["System.State"]

    xdm.invoke(form["setError"], "Needs a root cause")
    assert xdm.invoke(form["isValid"])["result"] is False
    assert "Needs a root cause" in xdm.invoke(form["save"])["error"]["message"]
    xdm.invoke(form["clearError"])
    assert "error" not in xdm.invoke(form["save"])
    wait_event(page, "listener.onSaved", "customer-impact")
    assert xdm.invoke(form["getRevision"])["result"] == 2
    assert xdm.invoke(form["isDirty"])["result"] is False
    assert (
        xdm.invoke(form["getFieldValue"], "System.State", {"returnOriginalValue": True})["result"]
        == "Resolved"
    )


def test_relations_and_unknown_objects_services_and_methods(xdm: RawXdm) -> None:
    form = xdm.service(FORM_SERVICE)
    relation = {
        "rel": "System.LinkTypes.Related",
        "url": "https://dev.azure.com/contoso-dev/_apis/wit/workItems/102",
    }
    xdm.invoke(form["addWorkItemRelations"], [relation])
    assert xdm.invoke(form["getWorkItemRelations"])["result"] == [{**relation, "attributes": {}}]
    xdm.invoke(form["removeWorkItemRelations"], [relation])
    assert xdm.invoke(form["getWorkItemRelations"])["result"] == []
    assert (
        "not available" in xdm.call("DevOps.ServiceManager", "getService", "ms.vss-nope")["error"]["message"]
    )
    assert "could not be found" in xdm.call("DevOps.Nothing", "anything")["error"]["message"]
    assert "RPC method not found" in xdm.call("DevOps.HostControl", "nope")["error"]["message"]


# Methods that read or change the open work item; the others describe the process or the organization.
NEEDS_WORK_ITEM = {
    "getId": (), "getRevision": (), "getFieldValue": ("System.Title",),
    "getIdentityFieldValue": ("System.AssignedTo",), "getFieldValues": (["System.Title"],),
    "setFieldValue": ("System.Title", "x"), "setFieldValues": ({"System.Title": "x"},), "isDirty": (),
    "isNew": (), "isValid": (), "setError": ("e",), "clearError": (), "save": (), "refresh": (), "reset": (),
    "getInvalidFields": (), "getDirtyFields": (), "addWorkItemRelations": ([],),
    "removeWorkItemRelations": ([],), "getWorkItemRelations": (),
}  # fmt: skip
NO_WORK_ITEM_NEEDED = {
    "getFields", "getAllowedFieldValues", "getWorkItemResourceUrl", "getWorkItemRelationTypes",
    "hasActiveWorkItem", "beginSaveWorkItem",  # reports a failed save through its error callback
}  # fmt: skip


def test_form_service_calls_fail_while_no_work_item_is_open(page: Page, xdm: RawXdm) -> None:
    assert set(NEEDS_WORK_ITEM) | NO_WORK_ITEM_NEEDED == SERVICE_METHODS
    form = xdm.service(FORM_SERVICE)
    page.click("#wi-close")
    wait_event(page, "listener.onUnloaded", "customer-impact")
    expect(page.locator(".rb-wi-form")).to_have_text("No work item is open.")
    assert xdm.invoke(form["hasActiveWorkItem"])["result"] is False
    for method, params in NEEDS_WORK_ITEM.items():
        reply = xdm.invoke(form[method], *params)
        assert "result" not in reply, method
        assert reply["error"]["message"] == "There is no active work item.", method
    assert xdm.invoke(form["getWorkItemResourceUrl"], 7)["result"].endswith("/_apis/wit/workItems/7")

    page.click('[data-work-item="102"]')
    wait_event(page, "listener.onLoaded", "customer-impact", count=2)
    assert xdm.invoke(form["hasActiveWorkItem"])["result"] is True
    assert xdm.invoke(form["getId"])["result"] == 102
