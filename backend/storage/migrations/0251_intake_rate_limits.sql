-- Intake rate limits (issue 11): requests per key per fixed one-minute window, counted in the
-- database so every worker and every instance shares one count. A key's rows from past windows are
-- deleted when it opens a new one, so the table holds about one row per active key.
-- Portable SQL (SQLite and PostgreSQL 15); window_start is Unix seconds.
CREATE TABLE intake_rate_limits (
    key_id       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    requests     INTEGER NOT NULL,
    PRIMARY KEY (key_id, window_start)
);
