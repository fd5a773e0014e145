-- The dedup key makes a replayed decision (same ts and order_id) land once: none duplicated.
CREATE TABLE IF NOT EXISTS decisions (
    ts TIMESTAMP_NS, order_id LONG, verdict SYMBOL, reasons VARCHAR, limits_version SYMBOL,
    mode SYMBOL, static_verdict SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, order_id);
