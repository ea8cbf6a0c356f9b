-- Claims walk the callbacks with due batches (a skip scan) and take each one's oldest due
-- batches, instead of ranking every pending batch on every claim (tests/test_db.py checks the
-- plan). With maxBatchSize 1 and a backlog of 50,000 the ranking made claims the bottleneck.
CREATE INDEX batches_pending ON batches (callback_id, next_attempt_at, first_outbox_id)
    WHERE status = 'pending';
