-- The latest risk_limits row per (sym, strategy) among rows newer than a watermark.
-- $since: watermark, UTC ns (BIGINT); rows with ts > $since are considered.
-- Ties on ts are broken by insertion order (rowid), so the last row written wins.
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (PARTITION BY sym, strategy ORDER BY ts DESC, rowid DESC) AS rn
    FROM risk_limits
    WHERE ts > make_timestamp_ns($since)
)
WHERE rn = 1
ORDER BY sym, strategy;
