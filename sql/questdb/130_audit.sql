-- Console actions (columns as sql/duckdb/130_audit.sql). Append-only.
CREATE TABLE IF NOT EXISTS audit (
    ts TIMESTAMP_NS, who SYMBOL, role SYMBOL, action SYMBOL, target VARCHAR, why VARCHAR,
    before VARCHAR, after VARCHAR
) TIMESTAMP(ts) PARTITION BY DAY WAL;
