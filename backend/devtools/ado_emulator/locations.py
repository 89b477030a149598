"""Location service of the local Azure DevOps emulator: what clients ask before they call anything.

Microsoft's clients (the `azure-devops` Python package, the .NET and Node clients) do not hard-code
URLs. They read the organization's resource areas (`GET _apis/ResourceAreas`: which host serves an
area), then negotiate every call with `OPTIONS {host}/_apis`, which lists each resource location —
its GUID, area, resource name, route template and supported versions — and build the URL from the
route template. This module serves both, plus `GET _apis/connectionData` (the organization's
instanceId, which the backend binds to its configured URL), in the Location 7.1 shapes.

The location GUIDs are the ones the `azure-devops` 7.1 client uses for the calls Report Bridge makes
(`azure/devops/v7_1/*/..._client.py`, `location_id=`); the route templates and the case-insensitive
route literals are the service's. tests/azdo/test_official_client.py drives every call through
that client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from backend.devtools.ado_emulator.state import EmulatorState

WIT_AREA_ID = "5264459e-e5e0-4bd8-b118-0985e68a4ec5"
CORE_AREA_ID = "79134c72-4a58-4b42-976c-04e7115f32bf"
RESOURCE_AREAS = (("wit", WIT_AREA_ID), ("core", CORE_AREA_ID))
SERVICE_OWNER = "00025394-6065-48ca-87d9-7f5672854ef7"  # the Azure DevOps service (TFS) itself


def _location(
    location_id: str, area: str, resource: str, template: str, resource_version: int, released: str = "7.1"
) -> dict[str, Any]:
    """One ApiResourceLocation; this emulator implements the 7.1 shapes, so 7.1 is the highest version."""
    return {
        "id": location_id,
        "area": area,
        "resourceName": resource,
        "routeTemplate": template,
        "resourceVersion": resource_version,
        "minVersion": 1.0,
        "maxVersion": 7.1,
        "releasedVersion": released,
    }


_WIT_ITEM = "{project}/_apis/{area}/{resource}"
LOCATIONS = (
    _location("62d3d110-0047-428c-ad3c-4fe872c91c74", "wit", "workItems", _WIT_ITEM + "/${type}", 3),
    _location("72c7ddf8-2cdc-4f60-90cd-ab71c14a399b", "wit", "workItems", _WIT_ITEM + "/{id}", 3),
    _location("908509b6-4248-4475-a1cd-829139ba419f", "wit", "workItemsBatch", _WIT_ITEM, 1),
    _location(
        "1a9c53f7-f243-4447-b110-35ef023636e4", "wit", "wiql",
        "{project}/{team}/_apis/{area}/{resource}/{id}", 2,
    ),
    _location(
        "608aac0a-32e1-4493-a863-b9cf4566d257", "wit", "comments",
        "{project}/_apis/{area}/workItems/{workItemId}/{resource}/{commentId}", 4, released="0.0",
    ),
    _location(
        "fc50d02a-849f-41fb-8af1-0a5216103269", "hooks", "subscriptions",
        "_apis/{area}/{resource}/{subscriptionId}", 1,
    ),
    _location("603fe2ac-9723-48b9-88ad-09305aa6c6e1", "core", "projects", "_apis/{resource}/{*projectId}", 4),
    _location(
        "00d9565f-ed9c-4a06-9a50-00e7896ccab4", "Location", "connectionData", "_apis/{resource}", 1,
        released="0.0",
    ),
    _location(
        "e81700f7-3be2-46de-8624-2eb35882fcaa", "Location", "ResourceAreas", "_apis/{resource}/{areaId}", 1,
        released="0.0",
    ),
)

# Azure DevOps matches route literals case-insensitively (clients send `workItems`, `workItemsBatch`,
# `ResourceAreas`); the emulator's Flask rules use one spelling each.
_LITERALS = {
    word.lower(): word
    for word in (
        "wit", "workitems", "workitemsbatch", "wiql", "comments", "hooks", "subscriptions", "projects",
        "connectionData", "ResourceAreas",
    )
}

locations = Blueprint("ado_locations", __name__)


def _state() -> EmulatorState:
    state: EmulatorState = current_app.extensions["ado_emulator"]
    return state


def case_insensitive_routes(wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap the emulator so route literals after `/_apis/` match in any case, as on the service."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        head, marker, tail = environ.get("PATH_INFO", "").partition("/_apis/")
        if marker:
            segments = (_LITERALS.get(segment.lower(), segment) for segment in tail.split("/"))
            environ["PATH_INFO"] = head + marker + "/".join(segments)
        return wsgi_app(environ, start_response)

    return app


def register(api: Blueprint) -> None:
    """Add the location routes to the REST blueprint: they share its gatekeeper (auth, counters, faults)."""
    api.add_url_rule(
        "/<org>/_apis", "options", resource_locations, methods=["OPTIONS"], provide_automatic_options=False
    )
    api.add_url_rule("/<org>/_apis/ResourceAreas", "resource_areas", resource_areas)
    api.add_url_rule("/<org>/_apis/ResourceAreas/<area_id>", "resource_area", resource_areas)
    api.add_url_rule("/<org>/_apis/connectionData", "connection_data", connection_data)


def resource_locations(org: str) -> Response:
    """OPTIONS {org}/_apis: every resource location this organization serves (VssJsonCollectionWrapper)."""
    return jsonify({"count": len(LOCATIONS), "value": list(LOCATIONS)})


def resource_areas(org: str, area_id: str | None = None) -> Response:
    """GET {org}/_apis/ResourceAreas[/{areaId}]: every area is served by this organization's own URL."""
    base = f"{request.host_url.rstrip('/')}/{_state().organization}/"
    areas = [
        {"id": guid, "name": name, "locationUrl": base}
        for name, guid in RESOURCE_AREAS
        if area_id is None or guid == area_id.lower()
    ]
    if area_id is not None:
        return jsonify(areas[0]) if areas else Response(status=404)
    return jsonify({"count": len(areas), "value": areas})


def connection_data(org: str) -> Response:
    """GET {org}/_apis/connectionData: who the caller is, and the organization's instanceId (its host id)."""
    state = _state()
    user = {
        "id": state.service_identity_id,
        "descriptor": f"Microsoft.TeamFoundation.ServiceIdentity;{state.service_identity_id}",
        "subjectDescriptor": f"svc.{state.service_identity_id}",
        "providerDisplayName": "Report Bridge backend (local emulator identity)",
        "isActive": True,
        "properties": {},
        "resourceVersion": 2,
        "metaTypeId": 0,
    }
    return jsonify(
        {
            "authenticatedUser": user,
            "authorizedUser": user,
            "instanceId": state.organization_id,
            "deploymentId": state.deployment_id,
            "deploymentType": "hosted",
            "locationServiceData": {
                "serviceOwner": SERVICE_OWNER,
                "defaultAccessMappingMoniker": "PublicAccessMapping",
                "lastChangeId": 1,
                "lastChangeId64": 1,
            },
        }
    )
