-- Sender claims take turns between accounts: a skip scan over the accounts with queued messages,
-- then each one's oldest due (tests/test_db.py checks the plan).
CREATE INDEX messages_queued ON messages (account_id, next_attempt_at) WHERE status = 'queued';

-- Every change to an account's subscriptions adds one here, in its own transaction: each process
-- keeps the account's subscriptions indexed by event type and reloads them when this moved.
ALTER TABLE accounts ADD COLUMN subscriptions_version BIGINT NOT NULL DEFAULT 0;

-- A subscription created while its callback was being deleted could outlive it (SQLite does not
-- enforce the foreign key): such orphans and their never-delivered outbox rows go.
DELETE FROM outbox WHERE callback_id NOT IN (SELECT id FROM callbacks);
DELETE FROM subscriptions WHERE callback_id NOT IN (SELECT id FROM callbacks);
