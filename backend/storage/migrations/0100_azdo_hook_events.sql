-- Azure DevOps service-hook deliveries already accepted (issue 5): Azure DevOps retries deliveries,
-- so the receiver de-duplicates on the event id. Old rows are purged by the outbox worker.
CREATE TABLE hook_events (
    event_id     TEXT PRIMARY KEY,           -- the event envelope's "id"
    org_id       TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    work_item_id INTEGER,
    received_at  TEXT NOT NULL
);
CREATE INDEX hook_events_by_time ON hook_events(received_at);
