-- Each limit override's latest row (its current status), newest first. $1: how many
-- (BIGINT). ts / expires_ts as BIGINT ns (ts_ns, expires_ns), as in the QuestDB twin.
SELECT override_id, sym, strategy, limit_name, value, direction, status,
       epoch_ns(ts) AS ts_ns, epoch_ns(expires_ts) AS expires_ns, requested_by,
       approved_by, why
FROM (
    SELECT *, row_number() OVER (PARTITION BY override_id ORDER BY ts DESC, rowid DESC) AS rn
    FROM limit_overrides
)
WHERE rn = 1
ORDER BY ts_ns DESC, override_id
LIMIT $1;
