-- The newest stored features bucket of each symbol at or before $until (the live publisher's
-- judged buckets when it writes static limits). Usage:
--   store.query_file("live/newest_buckets.sql", {"until": UNTIL_NS})
-- $until  BIGINT  UTC ns
SELECT sym, epoch_ns(max(ts)) AS ts_ns
FROM features
WHERE ts <= make_timestamp_ns($until)
GROUP BY sym
ORDER BY sym;
