"""The development-only servers: they refuse production settings and hand out what the SDK needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.auth.tokens import verify_app_token
from backend.config import Settings
from backend.devtools.devhost.app import (
    DevtoolsError,
    ExtensionInfo,
    HostIdentity,
    NotDevelopment,
    create_devhost_app,
    load_contributions,
)
from backend.devtools.devhost.static_origin import create_static_app
from backend.storage import open_storage

SECRET = "development-extension-key-for-tests-only-0123456789"


def dev_settings(tmp_path: Path, environment: str = "development") -> Settings:
    return Settings(extension_secret=SECRET, environment=environment, database=tmp_path / "db.sqlite")  # type: ignore[arg-type]


def test_production_settings_cannot_build_the_host_or_the_static_origin(tmp_path: Path) -> None:
    settings = dev_settings(tmp_path, "production")
    with pytest.raises(NotDevelopment, match="REPORT_BRIDGE_ENVIRONMENT=development"):
        create_devhost_app(settings, static_origin="http://127.0.0.1:1")
    with pytest.raises(NotDevelopment):
        create_static_app(settings, backend_url="http://127.0.0.1:2")


def test_host_context_and_app_tokens_the_backend_accepts(tmp_path: Path) -> None:
    settings = dev_settings(tmp_path)
    client = create_devhost_app(settings, static_origin="http://127.0.0.1:9002/").test_client()
    context = client.get("/api/host-context").get_json()
    assert context["extension"]["baseUri"] == "http://127.0.0.1:9002/"
    ids = {c["relativeId"]: c["id"] for c in context["contributions"]}
    prefix = f"{context['extension']['publisherId']}.{context['extension']['extensionId']}."
    assert ids == {rel: prefix + rel for rel in ids} and "customer-reports" in ids
    assert [w["id"] for w in context["workItems"]] == [101, 102, 103, 104, 105]
    token = client.post("/api/app-token").get_json()["token"]
    claims = verify_app_token(token, settings)
    assert claims.user_id == context["user"]["id"]
    assert client.get("/api/app-token").status_code == 405
    with client.get("/") as page:
        assert page.status_code == 200 and b"host/host.js" in page.data


def test_static_origin_serves_bundles_and_the_backend_url(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "customer-reports").mkdir(parents=True)
    (dist / "customer-reports" / "customer-reports.js").write_text("// bundle", encoding="utf-8")
    client = create_static_app(
        dev_settings(tmp_path), backend_url="http://127.0.0.1:9000/", dist_dir=dist
    ).test_client()
    assert client.get("/dist/config.json").get_json() == {"backendUrl": "http://127.0.0.1:9000"}
    with client.get("/dist/customer-reports/customer-reports.js") as bundle:
        assert bundle.data == b"// bundle"
    assert client.get("/dist/customer-reports/missing.js").status_code == 404
    assert client.get("/dist/../secrets").status_code == 404


def test_broken_or_empty_partial_manifests_are_reported(tmp_path: Path) -> None:
    with pytest.raises(DevtoolsError, match="no contributions"):
        load_contributions(tmp_path, ExtensionInfo())
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(DevtoolsError, match="bad.json"):
        load_contributions(tmp_path, ExtensionInfo())


def test_widgets_need_sizes_within_four_by_four(tmp_path: Path) -> None:
    widget = {
        "id": "w",
        "type": "ms.vss-dashboards-web.widget",
        "properties": {"supportedSizes": [{"rowSpan": 5, "columnSpan": 1}]},
    }
    (tmp_path / "w.json").write_text(json.dumps({"contributions": [widget]}), encoding="utf-8")
    with pytest.raises(DevtoolsError, match="outside 1x1..4x4"):
        load_contributions(tmp_path, ExtensionInfo())
    widget["properties"] = {}
    (tmp_path / "w.json").write_text(json.dumps({"contributions": [widget]}), encoding="utf-8")
    with pytest.raises(DevtoolsError, match="no supportedSizes"):
        load_contributions(tmp_path, ExtensionInfo())


def test_every_work_item_the_demo_links_to_opens_in_the_host_form(tmp_path: Path) -> None:
    storage = open_storage(tmp_path / "demo.db")
    storage.upgrade()
    HostIdentity().seed_demo_data(storage)
    with storage.snapshot() as tx:
        linked = tx.query("SELECT DISTINCT work_item_id FROM report_groups WHERE work_item_id IS NOT NULL")
        stored = tx.query("SELECT work_item_id, title, state FROM work_items ORDER BY work_item_id")
    storage.close()
    client = create_devhost_app(dev_settings(tmp_path), static_origin="http://127.0.0.1:1").test_client()
    form = {item["id"]: item["fields"] for item in client.get("/api/host-context").get_json()["workItems"]}
    linked_ids = {row["work_item_id"] for row in linked}
    assert linked_ids and linked_ids <= set(form)
    assert [(r["work_item_id"], r["title"], r["state"]) for r in stored] == [
        (wid, fields["System.Title"], fields["System.State"]) for wid, fields in sorted(form.items())
    ]
