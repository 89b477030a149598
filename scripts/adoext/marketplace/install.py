"""Install an extension into an Azure DevOps organization through Extension Management.

The organization URL names the Extension Management host through the (anonymous) resource-area lookup,
as tfx does (dev.azure.com answers extmgmt.dev.azure.com; a Server collection answers its own URL).
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from adoext.errors import CommandLineError, MarketplaceError
from adoext.marketplace.client import json_body, raise_for_status, send_raw
from adoext.marketplace.values import check_text, check_url

EXTMGMT_AREA_ID = "6c2b0933-3600-42ae-bf8b-93d4f7e83594"
INSTALL_API_VERSION = "7.2-preview.1"
AREA_API_VERSION = "7.1"
DEVOPS_URL = "https://dev.azure.com/"
AZURE_DEVOPS_HOSTS = (".dev.azure.com", ".visualstudio.com")
ALREADY_INSTALLED = "TF1590010"
COLLECTION_MISSING = "TF400856"


# Characters that would make an organization name another URL (a path, a query, a fragment, a user).
_NOT_IN_NAMES = set("/\\?#%@:")


def organization_url(org: str) -> str:
    """Turn an organization name (or a full collection URL) into its base URL; a bad one is exit 2."""
    if "://" in org:
        check_url("--org", org)
        return org.rstrip("/") + "/"
    check_organization_name("--org", org)
    return DEVOPS_URL + quote(org, safe="") + "/"


def check_organization_name(option: str, org: str) -> None:
    """Refuse a name that is blank, unsendable, or would turn into another URL (exit 2)."""
    check_text(option, org)
    if not org.strip() or _NOT_IN_NAMES & set(org) or org != org.strip():
        raise CommandLineError(
            f"{option} {org!r} is not an organization name; pass a name or a collection URL."
        )


def build_area_lookup(http: httpx.Client, org_url: str) -> httpx.Request:
    """Build the anonymous lookup of the organization's Extension Management host."""
    return http.build_request(
        "GET",
        f"{org_url}_apis/resourceareas/{EXTMGMT_AREA_ID}",
        headers={"Accept": f"application/json;api-version={AREA_API_VERSION}"},
    )


def build_install(http: httpx.Client, base_url: str, publisher: str, extension: str) -> httpx.Request:
    """Build InstalledExtensionsByName for one extension."""
    path = (
        f"_apis/ExtensionManagement/InstalledExtensionsByName/{quote(publisher, safe='')}"
        f"/{quote(extension, safe='')}"
    )
    return http.build_request(
        "POST",
        base_url + path,
        headers={
            "Accept": f"application/json;api-version={INSTALL_API_VERSION}",
            "X-TFS-FedAuthRedirect": "Suppress",
        },
    )


def extmgmt_url(http: httpx.Client, org_url: str) -> str:
    """Ask the organization where Extension Management lives."""
    request = build_area_lookup(http, org_url)
    # Anonymous like tfx: the credential is only sent to the host that will use it.
    try:
        response = http.send(request, auth=httpx.Auth())
    except httpx.TransportError as exc:
        raise MarketplaceError(f"Could not reach {request.url.host} ({exc}).") from exc
    if response.status_code == 404:
        raise MarketplaceError(f"No Azure DevOps organization or collection at {org_url} (HTTP 404).")
    raise_for_status(response, f"find Extension Management for {org_url}", "anonymous")
    location = json_body(response, "read the resource area").get("locationUrl")
    if not isinstance(location, str) or "://" not in location:
        return org_url
    if not trusted_location(org_url, location):
        # The answer was anonymous; never follow it to a host that could collect the credential.
        raise MarketplaceError(f"{org_url} named an unexpected Extension Management host ({location}).")
    return location.rstrip("/") + "/"


def trusted_location(org_url: str, location: str) -> bool:
    """Accept the organization's own host, or an https Azure DevOps host."""
    org, target = httpx.URL(org_url), httpx.URL(location)
    if target.host == org.host and target.scheme == org.scheme:
        return True
    return target.scheme == "https" and target.host.endswith(AZURE_DEVOPS_HOSTS)


def install(http: httpx.Client, auth_kind: str, org: str, publisher: str, extension: str) -> bool:
    """Install the extension; return False when it was already installed (TF1590010)."""
    org_url = organization_url(org)
    request = build_install(http, extmgmt_url(http, org_url), publisher, extension)
    action = f"install {publisher}.{extension} in {org}"
    response = send_raw(http, request, action)
    if not response.is_success:
        response.read()
        if ALREADY_INSTALLED in response.text:
            return False
        if COLLECTION_MISSING in response.text:
            raise MarketplaceError(
                f"Could not {action}: the URL names no organization or collection ({org_url})."
            )
    raise_for_status(response, action, auth_kind)
    return True
