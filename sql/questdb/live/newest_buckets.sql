-- The newest stored features bucket of each symbol at or before $until (QuestDB twin of
-- sql/duckdb/live/newest_buckets.sql). Usage:
--   store.query_file("live/newest_buckets.sql", {"until": UNTIL_NS})
-- $until  LONG  UTC ns; ts_ns comes back as LONG ns
SELECT sym, max(ts)::LONG AS ts_ns
FROM features
WHERE ts <= $until
GROUP BY sym
ORDER BY sym;
