-- risk_scores rows newer than a watermark, oldest first (twin of
-- sql/duckdb/console/scores_since.sql). $1: watermark, UTC ns as a LONG.
SELECT ts::LONG AS ts_ns, sym, anomaly_score, tier
FROM risk_scores
WHERE ts::LONG > $1
ORDER BY ts, sym;
