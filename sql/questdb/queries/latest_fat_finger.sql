-- The latest fat_finger_limits row per (sym, trader) among rows newer than a watermark (twin
-- of sql/duckdb/queries/latest_fat_finger.sql). $1: watermark, UTC ns as a LONG; the filter
-- runs before LATEST ON picks the last row per key. ts comes back as ts_ns, LONG ns.
SELECT ts::LONG AS ts_ns, sym, trader, fat_finger_max_qty, model_version
FROM fat_finger_limits
WHERE ts > $1
LATEST ON ts PARTITION BY sym, trader
ORDER BY sym, trader;
