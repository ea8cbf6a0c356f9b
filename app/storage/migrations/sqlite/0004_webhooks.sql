-- Webhooks: ENS callbacks and subscriptions, the outbox fan-out, batches and delivery attempts.

CREATE TABLE callbacks (
    id TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    max_batch_size BIGINT NOT NULL,
    verified BIGINT NOT NULL,
    verification_hash TEXT,
    verification_expires_at BIGINT,
    signature_key TEXT NOT NULL,
    previous_key TEXT,
    previous_key_until BIGINT,
    key_encoding TEXT NOT NULL,
    strict_order BIGINT NOT NULL,
    sfmc_strict BIGINT NOT NULL,
    disabled_at BIGINT,
    disabled_reason TEXT,
    failing_since BIGINT,
    last_success_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX callbacks_url ON callbacks (account_id, url);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    callback_id TEXT NOT NULL REFERENCES callbacks (id),
    name TEXT NOT NULL,
    name_lc TEXT NOT NULL,
    event_types TEXT NOT NULL,
    filters TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    buffer_while_paused BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX subscriptions_name ON subscriptions (account_id, name_lc);
CREATE INDEX subscriptions_callback ON subscriptions (callback_id);

-- One row per (callback, event) to deliver; batch_id is set when the row joins a batch.
-- held: the only subscriptions that matched were paused with buffering.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL,
    callback_id TEXT NOT NULL REFERENCES callbacks (id),
    event_id BIGINT NOT NULL REFERENCES events (id),
    subscription_id TEXT,
    held BIGINT NOT NULL,
    batch_id TEXT,
    created_at BIGINT NOT NULL
);

CREATE INDEX outbox_unbatched ON outbox (callback_id, id) WHERE batch_id IS NULL AND held = 0;
CREATE INDEX outbox_batch ON outbox (batch_id);
CREATE INDEX outbox_held ON outbox (subscription_id) WHERE held = 1;

-- A batch keeps its id (the webhook-id header) across retries.
CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    callback_id TEXT NOT NULL REFERENCES callbacks (id),
    status TEXT NOT NULL,
    event_count BIGINT NOT NULL,
    first_outbox_id BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    last_status BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    delivered_at BIGINT
);

CREATE INDEX batches_due ON batches (next_attempt_at) WHERE status = 'pending';
CREATE INDEX batches_leased ON batches (lease_until) WHERE status = 'sending';
CREATE INDEX batches_open ON batches (callback_id, first_outbox_id)
    WHERE status IN ('pending', 'sending');
CREATE INDEX batches_created ON batches (created_at);

CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL,
    callback_id TEXT NOT NULL REFERENCES callbacks (id),
    batch_id TEXT,
    attempted_at BIGINT NOT NULL,
    event_count BIGINT NOT NULL,
    ok BIGINT NOT NULL,
    status_code BIGINT,
    latency_ms BIGINT NOT NULL,
    error_class TEXT,
    response_excerpt TEXT
);

CREATE INDEX attempts_callback ON attempts (callback_id, id);
CREATE INDEX attempts_time ON attempts (attempted_at);

CREATE INDEX events_account_time ON events (account_id, occurred_at);
