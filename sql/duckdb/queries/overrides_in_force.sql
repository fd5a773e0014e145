-- The limit overrides in force at $1 (UTC ns, BIGINT): the latest row of each override_id
-- (ties on ts: the last written, rowid) when it is 'active' and expires after $1. The
-- enforcer's limits feed polls this. ts and expires_ts come back as BIGINT ns (ts_ns,
-- expires_ns), as in the QuestDB twin.
SELECT override_id, sym, strategy, limit_name, value, epoch_ns(ts) AS ts_ns,
       epoch_ns(expires_ts) AS expires_ns
FROM (
    SELECT *, row_number() OVER (PARTITION BY override_id ORDER BY ts DESC, rowid DESC) AS rn
    FROM limit_overrides
)
WHERE rn = 1 AND status = 'active' AND expires_ts > make_timestamp_ns($1)
ORDER BY ts_ns, override_id;
