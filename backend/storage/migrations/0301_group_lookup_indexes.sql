-- A work item's groups are always looked up within one project too (impact, per-day counts): with the
-- project in the index the lookup is three equality columns, so the planner never prefers a list-order
-- index over it. Hooks still use its (org_id, work_item_id) prefix.
DROP INDEX IF EXISTS report_groups_by_work_item;
CREATE INDEX report_groups_by_work_item ON report_groups(org_id, work_item_id, project_id);

-- reports_in_group (0300: group_id, created_at DESC, id DESC) serves every lookup this one did.
DROP INDEX IF EXISTS reports_by_group;
