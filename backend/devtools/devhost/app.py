"""Local Azure DevOps host page (local emulator): frames the extension's contributions like Azure DevOps.

The page itself (page/) answers the SDK's cross-frame protocol in the browser; this Flask app
serves it, describes the organization, project, user, extension and contributions it should present,
and mints app tokens with the development extension key, as Azure DevOps does with the real key.
It only builds for development settings: a production configuration cannot turn it on.

Errors:
    DevtoolsError            (a devtools app cannot be built; one line for the operator)
    └── NotDevelopment       (settings.environment is not "development")
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, send_from_directory

from backend.config import Settings
from backend.devtools.demo import DEMO_WORK_ITEMS, DemoWorkItem, seed_demo_data
from backend.devtools.tokens import mint_app_token
from backend.storage import Storage

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_HOST_DIR = Path(__file__).resolve().parent / "page"
DEFAULT_CONTRIBUTIONS_DIR = REPO_ROOT / "manifest" / "contributions"
DEFAULT_ENV_FILE = REPO_ROOT / "manifest" / "env" / "dev.json"
DEFAULT_PUBLISHER = "report-bridge-dev"
DEFAULT_EXTENSION_ID = "report-bridge-dev"
APP_TOKEN_LIFETIME_SECONDS = 3600
MAX_WIDGET_SPAN = 4  # dashboards allow at most 4 x 4 cells


class DevtoolsError(Exception):
    """A devtools app cannot be built."""


class NotDevelopment(DevtoolsError):
    """Development-only tools refuse to run with non-development settings."""


@dataclass(frozen=True)
class HostIdentity:
    """Who and where the local host says the user is (fixed ids so demo data lines up)."""

    org_id: str = "6c7f1f38-6c1e-4b8e-9c55-0d7a3a7f2b10"
    org_name: str = "contoso-dev"
    tenant_id: str = "9a1f3c52-2d64-4f1e-8a4b-7c2f0e5d6b31"
    user_id: str = "3e0b6a5c-1d2f-4c7b-9e8a-5f4d3c2b1a09"
    user_name: str = "ada@contoso.example"
    user_display_name: str = "Ada Lovelace"
    project_id: str = "0f3e9d2c-8b7a-4c6d-9e5f-1a2b3c4d5e6f"
    project_name: str = "Fabrikam Storefront"
    team_id: str = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"
    team_name: str = "Fabrikam Storefront Team"

    def seed_demo_data(self, storage: Storage) -> None:
        """Seed the demo reports into this organization and project (idempotent)."""
        seed_demo_data(
            storage,
            org_id=self.org_id,
            org_name=self.org_name,
            tenant_id=self.tenant_id,
            project_id=self.project_id,
            project_name=self.project_name,
        )


@dataclass(frozen=True)
class ExtensionInfo:
    """The extension the host pretends to have installed."""

    publisher_id: str = DEFAULT_PUBLISHER
    extension_id: str = DEFAULT_EXTENSION_ID
    version: str = "0.1.0"

    @property
    def full_id(self) -> str:
        """Return publisher.extension, the prefix of every full contribution id."""
        return f"{self.publisher_id}.{self.extension_id}"


def extension_for_environment(path: Path = DEFAULT_ENV_FILE) -> ExtensionInfo:
    """Read publisher and extension id from the packager's environment values (manifest/env/dev.json)."""
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ExtensionInfo()
    return ExtensionInfo(
        publisher_id=str(values.get("publisher") or DEFAULT_PUBLISHER),
        extension_id=str(values.get("extensionId") or DEFAULT_EXTENSION_ID),
    )


def require_development(settings: Settings, what: str) -> None:
    """Raise NotDevelopment unless the settings are development settings."""
    environment = getattr(settings, "environment", "production")
    if environment != "development":
        raise NotDevelopment(
            f"{what} only runs with REPORT_BRIDGE_ENVIRONMENT=development (got {environment!r})"
        )


def load_contributions(directory: Path, extension: ExtensionInfo) -> list[dict[str, Any]]:
    """Read every partial manifest and give each contribution its full and relative id."""
    contributions: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.json")):
        try:
            partial = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DevtoolsError(f"{path}: cannot read the partial manifest: {exc}") from None
        for contribution in partial.get("contributions", []):
            _check_widget_sizes(path, contribution)
            relative = contribution["id"]
            contributions.append(
                {**contribution, "id": f"{extension.full_id}.{relative}", "relativeId": relative}
            )
    if not contributions:
        raise DevtoolsError(f"{directory}: no contributions found")
    return contributions


