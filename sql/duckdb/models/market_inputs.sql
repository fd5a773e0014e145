-- Market-state rows read by the models: every features column, one row per (sym, bucket),
-- sorted by symbol then time. Usage: store.query_file("models/market_inputs.sql", {...})
-- $since, $until  BIGINT  UTC ns; buckets with since < ts <= until
SELECT epoch_ns(ts) AS ts_ns, *
FROM features
WHERE ts > make_timestamp_ns($since) AND ts <= make_timestamp_ns($until)
ORDER BY sym, ts;
