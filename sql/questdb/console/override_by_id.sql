-- The latest row of one limit override (twin of sql/duckdb/console/override_by_id.sql).
-- $1: override_id.
SELECT override_id, sym, strategy, limit_name, value, direction, status,
       ts::LONG AS ts_ns, expires_ts::LONG AS expires_ns, requested_by, approved_by, why
FROM limit_overrides
WHERE override_id = $1
LATEST ON ts PARTITION BY override_id;
