-- Each limit override's latest row, newest first (twin of
-- sql/duckdb/console/overrides_latest.sql). $1: how many. ts / expires_ts as LONG ns.
SELECT override_id, sym, strategy, limit_name, value, direction, status,
       ts::LONG AS ts_ns, expires_ts::LONG AS expires_ns, requested_by, approved_by, why
FROM (SELECT * FROM limit_overrides LATEST ON ts PARTITION BY override_id)
ORDER BY ts_ns DESC, override_id
LIMIT $1;
