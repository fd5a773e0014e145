-- The newest drift verdict of a model: one row (or none) from drift_alerts.
-- $model  VARCHAR  model version
SELECT epoch_ns(ts) AS ts_ns, drifting
FROM drift_alerts
WHERE kind = 'summary' AND model_version = $model
ORDER BY ts DESC
LIMIT 1;
