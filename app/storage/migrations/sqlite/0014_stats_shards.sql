-- Rollup rows carry a shard (see the PostgreSQL migration). SQLite has one writer, so its
-- rows stay in shard 0; the column keeps one statement for both dialects.
CREATE TABLE stats_events_sharded (
    account_id BIGINT NOT NULL,
    hour_at BIGINT NOT NULL,
    channel TEXT NOT NULL,
    type TEXT NOT NULL,
    definition_key TEXT NOT NULL,
    detail TEXT NOT NULL,
    count BIGINT NOT NULL,
    shard BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, hour_at, channel, type, definition_key, detail, shard)
);
INSERT INTO stats_events_sharded
    (account_id, hour_at, channel, type, definition_key, detail, count, shard)
    SELECT account_id, hour_at, channel, type, definition_key, detail, count, 0
    FROM stats_events;
DROP TABLE stats_events;
ALTER TABLE stats_events_sharded RENAME TO stats_events;
CREATE INDEX stats_events_shards ON stats_events (hour_at) WHERE shard <> 0;
