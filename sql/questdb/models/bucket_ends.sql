-- Every stored bucket end of every symbol in a range (QuestDB twin of
-- sql/duckdb/models/bucket_ends.sql): the buckets a publish judged when it writes static
-- limits (no promoted model, or drift), one heartbeat each.
-- Usage: store.query_file("models/bucket_ends.sql", {"since": SINCE_NS, "until": UNTIL_NS})
-- $since, $until  LONG  UTC ns; buckets with since < ts <= until; ts_ns comes back as LONG ns
SELECT sym, ts::LONG AS ts_ns
FROM features
WHERE ts > $since AND ts <= $until
ORDER BY sym, ts;
