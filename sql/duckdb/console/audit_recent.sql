-- The newest console actions, newest first. $1: how many rows (BIGINT). ts as BIGINT ns
-- (ts_ns), as in the QuestDB twin.
SELECT epoch_ns(ts) AS ts_ns, who, role, action, target, why, before, after
FROM audit
ORDER BY ts DESC, rowid DESC
LIMIT $1;
