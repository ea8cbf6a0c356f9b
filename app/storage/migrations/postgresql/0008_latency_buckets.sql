-- Finer latency buckets below 25 ms, so loopback and LAN receivers get percentiles in single
-- milliseconds: b0_1 ≤ 1 ms, b0_2 ≤ 2, b0_5 ≤ 5, b0_10 ≤ 10, b0_25 ≤ 25 (b1…b9 as before).
-- New attempts count there; b0 keeps only the attempts ≤ 25 ms counted before this migration,
-- which the stats read as spread evenly over 0–25 ms.
ALTER TABLE stats_attempts ADD COLUMN b0_1 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_attempts ADD COLUMN b0_2 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_attempts ADD COLUMN b0_5 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_attempts ADD COLUMN b0_10 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_attempts ADD COLUMN b0_25 BIGINT NOT NULL DEFAULT 0;
