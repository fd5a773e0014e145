-- Manual limit overrides (columns as sql/duckdb/131_limit_overrides.sql); the row in force of
-- an override is the latest per override_id: LATEST ON ts PARTITION BY override_id.
CREATE TABLE IF NOT EXISTS limit_overrides (
    ts TIMESTAMP_NS, override_id SYMBOL, sym SYMBOL, strategy SYMBOL, limit_name SYMBOL,
    value DOUBLE, direction SYMBOL, status SYMBOL, expires_ts TIMESTAMP_NS,
    requested_by SYMBOL, approved_by SYMBOL, why VARCHAR
) TIMESTAMP(ts) PARTITION BY DAY WAL;
