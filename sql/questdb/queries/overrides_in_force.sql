-- The limit overrides in force at $1 (twin of sql/duckdb/queries/overrides_in_force.sql):
-- the latest row per override_id (LATEST ON), kept when 'active' and expiring after $1
-- (UTC ns as a LONG). ts and expires_ts come back as LONG ns (ts_ns, expires_ns).
SELECT override_id, sym, strategy, limit_name, value, ts::LONG AS ts_ns,
       expires_ts::LONG AS expires_ns
FROM (SELECT * FROM limit_overrides LATEST ON ts PARTITION BY override_id)
WHERE status = 'active' AND expires_ts::LONG > $1
ORDER BY ts_ns, override_id;
