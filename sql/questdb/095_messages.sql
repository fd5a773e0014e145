CREATE TABLE IF NOT EXISTS messages (
    ts TIMESTAMP_NS, sym SYMBOL, seq LONG, event_type BYTE, order_id LONG, size DOUBLE,
    price DOUBLE, direction BYTE, halt_state SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL;
