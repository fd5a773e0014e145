-- Market-state rows read by the models (QuestDB twin of sql/duckdb/models/market_inputs.sql):
-- every features column, one row per (sym, bucket), sorted by symbol then time.
-- Usage: store.query_file("models/market_inputs.sql", {"since": NS, "until": NS})
-- $since, $until  LONG  UTC ns; buckets with since < ts <= until. ts comes back as LONG ns
-- (ts_ns, and ts itself, since PG wire carries microseconds).
SELECT ts::LONG AS ts_ns, ts::LONG AS ts, sym, best_bid, best_ask, mid, locked_crossed,
       spread_bps, imbalance_l1, imbalance_l5, book_pressure, depth5_bid, depth5_ask,
       trade_count, volume, signed_volume, quote_updates, quote_rate_1s, trade_to_order_1s,
       ret_1s, ret_10s, rv_1m, corr_ref_1m, large_trade, liq_recovery_rate
FROM features
WHERE ts > $since AND ts <= $until
ORDER BY sym, ts;
