-- The newest drift verdicts, newest first (twin of sql/duckdb/console/drift_recent.sql).
-- $1: how many. ts as LONG ns (ts_ns).
SELECT ts::LONG AS ts_ns, sym, drifting, ks, psi, model_version
FROM drift_alerts
WHERE kind = 'summary'
ORDER BY ts DESC
LIMIT $1;
