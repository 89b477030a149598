-- Intake rate limit counts spread over shards (issue 12). With one row per key and window, every
-- intake of a key waited on that row's lock from its first statement to COMMIT, so one busy key's
-- reports took turns across all instances. PostgreSQL now counts a request in the row of its
-- connection's shard and adds the other shards' committed counts; SQLite, whose writers take turns
-- anyway, keeps using shard 0. The table holds counts of the current minute only: it is recreated
-- empty, so an upgrade forgets at most one window's counts.
-- Portable SQL (SQLite and PostgreSQL 15).
DROP TABLE intake_rate_limits;
CREATE TABLE intake_rate_limits (
    key_id       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    shard        INTEGER NOT NULL DEFAULT 0,
    requests     INTEGER NOT NULL,
    PRIMARY KEY (key_id, window_start, shard)
);
