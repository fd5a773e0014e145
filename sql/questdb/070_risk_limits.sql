-- Append-only; the row in force is the latest per (sym, strategy): LATEST ON ts PARTITION BY sym, strategy.
-- The dedup key makes a second row with the same (ts, sym, strategy) replace the first: last written wins.
CREATE TABLE IF NOT EXISTS risk_limits (
    ts TIMESTAMP_NS, sym SYMBOL, strategy SYMBOL, max_order_qty DOUBLE, max_notional DOUBLE,
    price_band_bps DOUBLE, max_position DOUBLE, fat_finger_threshold DOUBLE, state SYMBOL,
    reason VARCHAR, model_version SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, sym, strategy);
