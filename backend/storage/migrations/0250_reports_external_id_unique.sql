-- One report per (organization, project, source, externalId) (issue 11): an intake client that
-- resends a report without an Idempotency-Key (a retry after a timeout, a re-sync) gets the first
-- report back instead of a duplicate. Reports without an externalId are never deduplicated (NULLs are
-- distinct in a unique index, in SQLite and PostgreSQL alike).
--
-- Duplicates stored before this migration keep their report; only the later ones give up the
-- externalId (set to NULL), so the index can be built. Portable SQL (SQLite and PostgreSQL 15).
UPDATE reports SET external_id = NULL
WHERE external_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM reports earlier
    WHERE earlier.org_id = reports.org_id AND earlier.project_id = reports.project_id
      AND earlier.source = reports.source AND earlier.external_id = reports.external_id
      AND (earlier.created_at < reports.created_at
           OR (earlier.created_at = reports.created_at AND earlier.id < reports.id))
);
CREATE UNIQUE INDEX reports_by_external_id ON reports(org_id, project_id, source, external_id);
