-- Content assets, send definitions, subscribers, messages, outcome events, suppressions.
-- JSON documents are TEXT. Time points are UTC epoch milliseconds.

CREATE TABLE content_assets (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    customer_key TEXT NOT NULL,
    customer_key_lc TEXT NOT NULL,
    name TEXT NOT NULL,
    asset_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    preheader TEXT NOT NULL,
    html TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX content_assets_key ON content_assets (account_id, customer_key_lc);

CREATE TABLE definitions (
    id TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    channel TEXT NOT NULL,
    definition_key TEXT NOT NULL,
    key_lc TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX definitions_key ON definitions (account_id, channel, key_lc);

CREATE TABLE subscribers (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    contact_key TEXT NOT NULL,
    email TEXT,
    email_lc TEXT,
    phone TEXT,
    attributes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, contact_key)
);

CREATE INDEX subscribers_email ON subscribers (account_id, email_lc);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    channel TEXT NOT NULL,
    message_key TEXT NOT NULL,
    key_lc TEXT NOT NULL,
    request_id TEXT NOT NULL,
    definition_id TEXT,
    definition_key TEXT,
    contact_key TEXT NOT NULL,
    recipient TEXT NOT NULL,
    attributes TEXT NOT NULL,
    overrides TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    status_code BIGINT,
    status_message TEXT,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    rendered TEXT,
    provider_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT
);

CREATE UNIQUE INDEX messages_key ON messages (account_id, channel, key_lc);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX messages_leased ON messages (lease_until) WHERE status = 'sending';
CREATE INDEX messages_held ON messages (definition_id, created_at) WHERE status = 'held';

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    message_id TEXT,
    channel TEXT NOT NULL,
    type TEXT NOT NULL,
    definition_key TEXT,
    definition_id TEXT,
    occurred_at BIGINT NOT NULL,
    info TEXT NOT NULL
);

CREATE INDEX events_feed ON events (account_id, channel, type, id);
CREATE INDEX events_message ON events (message_id);

CREATE TABLE suppressions (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    address TEXT NOT NULL,
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    event_id TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, address)
);
