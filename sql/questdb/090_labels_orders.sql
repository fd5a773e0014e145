CREATE TABLE IF NOT EXISTS labels_orders (
    order_id LONG, ts TIMESTAMP_NS, sym SYMBOL, is_error BOOLEAN, error_kind SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL;
