-- A callback's delivery options (app/wire/delivery.py: signing, headers, ordering) become one
-- JSON document, so adding an option needs no column: the three existing ones move into it.
ALTER TABLE callbacks ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
UPDATE callbacks SET options = json_build_object(
    'key_encoding', key_encoding,
    'strict_order', strict_order <> 0,
    'sfmc_strict', sfmc_strict <> 0
)::text;
ALTER TABLE callbacks DROP COLUMN key_encoding,
    DROP COLUMN strict_order,
    DROP COLUMN sfmc_strict;

-- The pull feed's order. Identity values are taken at INSERT, not at COMMIT, so a reader
-- paging by id alone would skip a row whose transaction commits after a later id was read.
-- Each event records its transaction's id instead, and the feed reads only below the oldest
-- transaction still running (pg_snapshot_xmin): everything there is final, so paging by
-- (txid, id) never skips or repeats. Rows written before this migration read as txid 0.
ALTER TABLE events ADD COLUMN txid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ALTER COLUMN txid SET DEFAULT CAST(CAST(pg_current_xact_id() AS TEXT) AS BIGINT);
CREATE INDEX events_commit_order ON events (account_id, txid, id);
