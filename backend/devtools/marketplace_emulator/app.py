"""Local Marketplace emulator: a small Flask app standing in for marketplace.visualstudio.com and
Extension Management, built from the documented shapes (shared reference tfx-and-marketplace.md §4).

It is a local emulator for tests, served over real HTTP on 127.0.0.1 with an ephemeral port. It speaks
the location service (OPTIONS, see locations.py), the gallery routes tfx uses (lookup, create,
update, delete, share/unshare by account name), the Azure DevOps Server JSON upload (api-version
3.1-preview.1), the Extension Management resource area and InstalledExtensionsByName, with Azure DevOps'
error body and status codes, and a validation that takes a few status checks and can be told to fail.
Two independent clients drive it in tests/publish: adoext, and tfx-cli 0.23.1 (test_tfx_client.py).
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.serving import make_server

from backend.devtools.marketplace_emulator.locations import locations_bp
from backend.devtools.marketplace_emulator.state import (
    Extension,
    Identity,
    MarketplaceState,
    PackageIdentity,
    Recorded,
    read_package,
    version_key,
)
from backend.devtools.marketplace_emulator.view_support import (
    EmulatorError,
    error_response,
    require_organization,
    state,
)

API_VERSION = re.compile(r"api-version=([0-9.]+(?:-preview(?:\.[0-9]+)?)?)")
SERVER_API_VERSION = "3.1-preview.1"

bp = Blueprint("marketplace_emulator", __name__)


def create_emulator(marketplace: MarketplaceState) -> Flask:
    """Build the local Marketplace emulator app around its state."""
    app = Flask("marketplace_emulator")
    app.extensions["marketplace_state"] = marketplace
    app.register_blueprint(bp)
    app.register_blueprint(locations_bp)
    app.register_error_handler(EmulatorError, error_response)
    app.before_request(_record_and_inject_faults)
    return app


def _record_and_inject_faults() -> Response | None:
    marketplace = state()
    with marketplace.lock:
        marketplace.requests.append(Recorded(request.method, request.path, request.query_string.decode(),
                                             dict(request.headers), len(request.get_data())))
        if not marketplace.faults or marketplace.faults[0][0] not in (None, request.method):
            return None
        _, status, retry_after = marketplace.faults.popleft()
    response = jsonify({"$id": "1", "message": f"TF400733: The request has been canceled (HTTP {status}).",
                        "typeKey": "RequestBlockedException", "errorCode": 0, "eventId": 3000})
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def _api_version() -> str:
    match = API_VERSION.search(request.headers.get("Accept", "")) or API_VERSION.search(
        "api-version=" + request.args.get("api-version", ""))
    if match is None:
        raise EmulatorError(400, f'No api-version was supplied for the "{request.method}" request. '
                            'The version must be supplied either as part of the Accept header '
                            '(e.g. "application/json; api-version=1.0") or as a query parameter '
                            "(e.g. '?api-version=1.0').",
                            "VssVersionNotSpecifiedException")
    return match.group(1)


def _caller() -> Identity:
    """Authenticate the request: Basic with any user name and a PAT, or Bearer with an Entra token."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    marketplace = state()
    found: Identity | None = None
    if scheme == "Basic":
        try:
            _, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
        except ValueError:
            secret = ""
        found = marketplace.pats.get(secret)
    elif scheme == "Bearer":
        found = marketplace.bearer_tokens.get(value)
    if found is None:
        # Azure DevOps answers 401 with an empty body when X-TFS-FedAuthRedirect: Suppress is sent.
        raise _Unauthorized()
    return found


class _Unauthorized(Exception):
    pass


@bp.app_errorhandler(_Unauthorized)
def _unauthorized(_: _Unauthorized) -> Response:
    if request.headers.get("X-TFS-FedAuthRedirect") != "Suppress":
        page = "<html><body>Sign in</body></html>"
        return Response(page, 302, {"Location": "/_signin"}, mimetype="text/html")
    challenge = "Bearer authorization_uri=https://login.microsoftonline.com/"
    return Response("", 401, {"WWW-Authenticate": challenge})


def _require_member(caller: Identity, publisher: str) -> None:
    members = state().publishers.get(publisher)
    if members is None:
        raise EmulatorError(404, f"Publisher '{publisher}' does not exist.", "PublisherDoesNotExistException")
    if caller.name not in members:
        raise EmulatorError(403, f"TF400813: The user '{caller.name}' is not authorized to access this "
                            f"resource. It needs the Publish permission on publisher '{publisher}'.",
                            "UnauthorizedRequestException")


def _find(publisher: str, name: str) -> Extension:
    found = state().extensions.get((publisher, name))
    if found is None:
        raise _missing(publisher, name)
    return found


def _missing(publisher: str, name: str) -> EmulatorError:
    message = f"Extension '{publisher}.{name}' does not exist."
    return EmulatorError(404, message, "ExtensionDoesNotExistException")


def _uploaded_package() -> bytes:
    version = _api_version()
    if version == SERVER_API_VERSION and request.mimetype == "application/json":
        payload = request.get_json(silent=True) or {}
        try:
            return base64.b64decode(str(payload.get("extensionManifest", "")), validate=True)
        except ValueError as exc:
            raise EmulatorError(400, "extensionManifest is not base64.", "InvalidPackageException") from exc
    if request.mimetype != "application/octet-stream":
        raise EmulatorError(415, f"Unsupported content type {request.mimetype!r}.",
                            "UnsupportedMediaTypeException")
    return request.get_data()


