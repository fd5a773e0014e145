-- UTC calendar days holding market data at or after a watermark, oldest first.
-- Usage: store.query_file("features/data_days.sql", {"since": SINCE_NS})
-- $since  BIGINT  UTC ns; days with an event at ts >= since are listed (as days since epoch).
SELECT DISTINCT day FROM (
    SELECT DISTINCT epoch_ns(ts) // 86400000000000 AS day FROM trades
    WHERE ts >= make_timestamp_ns($since)
    UNION ALL
    SELECT DISTINCT epoch_ns(ts) // 86400000000000 FROM quotes WHERE ts >= make_timestamp_ns($since)
    UNION ALL
    SELECT DISTINCT epoch_ns(ts) // 86400000000000 FROM book WHERE ts >= make_timestamp_ns($since)
)
ORDER BY day;
