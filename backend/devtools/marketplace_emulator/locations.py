"""Where things live, in the local Marketplace emulator: ``OPTIONS /_apis/<area>`` and resource areas.

Clients built on azure-devops-node-api (tfx-cli) never hard-code a route: each one first asks
``OPTIONS <base>/_apis/<area>`` for the area's ApiResourceLocations (id, route template, versions), then
fills the template and negotiates the api-version against ``maxVersion``/``resourceVersion``
(shared reference tfx-and-marketplace.md §4). The ids and route templates below are the ones served by
the real service, as generated into azure-devops-extension-api's GalleryClient and
ExtensionManagementClient; only the locations the emulator answers are listed, so a client asking for
another one fails as it would against a server without it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Blueprint, Response, jsonify, request

from backend.devtools.marketplace_emulator.view_support import EmulatorError, require_organization

EXTMGMT_AREA_ID = "6c2b0933-3600-42ae-bf8b-93d4f7e83594"

locations_bp = Blueprint("marketplace_emulator_locations", __name__)


class Location(NamedTuple):
    """One ApiResourceLocation: where a resource lives and which api-versions it speaks."""

    id: str
    area: str
    resource_name: str
    route_template: str
    resource_version: int

    def to_json(self) -> dict[str, Any]:
        """Render it as the location service does (these resources are all still preview)."""
        return {
            "id": self.id,
            "area": self.area,
            "resourceName": self.resource_name,
            "routeTemplate": self.route_template,
            "resourceVersion": self.resource_version,
            "minVersion": "3.0",
            "maxVersion": "7.2",
            "releasedVersion": "0.0",
        }


LOCATIONS = (
    Location("a41192c8-9525-4b58-bc86-179fa549d80d", "gallery", "extensions",
             "_apis/gallery/extensions/{extensionId}", 2),
    Location("e11ea35a-16fe-4b80-ab11-c4cab88a0966", "gallery", "extensions",
             "_apis/gallery/publishers/{publisherName}/extensions/{extensionName}", 2),
    Location("a1e66d8f-f5de-4d16-8309-91a4e015ee46", "gallery", "accountsbyname",
             "_apis/gallery/publisher/{publisherName}/extension/{extensionName}/accountsbyname/{accountName}",
             1),
    Location("e81700f7-3be2-46de-8624-2eb35882fcaa", "Location", "ResourceAreas",
             "_apis/resourceAreas/{areaId}", 1),
    Location("fb0da285-f23e-4b56-8b53-3ef5f9f6de66", "ExtensionManagement", "InstalledExtensionsByName",
             "_apis/{area}/{resource}/{publisherName}/{extensionName}/{version}", 2),
)

# Which host serves which area: the gallery at the Marketplace root, the resource-area lookup on the
# organization's URL, Extension Management on the host that lookup names.
GALLERY_AREAS = frozenset({"gallery"})
ORGANIZATION_AREAS = frozenset({"location"})
EXTMGMT_AREAS = frozenset({"extensionmanagement"})


def area_locations(area: str) -> list[dict[str, Any]]:
    """Return the area's locations (area names are case-insensitive, as on the real service)."""
    return [location.to_json() for location in LOCATIONS if location.area.lower() == area.lower()]


@locations_bp.route("/_apis/<area>", methods=["OPTIONS"])
def gallery_locations(area: str) -> Response:
    """Serve the Marketplace's resource locations (anonymous: route templates are no secret)."""
    return _locations(area, GALLERY_AREAS)


@locations_bp.route("/<org>/_apis/<area>", methods=["OPTIONS"])
def organization_locations(org: str, area: str) -> Response:
    """Serve an organization's own locations: the resource-area lookup (Location area)."""
    require_organization(org)
    return _locations(area, ORGANIZATION_AREAS)


@locations_bp.route("/extmgmt/<org>/_apis/<area>", methods=["OPTIONS"])
def extmgmt_locations(org: str, area: str) -> Response:
    """Serve the locations of an organization's Extension Management host."""
    require_organization(org)
    return _locations(area, EXTMGMT_AREAS)


def _locations(area: str, served: frozenset[str]) -> Response:
    found = area_locations(area) if area.lower() in served else []
    if not found:
        raise EmulatorError(404, f"The resource area '{area}' was not found.",
                            "ResourceAreaNotFoundException")
    return jsonify({"count": len(found), "value": found})


@locations_bp.get(f"/<org>/_apis/resourceareas/{EXTMGMT_AREA_ID}")
def resource_area(org: str) -> Response:
    """Tell where the organization's Extension Management service lives (anonymous, like the real one)."""
    require_organization(org)
    return jsonify(_extmgmt_area(org))


# The route template the Location area serves is "_apis/resourceAreas/{areaId}"; the real service
# matches paths without regard to case, so both spellings clients use are routed.
@locations_bp.get("/<org>/_apis/resourceAreas")
@locations_bp.get("/<org>/_apis/resourceareas")
def resource_areas(org: str) -> Response:
    """List the organization's resource areas (azure-devops-node-api reads them to find a service)."""
    require_organization(org)
    return jsonify({"count": 1, "value": [_extmgmt_area(org)]})


def _extmgmt_area(org: str) -> dict[str, str]:
    return {"id": EXTMGMT_AREA_ID, "name": "ExtensionManagement",
            "locationUrl": f"{request.host_url}extmgmt/{org}/"}
