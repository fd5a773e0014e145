-- Concept-drift checks (columns as sql/duckdb/096_drift_alerts.sql).
CREATE TABLE IF NOT EXISTS drift_alerts (
    ts TIMESTAMP_NS, sym SYMBOL, kind SYMBOL, name SYMBOL, ks DOUBLE, psi DOUBLE,
    drifting BOOLEAN, live_start TIMESTAMP_NS, train_start TIMESTAMP_NS, train_end TIMESTAMP_NS,
    model_version SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL;
