-- Execution advice per symbol (columns as sql/duckdb/121_exec_advice.sql); the row in force
-- is the latest per sym: LATEST ON ts PARTITION BY sym. Same (ts, sym): last written wins.
CREATE TABLE IF NOT EXISTS exec_advice (
    ts TIMESTAMP_NS, sym SYMBOL, algo SYMBOL, participation_cap DOUBLE, clip_qty DOUBLE,
    impact_max_qty DOUBLE, budget_bps DOUBLE, parent_qty DOUBLE, predicted_cost_bps DOUBLE,
    model_version SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, sym);
