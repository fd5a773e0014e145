-- The newest drift verdicts (kind 'summary' rows of drift_alerts), newest first. $1: how
-- many. ts as BIGINT ns (ts_ns).
SELECT epoch_ns(ts) AS ts_ns, sym, drifting, ks, psi, model_version
FROM drift_alerts
WHERE kind = 'summary'
ORDER BY ts DESC
LIMIT $1;
