-- Realised market impact of marketable orders (columns as sql/duckdb/120_impact_labels.sql).
-- A second row with the same (ts, sym, side) replaces the first: rebuilding labels is
-- idempotent.
CREATE TABLE IF NOT EXISTS impact_labels (
    ts TIMESTAMP_NS, sym SYMBOL, side SYMBOL, qty DOUBLE, n_prints LONG, arrival_mid DOUBLE,
    vwap DOUBLE, slippage_bps DOUBLE, spread_bps DOUBLE, depth1 DOUBLE,
    depth5 DOUBLE, volume_5m DOUBLE,
    rv_1m DOUBLE, anomaly_score DOUBLE
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, sym, side);
