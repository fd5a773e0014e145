-- Market state per symbol per bucket; columns and units as sql/duckdb/050_features.sql.
CREATE TABLE IF NOT EXISTS features (
    ts TIMESTAMP_NS, sym SYMBOL, best_bid DOUBLE, best_ask DOUBLE, mid DOUBLE,
    locked_crossed BOOLEAN, spread_bps DOUBLE, imbalance_l1 DOUBLE, imbalance_l5 DOUBLE,
    book_pressure DOUBLE, depth5_bid DOUBLE, depth5_ask DOUBLE, trade_count LONG, volume DOUBLE,
    signed_volume DOUBLE, quote_updates LONG, quote_rate_1s DOUBLE, trade_to_order_1s DOUBLE,
    ret_1s DOUBLE, ret_10s DOUBLE, rv_1m DOUBLE, corr_ref_1m DOUBLE, large_trade BOOLEAN,
    liq_recovery_rate DOUBLE
) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, sym);