def _read_upload() -> PackageIdentity:
    data = _uploaded_package()
    if len(data) > state().max_package_size:
        raise EmulatorError(400, "Extension package is malformed/corrupted", "InvalidPackageException")
    package = read_package(data)
    if package is None or not package.publisher or not package.name or not package.version:
        raise EmulatorError(400, "Extension package is malformed/corrupted", "InvalidPackageException")
    return package


@bp.post("/_apis/gallery/extensions")
def create_extension() -> Response:
    """Create an extension from an uploaded VSIX."""
    caller = _caller()
    package = _read_upload()
    marketplace = state()
    with marketplace.lock:
        _require_member(caller, package.publisher)
        key = (package.publisher, package.name)
        if key in marketplace.extensions:
            raise EmulatorError(409, f"Extension '{package.publisher}.{package.name}' already exists.",
                                "ExtensionAlreadyExistsException")
        extension = Extension(package.publisher, package.name, package.display_name, package.public,
                              categories=package.categories, tags=package.tags)
        extension.versions.append(marketplace.new_version(package.version))
        marketplace.extensions[key] = extension
        return jsonify(extension.to_json(1, None))


@bp.route("/_apis/gallery/publishers/<publisher>/extensions/<name>", methods=["GET", "PUT", "DELETE"])
def extension(publisher: str, name: str) -> Response:
    """Look up, update or delete one extension."""
    _api_version()
    caller = _caller()
    marketplace = state()
    with marketplace.lock:
        if request.method == "GET":
            return _get_extension(caller, publisher, name)
        _require_member(caller, publisher)
        found = _find(publisher, name)
        if request.method == "DELETE":
            del marketplace.extensions[(publisher, name)]
            return Response(status=204)
        return _update_extension(found)


def _get_extension(caller: Identity, publisher: str, name: str) -> Response:
    found = _find(publisher, name)
    if not found.public and caller.name not in state().publishers.get(publisher, set()):
        raise _missing(publisher, name)
    version = request.args.get("version")
    flags = int(request.args.get("flags", "0"))
    if flags & 1:
        # Each status check that can see a version moves its validation along.
        for candidate in found.versions:
            if version is None or candidate.version == version:
                candidate.poll()
    return jsonify(found.to_json(flags, version))


def _update_extension(found: Extension) -> Response:
    package = _read_upload()
    if (package.publisher, package.name) != (found.publisher, found.name):
        raise EmulatorError(400, "The package's identity does not match the extension being updated.",
                            "InvalidPackageException")
    current = max((v.version for v in found.versions), key=version_key)
    if version_key(package.version) <= version_key(current):
        raise EmulatorError(400, "Version number must increase each time an extension is published. "
                            f"Extension: {found.publisher}.{found.name}  Current version: {current}  "
                            f"Updated version: {package.version}", "ExtensionVersionMustIncreaseException")
    found.versions.append(state().new_version(package.version))
    found.display_name, found.public = package.display_name, package.public
    found.categories, found.tags = package.categories, package.tags
    return jsonify(found.to_json(1, None))


SHARE_ROUTE = "/_apis/gallery/publisher/<publisher>/extension/<name>/accountsbyname/<org>"


@bp.route(SHARE_ROUTE, methods=["POST", "DELETE"])
def share(publisher: str, name: str, org: str) -> Response:
    """Share or unshare a private extension with an organization."""
    _api_version()
    caller = _caller()
    marketplace = state()
    with marketplace.lock:
        _require_member(caller, publisher)
        found = _find(publisher, name)
        if org not in marketplace.organizations:
            raise EmulatorError(404, f"The account '{org}' does not exist.", "AccountNotFoundException")
        if found.public:
            raise EmulatorError(400, "A public extension cannot be shared.", "InvalidOperationException")
        if request.method == "POST":
            found.shared_with.add(org)
        else:
            found.shared_with.discard(org)
    return Response(status=204)


@bp.post("/extmgmt/<org>/_apis/ExtensionManagement/InstalledExtensionsByName/<publisher>/<name>")
def install(org: str, publisher: str, name: str) -> Response:
    """Install an extension into an organization."""
    _api_version()
    _caller()
    marketplace = state()
    with marketplace.lock:
        require_organization(org)
        found = _find(publisher, name)
        if not found.public and org not in found.shared_with:
            raise EmulatorError(403, f"Extension '{publisher}.{name}' is not shared with '{org}'.",
                                "ExtensionNotSharedException")
        installed = marketplace.installs.setdefault(org, set())
        if (publisher, name) in installed:
            raise EmulatorError(409, f"TF1590010: Extension {publisher}.{name} is already installed in this "
                                "organization.", "ExtensionAlreadyInstalledException")
        installed.add((publisher, name))
    # An InstalledExtension; tfx reads installState.installationIssues to report a partial install.
    return jsonify({"extensionId": name, "extensionName": found.display_name, "publisherId": publisher,
                    "publisherName": publisher, "version": found.versions[-1].version, "flags": "none",
                    "installState": {"flags": "none", "installationIssues": [],
                                     "lastUpdated": found.versions[-1].last_updated}})


@contextmanager
def serve(marketplace: MarketplaceState) -> Iterator[str]:
    """Run the emulator on 127.0.0.1 with an ephemeral port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, create_emulator(marketplace), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="marketplace-emulator", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
