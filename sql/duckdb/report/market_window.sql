-- Market state and anomaly score of one symbol per bucket in [$t0, $t1] (UTC ns): the rows
-- of the risk officer's crash table and the series behind the plots.
SELECT epoch_ns(f.ts) AS ts, f.mid, f.rv_1m, f.spread_bps, f.imbalance_l1, f.trade_to_order_1s,
       s.anomaly_score, s.tier
FROM features f
LEFT JOIN (
    SELECT ts, sym, any_value(anomaly_score) AS anomaly_score, any_value(tier) AS tier
    FROM risk_scores WHERE sym = $sym GROUP BY ts, sym
) s ON s.sym = f.sym AND s.ts = f.ts
WHERE f.sym = $sym AND f.ts >= make_timestamp_ns($t0) AND f.ts <= make_timestamp_ns($t1)
ORDER BY f.ts;
