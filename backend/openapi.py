"""The OpenAPI 3.1 document, hand-maintained next to the code (a test fails on any undocumented route).

Integration (issue 5): document `/hooks/azure-devops` by adding an entry to `PATHS` below.
"""

from __future__ import annotations

from typing import Any

PATHS: dict[str, Any] = {}


def build_spec() -> dict[str, Any]:
    """Return the OpenAPI document."""
    return {"openapi": "3.1.0", "info": {"title": "Report Bridge API", "version": "1"}, "paths": PATHS}
