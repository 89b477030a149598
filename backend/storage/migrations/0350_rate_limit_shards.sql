-- Intake rate limit counts by shard (issue 12). With one row per key and window (0251), every
-- intake of a key waited on that row's lock from its first statement to COMMIT, so one busy key's
-- reports took turns across all instances. PostgreSQL now counts a request in the row of its
-- connection's shard and adds the other shards' committed counts; SQLite, whose writers take turns
-- anyway, uses shard 0. A new table rather than a changed one: instances still running the previous
-- version during a rolling upgrade keep counting in intake_rate_limits (so for that minute or two a
-- key may send up to twice its limit, and nothing is refused in error); a later migration drops it.
-- Portable SQL (SQLite and PostgreSQL 15).
CREATE TABLE intake_rate_counts (
    key_id       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    shard        INTEGER NOT NULL,
    requests     INTEGER NOT NULL,
    PRIMARY KEY (key_id, window_start, shard)
);
