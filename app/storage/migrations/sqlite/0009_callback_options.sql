-- A callback's delivery options (app/wire/delivery.py: signing, headers, ordering) become one
-- JSON document, so adding an option needs no column: the three existing ones move into it.
ALTER TABLE callbacks ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
UPDATE callbacks SET options = json_object(
    'key_encoding', key_encoding,
    'strict_order', json(CASE WHEN strict_order <> 0 THEN 'true' ELSE 'false' END),
    'sfmc_strict', json(CASE WHEN sfmc_strict <> 0 THEN 'true' ELSE 'false' END)
);
ALTER TABLE callbacks DROP COLUMN key_encoding;
ALTER TABLE callbacks DROP COLUMN strict_order;
ALTER TABLE callbacks DROP COLUMN sfmc_strict;

-- The pull feed's order. SQLite has one writer, so ids are handed out in commit order and
-- txid stays 0; PostgreSQL records the writing transaction there (see its 0009).
ALTER TABLE events ADD COLUMN txid BIGINT NOT NULL DEFAULT 0;
CREATE INDEX events_commit_order ON events (account_id, txid, id);
