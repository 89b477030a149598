-- The hub lists report groups (issue 14): the highest severity of a group's reports is kept on the
-- group (1 low .. 4 critical) so "severity" sorts by index, and one index per sort order of the
-- group list route keeps every page an index range scan, whatever the number of groups.
ALTER TABLE report_groups ADD COLUMN severity_rank INTEGER NOT NULL DEFAULT 2;

UPDATE report_groups SET severity_rank = COALESCE((
    SELECT MAX(CASE r.severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END)
    FROM reports r WHERE r.group_id = report_groups.id
), 2);

CREATE INDEX report_groups_newest ON report_groups(org_id, project_id, last_reported_at DESC, id DESC);
CREATE INDEX report_groups_by_status ON report_groups(org_id, project_id, status, last_reported_at DESC, id DESC);
CREATE INDEX report_groups_customers ON report_groups(org_id, project_id, customer_count DESC, last_reported_at DESC, id DESC);
CREATE INDEX report_groups_severity ON report_groups(org_id, project_id, severity_rank DESC, last_reported_at DESC, id DESC);
-- A group's reports, newest first, in its expanded row (reports_by_group lacks the id tie-breaker).
CREATE INDEX reports_in_group ON reports(group_id, created_at DESC, id DESC);

-- Defect 1 of issue 14: a dismissal while "Create bug" was queued left bug_pending set with no
-- create_bug row left to clear it. Clear every marker that no pending outbox row stands behind.
UPDATE report_groups SET bug_pending = 0
WHERE bug_pending = 1 AND NOT EXISTS (
    SELECT 1 FROM outbox o
    WHERE o.kind = 'create_bug' AND o.status = 'pending' AND o.org_id = report_groups.org_id
      AND o.payload LIKE '%"' || report_groups.id || '"%'
);
