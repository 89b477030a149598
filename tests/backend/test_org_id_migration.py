"""Migration 0200: organization and tenant ids written before issue 11 move to their canonical spelling."""

from __future__ import annotations

from pathlib import Path

from backend.auth import intake_keys
from backend.reports import service
from backend.storage import open_storage, utcnow

MIXED = "0F8E7B43-7C1A-4D6E-9A43-3C1D2B8F5E10"
LOOK_ALIKE_UPPER, LOOK_ALIKE_LOWER = "ABC-ORG", "abc-org"


def test_mixed_case_ids_move_with_their_data_and_look_alikes_stay(tmp_path: Path) -> None:
    storage = open_storage(tmp_path / "db.sqlite")
    storage.upgrade()
    with storage.transaction() as tx:  # as an older version left it: 0200 not applied, ids as sent
        tx.execute("DELETE FROM schema_migrations WHERE version = '0200'")
        for org_id, tenant in ((MIXED, "TID-A"), (LOOK_ALIKE_UPPER, None), (LOOK_ALIKE_LOWER, "t-b")):
            tx.execute(
                "INSERT INTO organizations (id, name, tenant_id, created_at, updated_at) "
                "VALUES (:id, 'n', :tid, :now, :now)",
                {"id": org_id, "tid": tenant, "now": utcnow()},
            )
        service.ensure_project(tx, MIXED, "p-1", "Project")
        key, secret = intake_keys.create_key(tx, org_id=MIXED, project_id="p-1", name="portal")
        data = {"title": "Checkout fails", "customerId": "c-1"}
        report_id = service.create_report(tx, org_id=MIXED, project_id="p-1", data=data, key_id=key.id)
    assert "0200" in storage.upgrade()
    canonical = MIXED.lower()
    with storage.snapshot() as tx:
        orgs = tx.query("SELECT id, tenant_id FROM organizations ORDER BY id")
        assert orgs == [
            {"id": canonical, "tenant_id": "tid-a"},
            {"id": LOOK_ALIKE_UPPER, "tenant_id": None},  # its lower-case twin exists: left for the operator
            {"id": LOOK_ALIKE_LOWER, "tenant_id": "t-b"},
        ]
        assert tx.query("SELECT org_id, id FROM projects") == [{"org_id": canonical, "id": "p-1"}]
        report = tx.query_one("SELECT org_id FROM reports WHERE id = :r", {"r": report_id})
        assert report == {"org_id": canonical}
        assert tx.query("SELECT DISTINCT org_id FROM report_groups") == [{"org_id": canonical}]
        assert tx.query("SELECT DISTINCT org_id FROM group_customers") == [{"org_id": canonical}]
        assert intake_keys.verify_key(tx, secret).org_id == canonical == key.org_id.lower()
        assert tx.query_one("PRAGMA foreign_key_check") is None
        tables = {row["name"] for row in tx.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "org_id_moves" not in tables
    storage.close()
