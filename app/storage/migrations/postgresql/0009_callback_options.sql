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
