-- Rollups for the stats page and API: counted in the transaction that writes what they count.

-- Outcome events per account, hour, channel, type, definition and detail (the NotSent status
-- code, or "HARD 5.1.1" for a bounce, or the SMS receipt status code).
CREATE TABLE stats_events (
    account_id BIGINT NOT NULL,
    hour_at BIGINT NOT NULL,
    channel TEXT NOT NULL,
    type TEXT NOT NULL,
    definition_key TEXT NOT NULL,
    detail TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (account_id, hour_at, channel, type, definition_key, detail)
);

-- Webhook attempts per callback, hour and result ("ok" or the error class), with a latency
-- histogram: b0 ≤ 25 ms, b1 ≤ 50, b2 ≤ 100, b3 ≤ 250, b4 ≤ 500, b5 ≤ 1 s, b6 ≤ 2.5 s,
-- b7 ≤ 5 s, b8 ≤ 10 s, b9 above.
CREATE TABLE stats_attempts (
    account_id BIGINT NOT NULL,
    callback_id TEXT NOT NULL,
    hour_at BIGINT NOT NULL,
    result TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    first_attempts BIGINT NOT NULL,
    events BIGINT NOT NULL,
    latency_sum_ms BIGINT NOT NULL,
    b0 BIGINT NOT NULL,
    b1 BIGINT NOT NULL,
    b2 BIGINT NOT NULL,
    b3 BIGINT NOT NULL,
    b4 BIGINT NOT NULL,
    b5 BIGINT NOT NULL,
    b6 BIGINT NOT NULL,
    b7 BIGINT NOT NULL,
    b8 BIGINT NOT NULL,
    b9 BIGINT NOT NULL,
    PRIMARY KEY (account_id, callback_id, hour_at, result)
);

CREATE INDEX stats_attempts_account ON stats_attempts (account_id, hour_at);

-- Raw events past their retention are purged unless an outbox row still needs them.
CREATE INDEX outbox_event ON outbox (event_id);
