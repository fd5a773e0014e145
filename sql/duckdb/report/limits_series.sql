-- Every all-strategy risk_limits row of one symbol up to $t1 (UTC ns), in issue order:
-- the dynamic max order size in force over time.
SELECT epoch_ns(ts) AS ts, max_order_qty, max_notional, price_band_bps, state, reason,
       model_version
FROM risk_limits
WHERE sym = $sym AND strategy = '*' AND ts <= make_timestamp_ns($t1)
ORDER BY ts, rowid;
