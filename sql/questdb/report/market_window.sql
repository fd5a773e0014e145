-- Market state and anomaly score of one symbol per bucket in [$t0, $t1] (LONG UTC ns; QuestDB
-- twin of sql/duckdb/report/market_window.sql): the rows of the risk officer's crash table
-- and the series behind the plots. risk_scores is deduplicated on (ts, sym).
SELECT f.ts::LONG AS ts, f.mid, f.rv_1m, f.spread_bps, f.imbalance_l1, f.trade_to_order_1s,
       s.anomaly_score, s.tier
FROM (SELECT * FROM features WHERE sym = $sym AND ts >= $t0 AND ts <= $t1) f
LEFT JOIN (SELECT ts, anomaly_score, tier FROM risk_scores WHERE sym = $sym) s ON s.ts = f.ts
ORDER BY f.ts;
