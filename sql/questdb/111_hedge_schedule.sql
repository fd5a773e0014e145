-- Hedging schedule of each hedge run (columns as sql/duckdb/111_hedge_schedule.sql).
CREATE TABLE IF NOT EXISTS hedge_schedule (
    ts TIMESTAMP_NS, run_id SYMBOL, step INT, sym SYMBOL, spot DOUBLE, tau_days DOUBLE,
    book_delta DOUBLE, book_gamma DOUBLE, book_vega DOUBLE, target_position LONG,
    trade_qty LONG, position LONG, cost DOUBLE, cum_cost DOUBLE, verdict SYMBOL,
    model_version SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, run_id, step);
