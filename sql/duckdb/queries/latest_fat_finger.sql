-- The latest fat_finger_limits row per (sym, trader) among rows newer than a watermark: the
-- enforcer's poll of layer 1's max order qty. $1: watermark, UTC ns (BIGINT); rows with
-- ts > $1 are considered; ties on ts go to the last row written (rowid). ts comes back as
-- ts_ns, BIGINT ns (as the QuestDB twin).
SELECT epoch_ns(ts) AS ts_ns, sym, trader, fat_finger_max_qty, model_version
FROM (
    SELECT *, row_number() OVER (PARTITION BY sym, trader ORDER BY ts DESC, rowid DESC) AS rn
    FROM fat_finger_limits
    WHERE ts > make_timestamp_ns($1)
)
WHERE rn = 1
ORDER BY sym, trader;
