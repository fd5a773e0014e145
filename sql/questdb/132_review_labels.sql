-- A risk officer's review verdicts (columns as sql/duckdb/132_review_labels.sql).
CREATE TABLE IF NOT EXISTS review_labels (
    ts TIMESTAMP_NS, log_id SYMBOL, seq LONG, order_id LONG, sym SYMBOL, strategy SYMBOL,
    static_verdict SYMBOL, dynamic_verdict SYMBOL, label SYMBOL, comment VARCHAR, who SYMBOL
) TIMESTAMP(ts) PARTITION BY DAY WAL;
