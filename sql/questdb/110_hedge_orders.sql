-- Hedge orders and their enforcer decisions (columns as sql/duckdb/110_hedge_orders.sql).
CREATE TABLE IF NOT EXISTS hedge_orders (
    ts TIMESTAMP_NS, run_id SYMBOL, order_id LONG, sym SYMBOL, strategy SYMBOL, side SYMBOL,
    qty LONG, price DOUBLE, position_before LONG, target_position LONG, verdict SYMBOL,
    reasons VARCHAR, risk_state SYMBOL, limits_version SYMBOL, model_version SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, order_id);
