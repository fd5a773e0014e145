-- The live calibrator's market clock when another process feeds the store: the newest event
-- time of any symbol in trades, quotes and book after a watermark. Usage:
--   store.query_file("live/market_clock.sql", {"since": SINCE_NS})
-- $since  BIGINT  UTC ns (events with ts > since); NULL when there are none
SELECT epoch_ns(max(ts)) AS ts_ns FROM (
    SELECT max(ts) AS ts FROM trades WHERE ts > make_timestamp_ns($since)
    UNION ALL
    SELECT max(ts) FROM quotes WHERE ts > make_timestamp_ns($since)
    UNION ALL
    SELECT max(ts) FROM book WHERE ts > make_timestamp_ns($since)
);
