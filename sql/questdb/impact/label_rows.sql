-- Stored impact labels (twin of sql/duckdb/impact/label_rows.sql), sorted by time then
-- symbol. $since, $until  LONG  UTC ns. ts comes back as ts_ns, LONG ns.
SELECT ts::LONG AS ts_ns, sym, side, qty, n_prints, arrival_mid, vwap, slippage_bps,
       spread_bps, depth1, depth5, volume_5m, rv_1m, anomaly_score
FROM impact_labels
WHERE ts > $since AND ts <= $until
ORDER BY ts, sym, side;
