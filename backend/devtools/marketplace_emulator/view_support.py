"""What every view of the local Marketplace emulator shares: its state and Azure DevOps' error answer."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from backend.devtools.marketplace_emulator.state import MarketplaceState


class EmulatorError(Exception):
    """An Azure DevOps style error answer."""

    def __init__(self, status: int, message: str, type_key: str) -> None:
        super().__init__(message)
        self.status, self.message, self.type_key = status, message, type_key


def state() -> MarketplaceState:
    """Return the emulator's state."""
    found: MarketplaceState = current_app.extensions["marketplace_state"]
    return found


def error_response(exc: EmulatorError) -> Response:
    """Render an EmulatorError as the service's JSON error body."""
    namespace = "Microsoft.VisualStudio.Services.Gallery.WebApi"
    body = {"$id": "1", "innerException": None, "message": exc.message,
            "typeName": f"{namespace}.{exc.type_key}, {namespace}",
            "typeKey": exc.type_key, "errorCode": 0, "eventId": 3000}
    response = jsonify(body)
    response.status_code = exc.status
    return response


def require_organization(org: str) -> None:
    """Fail as Azure DevOps does for an organization it does not host."""
    if org not in state().organizations:
        raise EmulatorError(404, f"TF400856: organization '{org}' not found.", "AccountNotFoundException")
