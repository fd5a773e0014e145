-- Limits publisher heartbeat (columns as sql/duckdb/097_publisher_heartbeat.sql); the newest
-- row per symbol: LATEST ON ts PARTITION BY sym. A second row with the same
-- (ts, sym, publisher) replaces the first: last written wins.
CREATE TABLE IF NOT EXISTS publisher_heartbeat (
    ts TIMESTAMP_NS, sym SYMBOL, publisher SYMBOL, model_version SYMBOL,
    market_ts TIMESTAMP_NS, published_ts TIMESTAMP_NS
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, sym, publisher);
