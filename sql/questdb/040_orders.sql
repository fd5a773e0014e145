CREATE TABLE IF NOT EXISTS orders (
    ts TIMESTAMP_NS, order_id LONG, trader SYMBOL, strategy SYMBOL, sym SYMBOL, side SYMBOL,
    qty DOUBLE, price DOUBLE, order_type SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, order_id);
