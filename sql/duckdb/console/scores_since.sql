-- risk_scores rows newer than a watermark, oldest first: the console board's tier, score
-- and sparkline. $1: watermark, UTC ns (BIGINT). ts as BIGINT ns (ts_ns).
SELECT epoch_ns(ts) AS ts_ns, sym, anomaly_score, tier
FROM risk_scores
WHERE ts > make_timestamp_ns($1)
ORDER BY ts, sym;
