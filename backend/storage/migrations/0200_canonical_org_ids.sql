-- Issue 11: organization and tenant ids have one canonical spelling, lower-case (backend/auth/org_ids.py).
-- Rows written before kept the case a source sent. Move each organization whose id is not lower-case
-- to its lower-case id, with everything that names it. Parents first (a copy under the new id), then
-- the children, then the old parents, so every foreign key holds after each statement.
-- An id whose lower-case form is already another organization (a look-alike made by an earlier
-- version) is left as it is: merging two organizations' data is an operator's decision.
-- Portable SQL (SQLite and PostgreSQL 15).

CREATE TABLE org_id_moves (
    old_id TEXT PRIMARY KEY,
    new_id TEXT NOT NULL
);

INSERT INTO org_id_moves (old_id, new_id)
SELECT o.id, lower(o.id) FROM organizations o
WHERE o.id <> lower(o.id)
  AND NOT EXISTS (SELECT 1 FROM organizations x WHERE lower(x.id) = lower(o.id) AND x.id <> o.id);

INSERT INTO organizations (id, name, tenant_id, created_at, updated_at)
SELECT m.new_id, o.name, o.tenant_id, o.created_at, o.updated_at
FROM organizations o JOIN org_id_moves m ON m.old_id = o.id;

INSERT INTO projects (org_id, id, name, auto_create_bug, created_at)
SELECT m.new_id, p.id, p.name, p.auto_create_bug, p.created_at
FROM projects p JOIN org_id_moves m ON m.old_id = p.org_id;

UPDATE report_groups SET org_id = (SELECT m.new_id FROM org_id_moves m WHERE m.old_id = report_groups.org_id)
WHERE org_id IN (SELECT old_id FROM org_id_moves);
UPDATE group_customers SET org_id = (SELECT m.new_id FROM org_id_moves m WHERE m.old_id = group_customers.org_id)
WHERE org_id IN (SELECT old_id FROM org_id_moves);
UPDATE reports SET org_id = (SELECT m.new_id FROM org_id_moves m WHERE m.old_id = reports.org_id)
WHERE org_id IN (SELECT old_id FROM org_id_moves);
UPDATE intake_keys SET org_id = (SELECT m.new_id FROM org_id_moves m WHERE m.old_id = intake_keys.org_id)
WHERE org_id IN (SELECT old_id FROM org_id_moves);
UPDATE idempotency_keys SET org_id = (SELECT m.new_id FROM org_id_moves m WHERE m.old_id = idempotency_keys.org_id)
WHERE org_id IN (SELECT old_id FROM org_id_moves);
UPDATE audit_log SET org_id = (SELECT m.new_id FROM org_id_moves m WHERE m.old_id = audit_log.org_id)
WHERE org_id IN (SELECT old_id FROM org_id_moves);
UPDATE outbox SET org_id = (SELECT m.new_id FROM org_id_moves m WHERE m.old_id = outbox.org_id)
WHERE org_id IN (SELECT old_id FROM org_id_moves);
UPDATE work_items SET org_id = (SELECT m.new_id FROM org_id_moves m WHERE m.old_id = work_items.org_id)
WHERE org_id IN (SELECT old_id FROM org_id_moves);
UPDATE hook_events SET org_id = (SELECT m.new_id FROM org_id_moves m WHERE m.old_id = hook_events.org_id)
WHERE org_id IN (SELECT old_id FROM org_id_moves);

DELETE FROM projects WHERE org_id IN (SELECT old_id FROM org_id_moves);
DELETE FROM organizations WHERE id IN (SELECT old_id FROM org_id_moves);
DROP TABLE org_id_moves;

-- Tenant ids (app tokens' tid) are compared exactly from now on, in their lower-case spelling.
UPDATE organizations SET tenant_id = lower(tenant_id) WHERE tenant_id <> lower(tenant_id);
