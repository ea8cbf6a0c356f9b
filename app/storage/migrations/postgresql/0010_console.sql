-- The console (issue 15): message search, timelines, latency over time, suppression links.

-- Message search, newest first, one index per way in (tests/test_search.py checks the plans):
-- the whole account, one channel, a recipient (case-insensitive), a messageKey (any casing,
-- also once retired), a definition, and the statuses other than sent (partial: a search for
-- sent walks messages_search_recent). Each ends with (created_at, id), the page order.
CREATE INDEX messages_search_recent ON messages (account_id, created_at, id);
CREATE INDEX messages_search_channel ON messages (account_id, channel, created_at, id);
CREATE INDEX messages_search_recipient ON messages (account_id, lower(recipient), created_at, id);
CREATE INDEX messages_search_key ON messages (account_id, lower(message_key), created_at, id);
CREATE INDEX messages_search_definition ON messages
    (account_id, lower(definition_key), created_at, id);
CREATE INDEX messages_search_status ON messages (account_id, status, created_at, id)
    WHERE status <> 'sent';

-- A message's timeline lists the webhook attempts that carried its events (outbox -> batch).
CREATE INDEX attempts_batch ON attempts (batch_id);

-- The message whose bounce added an address (NULL: the operator did, or it is unknown).
ALTER TABLE suppressions ADD COLUMN message_id TEXT;
UPDATE suppressions SET message_id = (SELECT e.message_id FROM events e
    WHERE e.event_id = suppressions.event_id) WHERE event_id IS NOT NULL;

-- Latency over time, per minute: webhook POSTs (w*: the buckets of stats_attempts, up to 1 ms
-- ... 10 s and above) and time to deliver, send accepted -> the successful POST of its event
-- (d*: up to 100 ms, 250, 500 ms, 1, 2.5, 5, 10, 30 s, 1, 5, 15 min, 1, 6, 24 h, and above).
-- Each is counted under (channel, definition) sliced four ways (slice_by: 0 all, 1 by channel,
-- 2 by definition, 3 by both; a part not sliced on is ''), so a filter reads one slice and an
-- attempt whose batch mixed definitions counts once in each slice.
CREATE TABLE stats_latency (
    account_id BIGINT NOT NULL,
    slice_by BIGINT NOT NULL,
    channel TEXT NOT NULL,
    definition_key TEXT NOT NULL,
    minute_at BIGINT NOT NULL,
    webhook_count BIGINT NOT NULL,
    webhook_sum_ms BIGINT NOT NULL,
    deliver_count BIGINT NOT NULL,
    deliver_sum_ms BIGINT NOT NULL,
    w0 BIGINT NOT NULL,
    w1 BIGINT NOT NULL,
    w2 BIGINT NOT NULL,
    w3 BIGINT NOT NULL,
    w4 BIGINT NOT NULL,
    w5 BIGINT NOT NULL,
    w6 BIGINT NOT NULL,
    w7 BIGINT NOT NULL,
    w8 BIGINT NOT NULL,
    w9 BIGINT NOT NULL,
    w10 BIGINT NOT NULL,
    w11 BIGINT NOT NULL,
    w12 BIGINT NOT NULL,
    w13 BIGINT NOT NULL,
    d0 BIGINT NOT NULL,
    d1 BIGINT NOT NULL,
    d2 BIGINT NOT NULL,
    d3 BIGINT NOT NULL,
    d4 BIGINT NOT NULL,
    d5 BIGINT NOT NULL,
    d6 BIGINT NOT NULL,
    d7 BIGINT NOT NULL,
    d8 BIGINT NOT NULL,
    d9 BIGINT NOT NULL,
    d10 BIGINT NOT NULL,
    d11 BIGINT NOT NULL,
    d12 BIGINT NOT NULL,
    d13 BIGINT NOT NULL,
    d14 BIGINT NOT NULL,
    PRIMARY KEY (account_id, slice_by, channel, definition_key, minute_at)
);

-- What a search lists beside a message: its rendered subject (email) or the start of its text
-- (SMS), written with the rendered content, so a page of results never reads whole bodies.
ALTER TABLE messages ADD COLUMN summary TEXT;
UPDATE messages SET summary = COALESCE(rendered::json ->> 'subject',
    substr(rendered::json ->> 'text', 1, 200)) WHERE rendered IS NOT NULL;
