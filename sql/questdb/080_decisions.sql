-- The design's seven columns first, then the enforcer's audit and recovery columns.
-- The dedup key makes a replayed decision (same ts and order_id) land once: none duplicated.
CREATE TABLE IF NOT EXISTS decisions (
    ts TIMESTAMP_NS, order_id LONG, verdict SYMBOL, reasons VARCHAR, limits_version SYMBOL,
    mode SYMBOL, static_verdict SYMBOL, dynamic_verdict SYMBOL, static_reasons VARCHAR,
    dynamic_reasons VARCHAR, risk_state SYMBOL, kind SYMBOL, trader SYMBOL, strategy SYMBOL,
    sym SYMBOL, side SYMBOL, qty DOUBLE, price DOUBLE, log_id SYMBOL, seq LONG
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, order_id);
