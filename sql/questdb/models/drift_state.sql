-- The newest drift verdict of a model: one row (or none) from drift_alerts (QuestDB twin of
-- sql/duckdb/models/drift_state.sql). $model  VARCHAR  model version; ts_ns LONG ns.
SELECT ts::LONG AS ts_ns, drifting
FROM drift_alerts
WHERE kind = 'summary' AND model_version = $model
ORDER BY ts DESC
LIMIT 1;
