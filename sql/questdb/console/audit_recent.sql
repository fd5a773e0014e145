-- The newest console actions, newest first (twin of sql/duckdb/console/audit_recent.sql).
-- $1: how many rows. ts as LONG ns (ts_ns).
SELECT ts::LONG AS ts_ns, who, role, action, target, why, before, after
FROM audit
ORDER BY ts DESC
LIMIT $1;
