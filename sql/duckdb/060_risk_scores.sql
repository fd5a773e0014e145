-- Layer-2 market anomaly score per symbol per bucket.
CREATE TABLE IF NOT EXISTS risk_scores (
    ts             TIMESTAMP_NS NOT NULL,
    sym            VARCHAR      NOT NULL,
    anomaly_score  DOUBLE       NOT NULL,  -- EWMA-smoothed, higher = more anomalous
    tier           VARCHAR      NOT NULL,  -- NORMAL, ELEVATED, HIGH_ALERT, CRITICAL
    model_version  VARCHAR      NOT NULL
);
