-- The live calibrator's market clock when another process feeds the store (QuestDB twin of
-- sql/duckdb/live/market_clock.sql): the newest event time of any symbol in trades, quotes
-- and book after a watermark. Usage:
--   store.query_file("live/market_clock.sql", {"since": SINCE_NS})
-- $since  LONG  UTC ns (events with ts > since); ts_ns LONG ns, NULL when there are none
SELECT max(t) AS ts_ns FROM (
    SELECT max(ts)::LONG AS t FROM trades WHERE ts > $since
    UNION ALL
    SELECT max(ts)::LONG AS t FROM quotes WHERE ts > $since
    UNION ALL
    SELECT max(ts)::LONG AS t FROM book WHERE ts > $since
);
