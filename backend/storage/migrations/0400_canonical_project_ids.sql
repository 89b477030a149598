-- Project ids have one spelling, lower-case, as organization ids do (0200; backend/auth/org_ids.py).
-- Before, the hub's routes stored a project under the id as its URL spelled it, so a GUID written in
-- capitals made a second project whose reports no page showed. Move each such project to its
-- lower-case id, with everything that names it: the copy under the new id first, then the children,
-- then the old row, so every foreign key holds after each statement.
-- A project whose lower-case id is already another project of its organization is left as it is:
-- merging two projects' reports is an operator's decision. The audit trail keeps the ids as requested.
-- Portable SQL (SQLite and PostgreSQL 15).

CREATE TABLE project_id_moves (
    org_id TEXT NOT NULL,
    old_id TEXT NOT NULL,
    new_id TEXT NOT NULL,
    PRIMARY KEY (org_id, old_id)
);

INSERT INTO project_id_moves (org_id, old_id, new_id)
SELECT p.org_id, p.id, lower(p.id) FROM projects p
WHERE p.id <> lower(p.id)
  AND NOT EXISTS (
      SELECT 1 FROM projects x WHERE x.org_id = p.org_id AND lower(x.id) = lower(p.id) AND x.id <> p.id
  );

INSERT INTO projects (org_id, id, name, auto_create_bug, created_at)
SELECT p.org_id, m.new_id, p.name, p.auto_create_bug, p.created_at
FROM projects p JOIN project_id_moves m ON m.org_id = p.org_id AND m.old_id = p.id;

UPDATE report_groups SET project_id = (
    SELECT m.new_id FROM project_id_moves m
    WHERE m.org_id = report_groups.org_id AND m.old_id = report_groups.project_id
) WHERE EXISTS (
    SELECT 1 FROM project_id_moves m WHERE m.org_id = report_groups.org_id AND m.old_id = report_groups.project_id
);
UPDATE reports SET project_id = (
    SELECT m.new_id FROM project_id_moves m WHERE m.org_id = reports.org_id AND m.old_id = reports.project_id
) WHERE EXISTS (
    SELECT 1 FROM project_id_moves m WHERE m.org_id = reports.org_id AND m.old_id = reports.project_id
);
UPDATE intake_keys SET project_id = (
    SELECT m.new_id FROM project_id_moves m WHERE m.org_id = intake_keys.org_id AND m.old_id = intake_keys.project_id
) WHERE EXISTS (
    SELECT 1 FROM project_id_moves m WHERE m.org_id = intake_keys.org_id AND m.old_id = intake_keys.project_id
);
UPDATE outbox SET project_id = (
    SELECT m.new_id FROM project_id_moves m WHERE m.org_id = outbox.org_id AND m.old_id = outbox.project_id
) WHERE EXISTS (
    SELECT 1 FROM project_id_moves m WHERE m.org_id = outbox.org_id AND m.old_id = outbox.project_id
);

DELETE FROM projects WHERE EXISTS (
    SELECT 1 FROM project_id_moves m WHERE m.org_id = projects.org_id AND m.old_id = projects.id
);
DROP TABLE project_id_moves;
