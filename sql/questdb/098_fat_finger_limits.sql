-- Layer 1 at the gate (columns as sql/duckdb/098_fat_finger_limits.sql); the row in force is
-- the latest per (sym, trader): LATEST ON ts PARTITION BY sym, trader. A second row with the
-- same (ts, sym, trader) replaces the first: last written wins.
CREATE TABLE IF NOT EXISTS fat_finger_limits (
    ts TIMESTAMP_NS, sym SYMBOL, trader SYMBOL, fat_finger_max_qty DOUBLE, model_version SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, sym, trader);
