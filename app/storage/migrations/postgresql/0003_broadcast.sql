-- Broadcast-style transactional email: scheduled sends and Idempotency-Key replays.

-- When a scheduled message may go out (queue_at); NULL for "as soon as accepted".
ALTER TABLE messages ADD COLUMN queue_at BIGINT;

CREATE INDEX messages_transactionals ON messages (account_id, created_at)
    WHERE definition_id IS NULL;

-- One row per (account, Idempotency-Key): claimed before the work, holding the response after.
CREATE TABLE idempotency_keys (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT,
    response TEXT,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, idem_key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
