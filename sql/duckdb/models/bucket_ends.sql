-- Every stored bucket end of every symbol in a range: the buckets a publish judged when it
-- writes static limits (no promoted model, or drift), one heartbeat each.
-- Usage: store.query_file("models/bucket_ends.sql", {"since": SINCE_NS, "until": UNTIL_NS})
-- $since, $until  BIGINT  UTC ns; buckets with since < ts <= until
SELECT sym, epoch_ns(ts) AS ts_ns
FROM features
WHERE ts > make_timestamp_ns($since) AND ts <= make_timestamp_ns($until)
ORDER BY sym, ts;
