-- Report Bridge initial schema. Every row carries org_id; every list query has an index.
-- Times are UTC ISO-8601 strings with microseconds ("2026-11-27T10:00:00.000000Z"), so they sort as text.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,            -- SDK.getHost().id
    name        TEXT NOT NULL DEFAULT '',
    tenant_id   TEXT,                        -- bound on first sight of an app token (tid)
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE projects (
    org_id          TEXT NOT NULL REFERENCES organizations(id),
    id              TEXT NOT NULL,           -- Azure DevOps project id (GUID)
    name            TEXT NOT NULL DEFAULT '',
    auto_create_bug INTEGER NOT NULL DEFAULT 0 CHECK (auto_create_bug IN (0, 1)),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE report_groups (
    id                TEXT PRIMARY KEY,      -- g_...
    org_id            TEXT NOT NULL,
    project_id        TEXT NOT NULL,
    group_key         TEXT NOT NULL,         -- "k:<explicit key>" or "t:<normalized title>|<normalized source>"
    title             TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'linked', 'dismissed', 'resolved')),
    work_item_id      INTEGER,
    bug_pending       INTEGER NOT NULL DEFAULT 0 CHECK (bug_pending IN (0, 1)),
    dismiss_reason    TEXT,
    report_count      INTEGER NOT NULL DEFAULT 0,
    customer_count    INTEGER NOT NULL DEFAULT 0,
    first_reported_at TEXT NOT NULL,
    last_reported_at  TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    FOREIGN KEY (org_id, project_id) REFERENCES projects(org_id, id),
    UNIQUE (org_id, project_id, group_key)
);
CREATE INDEX report_groups_by_work_item ON report_groups(org_id, work_item_id);

-- Distinct customers per group, so "N customers affected" is a counter, not a scan.
CREATE TABLE group_customers (
    group_id    TEXT NOT NULL REFERENCES report_groups(id),
    customer_id TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    PRIMARY KEY (group_id, customer_id)
) WITHOUT ROWID;

CREATE TABLE reports (
    id            TEXT PRIMARY KEY,          -- r_...
    org_id        TEXT NOT NULL,
    project_id    TEXT NOT NULL,
    group_id      TEXT NOT NULL REFERENCES report_groups(id),
    status        TEXT NOT NULL,             -- copy of report_groups.status, kept in step, for indexed filters
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    customer_id   TEXT NOT NULL,
    customer_name TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    external_id   TEXT,
    severity      TEXT NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    link          TEXT,
    key_id        TEXT,                      -- the intake key that created it (NULL for seeded data)
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    FOREIGN KEY (org_id, project_id) REFERENCES projects(org_id, id)
);
CREATE INDEX reports_list ON reports(org_id, project_id, created_at DESC, id DESC);
CREATE INDEX reports_by_status ON reports(org_id, project_id, status, created_at DESC, id DESC);
CREATE INDEX reports_by_group ON reports(group_id, created_at DESC);

CREATE TABLE intake_keys (
    id           TEXT PRIMARY KEY,           -- public prefix of the key (rbk_<id>_<secret>)
    org_id       TEXT NOT NULL REFERENCES organizations(id),
    project_id   TEXT NOT NULL,
    name         TEXT NOT NULL,
    salt         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    FOREIGN KEY (org_id, project_id) REFERENCES projects(org_id, id)
);
CREATE INDEX intake_keys_by_project ON intake_keys(org_id, project_id);

CREATE TABLE idempotency_keys (
    key_id        TEXT NOT NULL REFERENCES intake_keys(id),
    idem_key      TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    report_id     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (key_id, idem_key)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    org_id      TEXT,
    actor       TEXT NOT NULL,               -- user | key | webhook | anonymous | cli
    user_id     TEXT,
    tenant_id   TEXT,
    key_id      TEXT,
    method      TEXT NOT NULL,
    route       TEXT NOT NULL,               -- the URL rule, never the query string
    target      TEXT NOT NULL DEFAULT '{}',  -- JSON: projectId, reportId, workItemId, ...
    status_code INTEGER NOT NULL,
    outcome     TEXT NOT NULL                -- "ok" or the error code
);
CREATE INDEX audit_log_by_org ON audit_log(org_id, id);

-- Work for the Azure DevOps integration (issue 5), written in the same transaction as the change.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    org_id          TEXT NOT NULL,
    project_id      TEXT NOT NULL,
    kind            TEXT NOT NULL,           -- create_bug | add_comment | ...
    payload         TEXT NOT NULL,           -- JSON object
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

-- Cache of Azure DevOps work items the integration fills; Report JSON's workItem joins it.
CREATE TABLE work_items (
    org_id       TEXT NOT NULL,
    work_item_id INTEGER NOT NULL,
    title        TEXT,
    state        TEXT,
    url          TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, work_item_id)
);