def _check_widget_sizes(path: Path, contribution: dict[str, Any]) -> None:
    """Refuse widgets without sizes or with a size beyond the dashboard's 4 x 4 maximum."""
    if contribution.get("type") != "ms.vss-dashboards-web.widget":
        return
    sizes = contribution.get("properties", {}).get("supportedSizes") or []
    if not sizes:
        raise DevtoolsError(f"{path}: widget {contribution.get('id')} has no supportedSizes")
    for size in sizes:
        if not (
            1 <= size.get("rowSpan", 0) <= MAX_WIDGET_SPAN
            and 1 <= size.get("columnSpan", 0) <= MAX_WIDGET_SPAN
        ):
            raise DevtoolsError(f"{path}: widget size {size} is outside 1x1..4x4")


def host_context(
    identity: HostIdentity,
    extension: ExtensionInfo,
    contributions: list[dict[str, Any]],
    static_origin: str,
    work_items: tuple[DemoWorkItem, ...],
) -> dict[str, Any]:
    """Describe the page for host.js: the SDK contexts, the contributions and the work items."""
    org_url = f"https://dev.azure.com/{identity.org_name}"
    return {
        "staticOrigin": static_origin,
        "orgUrl": org_url,
        "extension": {
            "id": extension.full_id,
            "publisherId": extension.publisher_id,
            "extensionId": extension.extension_id,
            "version": extension.version,
            "baseUri": f"{static_origin}/",
        },
        "user": {
            "id": identity.user_id,
            "name": identity.user_name,
            "displayName": identity.user_display_name,
            "descriptor": f"aad.{identity.user_id}",
            "imageUrl": "",
        },
        "host": {
            "id": identity.org_id,
            "name": identity.org_name,
            "serviceVersion": "local-emulator",
            "type": 4,
            "isHosted": True,
        },
        "project": {"id": identity.project_id, "name": identity.project_name},
        "team": {"id": identity.team_id, "name": identity.team_name},
        "contributions": contributions,
        "workItems": [_work_item_json(item, identity) for item in work_items],
    }


def _work_item_json(item: DemoWorkItem, identity: HostIdentity) -> dict[str, Any]:
    return {
        "id": item.id,
        "fields": {
            "System.Id": item.id,
            "System.Title": item.title,
            "System.State": item.state,
            "System.WorkItemType": item.work_item_type,
            "System.AssignedTo": item.assigned_to,
            "System.TeamProject": identity.project_name,
            "System.CreatedDate": "2026-11-01T09:00:00Z",
            "Microsoft.VSTS.Common.Priority": item.priority,
        },
    }


def create_devhost_app(
    settings: Settings,
    *,
    static_origin: str,
    identity: HostIdentity | None = None,
    extension: ExtensionInfo | None = None,
    work_items: tuple[DemoWorkItem, ...] = DEMO_WORK_ITEMS,
    host_dir: Path = DEFAULT_HOST_DIR,
    contributions_dir: Path = DEFAULT_CONTRIBUTIONS_DIR,
) -> Flask:
    """Create the local host page app; refuse unless settings are development settings."""
    require_development(settings, "The local Azure DevOps host")
    identity = identity or HostIdentity()
    extension = extension or extension_for_environment()
    context = host_context(
        identity,
        extension,
        load_contributions(contributions_dir, extension),
        static_origin.rstrip("/"),
        work_items,
    )
    secret = settings.extension_secret
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.get("/")
    def page() -> Response:
        """Serve the host page."""
        return _no_store(send_from_directory(host_dir, "host.html"))

    @app.get("/host/<path:name>")
    def asset(name: str) -> Response:
        """Serve the host page's scripts and styles."""
        return _no_store(send_from_directory(host_dir, name))

    @app.get("/api/host-context")
    def describe() -> Response:
        """Describe the organization, project, user, extension and work items."""
        return _no_store(jsonify(context))

    @app.post("/api/app-token")
    def app_token() -> Response:
        """Mint an app token for the extension, signed with the development extension key."""
        token = mint_app_token(
            secret,
            user_id=identity.user_id,
            tenant_id=identity.tenant_id,
            lifetime=APP_TOKEN_LIFETIME_SECONDS,
        )
        return _no_store(jsonify({"token": token}))

    @app.post("/api/access-token")
    def access_token() -> Response:
        """Issue an opaque access token (nothing in the local setup accepts it for Azure DevOps REST)."""
        return _no_store(jsonify({"token": f"local-emulator-{secrets.token_urlsafe(24)}"}))

    app.extensions["report_bridge_devhost"] = {"identity": asdict(identity), "extension": asdict(extension)}
    return app


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
