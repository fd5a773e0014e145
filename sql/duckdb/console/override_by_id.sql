-- The latest row of one limit override. $1: override_id. Columns as overrides_latest.sql.
SELECT override_id, sym, strategy, limit_name, value, direction, status,
       epoch_ns(ts) AS ts_ns, epoch_ns(expires_ts) AS expires_ns, requested_by,
       approved_by, why
FROM limit_overrides
WHERE override_id = $1
ORDER BY ts DESC, rowid DESC
LIMIT 1;
