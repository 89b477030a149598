"""Local stand-in for the extension's CDN origin (like <publisher>.gallerycdn.vsassets.io).

Serves the built bundles from extension/dist under /dist/ on its own port, so the contributions run on
another origin than the host page and the backend, and CORS is exercised exactly as in production.
`/dist/config.json` is generated here from the backend URL (in a package it is a file per environment).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, abort, jsonify, send_from_directory

from backend.config import Settings
from backend.devtools.devhost.app import REPO_ROOT, require_development

DEFAULT_DIST_DIR = REPO_ROOT / "extension" / "dist"


def create_static_app(settings: Settings, *, backend_url: str, dist_dir: Path = DEFAULT_DIST_DIR) -> Flask:
    """Create the static origin app; refuse unless settings are development settings."""
    require_development(settings, "The local extension origin")
    app = Flask(__name__)
    config = {"backendUrl": backend_url.rstrip("/")}

    @app.get("/dist/config.json")
    def extension_config() -> Response:
        """Tell the contributions where the backend is."""
        response = jsonify(config)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/dist/<path:name>")
    def bundle(name: str) -> Response:
        """Serve a built file of the extension."""
        if not (dist_dir / name).is_file():
            abort(404)
        response = send_from_directory(dist_dir, name)
        response.headers["Cache-Control"] = "no-cache"
        return response

    return app
