"""A small client for the Marketplace gallery REST API (the calls tfx makes), over an injected transport.

Requests are built first and sent second, so ``--dry-run`` can print exactly what would be sent.
Errors are translated here, at the boundary: 401/403 become MarketplaceAuthError with advice for the
credential in use, anything else MarketplaceError with the Marketplace's own message.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from adoext.errors import MarketplaceAuthError, MarketplaceError
from adoext.marketplace.values import check_url

MARKETPLACE_URL = "https://marketplace.visualstudio.com/"
# The versions tfx's azure-devops-node-api asks for; sent in the Accept header as tfx does.
GALLERY_API_VERSION = "7.2-preview.2"
SHARE_API_VERSION = "7.2-preview.1"
# Azure DevOps Server collections only take the older JSON upload (tfx's "compat" client).
SERVER_API_VERSION = "3.1-preview.1"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=15.0)
# ExtensionQueryFlags: IncludeVersions=1, IncludeFiles=2, IncludeCategoryAndTags=4, IncludeSharedAccounts=8.
FLAGS_VERSIONS = 1
FLAGS_SHOW = 15
PAT_ADVICE = (
    "Check that the personal access token is correct and not expired, has the Marketplace (Publish) "
    "scope, and was created for 'All accessible organizations'."
)
ENTRA_ADVICE = (
    "Add this identity (service principal or managed identity) as a member of the publisher on the "
    "Marketplace's publisher management page, and to the Azure DevOps organization."
)


@dataclass(frozen=True)
class ServiceTarget:
    """Where gallery calls go, and which dialect that host speaks."""

    url: str = MARKETPLACE_URL
    kind: str = "marketplace"  # or "server" (an Azure DevOps Server collection)

    @staticmethod
    def from_options(url: str | None, kind: str = "auto") -> ServiceTarget:
        """Resolve ``--service-url``/``--service-kind``; like tfx, any other host defaults to Server."""
        if url is not None:  # an empty --service-url is refused, not read as "the real Marketplace"
            check_url("--service-url", url)
        base = (url or MARKETPLACE_URL).rstrip("/") + "/"
        if kind == "auto":
            kind = "marketplace" if base.startswith(MARKETPLACE_URL) else "server"
        return ServiceTarget(base, kind)


def extension_path(publisher: str, extension: str) -> str:
    """Return the gallery path of one extension."""
    return f"_apis/gallery/publishers/{quote(publisher, safe='')}/extensions/{quote(extension, safe='')}"


class MarketplaceClient:
    """One method per gallery call; ``build_*`` makes the request, ``send`` sends it."""

    def __init__(self, http: httpx.Client, target: ServiceTarget, auth_kind: str) -> None:
        self.http = http
        self.target = target
        self.auth_kind = auth_kind

    # -- requests ---------------------------------------------------------------------------------
    def build_get(
        self, publisher: str, extension: str, *, flags: int, version: str | None = None
    ) -> httpx.Request:
        """Build the lookup of one extension (with its versions when flags ask for them)."""
        params: dict[str, str] = {"flags": str(flags)}
        if version:
            params["version"] = version
        return self._request("GET", extension_path(publisher, extension), params=params)

    def build_upload(self, vsix: bytes, *, publisher: str, extension: str, create: bool) -> httpx.Request:
        """Build the create (POST) or update (PUT) of an extension from its VSIX bytes."""
        path = "_apis/gallery/extensions" if create else extension_path(publisher, extension)
        method = "POST" if create else "PUT"
        if self.target.kind == "server":
            body = json.dumps({"extensionManifest": base64.b64encode(vsix).decode("ascii")}).encode()
            return self._request(method, path, content=body, content_type="application/json")
        params = {} if create else {"bypassScopeCheck": "false"}
        return self._request(
            method, path, params=params, content=vsix, content_type="application/octet-stream"
        )

    def build_delete(self, publisher: str, extension: str) -> httpx.Request:
        """Build the unpublish of an extension."""
        return self._request("DELETE", extension_path(publisher, extension))

    def build_share(self, publisher: str, extension: str, org: str, *, share: bool) -> httpx.Request:
        """Build the share (POST) or unshare (DELETE) of a private extension with one organization."""
        path = (
            f"_apis/gallery/publisher/{quote(publisher, safe='')}/extension/{quote(extension, safe='')}"
            f"/accountsbyname/{quote(org, safe='')}"
        )
        return self._request("POST" if share else "DELETE", path, api_version=SHARE_API_VERSION)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        api_version: str = GALLERY_API_VERSION,
    ) -> httpx.Request:
        version = SERVER_API_VERSION if self.target.kind == "server" else api_version
        headers = {
            "Accept": f"application/json;api-version={version}",
            # Ask for a plain 401 instead of a redirect to a sign-in page.
            "X-TFS-FedAuthRedirect": "Suppress",
        }
        if content_type:
            headers["Content-Type"] = content_type
        return self.http.build_request(
            method, self.target.url + path, params=params, content=content, headers=headers
        )

    # -- calls ------------------------------------------------------------------------------------
    def send(self, request: httpx.Request, action: str) -> httpx.Response:
        """Send a request; raise the matching error for anything but 2xx."""
        return send_checked(self.http, request, action, self.auth_kind)

    def get_extension(
        self, publisher: str, extension: str, *, flags: int, version: str | None = None
    ) -> dict[str, Any] | None:
        """Return the extension, or None when the Marketplace says 404 (not published)."""
        request = self.build_get(publisher, extension, flags=flags, version=version)
        response = send_raw(self.http, request, f"look up {publisher}.{extension}")
        if response.status_code == 404:
            if "json" not in response.headers.get("Content-Type", ""):
                # The gallery says "does not exist" in JSON; a bare 404 means no gallery lives here.
                raise MarketplaceError(
                    f"Could not look up {publisher}.{extension}: {self.target.url} has no gallery API "
                    "(HTTP 404 without an Azure DevOps error); check --service-url."
                )
            return None
        raise_for_status(response, f"look up {publisher}.{extension}", self.auth_kind)
        return json_body(response, f"look up {publisher}.{extension}")


def send_raw(http: httpx.Client, request: httpx.Request, action: str) -> httpx.Response:
    """Send, turning connection problems into one-line MarketplaceErrors."""
    try:
        return http.send(request)
    except httpx.TransportError as exc:
        raise MarketplaceError(f"Could not {action}: cannot reach {request.url.host} ({exc}).") from exc


def send_checked(http: httpx.Client, request: httpx.Request, action: str, auth_kind: str) -> httpx.Response:
    """Send and raise for any non-2xx answer."""
    response = send_raw(http, request, action)
    raise_for_status(response, action, auth_kind)
    return response


def raise_for_status(response: httpx.Response, action: str, auth_kind: str) -> None:
    """Raise MarketplaceAuthError for 401/403, MarketplaceError for other failures."""
    status = response.status_code
    if status == 203 or response.is_redirect:
        # Without a usable credential Azure DevOps can answer with a sign-in page instead of a 401.
        advice = ENTRA_ADVICE if auth_kind == "entra" else PAT_ADVICE
        raise MarketplaceAuthError(
            f"Could not {action}: HTTP {status}: the service answered with a sign-in page, so the "
            f"credential was not accepted. {advice}"
        )
    if response.is_success:
        return
    detail = error_message(response)
    text = f"Could not {action}: HTTP {status}" + (f": {detail}" if detail else "")
    if status in (401, 403):
        advice = ENTRA_ADVICE if auth_kind == "entra" else PAT_ADVICE
        raise MarketplaceAuthError(f"{text}. {advice}")
    raise MarketplaceError(text.rstrip(".") + ".")


def error_message(response: httpx.Response) -> str:
    """Return the service's own error message on one line (Azure DevOps puts it in ``message``)."""
    response.read()
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return " ".join(body["message"].split())
    if "html" in content_type:
        return "the server answered with an HTML page (is --service-url right?)"
    return " ".join(response.text.split())[:300]


def json_body(response: httpx.Response, action: str) -> dict[str, Any]:
    """Parse a JSON object body or raise a clear error."""
    try:
        body = response.json()
    except ValueError as exc:
        raise MarketplaceError(f"Could not {action}: the answer was not JSON.") from exc
    if not isinstance(body, dict):
        raise MarketplaceError(f"Could not {action}: expected a JSON object.")
    return body


def describe_request(request: httpx.Request, auth_scheme: str | None) -> str:
    """Render a request for --dry-run: method, URL, headers (credential redacted) and body size."""
    lines = [f"{request.method} {request.url}"]
    for raw_name, raw_value in request.headers.raw:  # raw keeps the header names' casing
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        if name.lower() in ("authorization", "cookie"):
            continue
        lines.append(f"  {name}: {value}")
    if auth_scheme:
        lines.append(f"  Authorization: {auth_scheme} <redacted>")
    else:
        lines.append("  (sent without credentials)")
    lines.append(f"  body: {len(request.content)} bytes")
    return "\n".join(lines)
