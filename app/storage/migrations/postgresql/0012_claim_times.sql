-- When a sender or dispatcher last claimed the row: with created_at, sent_at and the receiver's
-- clock, the stages of send -> webhook latency (python -m bench, latency stage).
ALTER TABLE messages ADD COLUMN claimed_at BIGINT;
ALTER TABLE batches ADD COLUMN claimed_at BIGINT;
