-- Stored impact labels for training and evaluation, sorted by time then symbol.
-- $since, $until  BIGINT  UTC ns; labels with since < ts <= until. ts comes back as ts_ns.
SELECT epoch_ns(ts) AS ts_ns, sym, side, qty, n_prints, arrival_mid, vwap, slippage_bps,
       spread_bps, depth1, depth5, volume_5m, rv_1m, anomaly_score
FROM impact_labels
WHERE ts > make_timestamp_ns($since) AND ts <= make_timestamp_ns($until)
ORDER BY ts, sym, side;
