-- Book snapshots of one symbol over a window (twin of sql/duckdb/impact/book_window.sql).
-- $sym; $since, $until LONG UTC ns. ts comes back as ts_ns, LONG ns.
SELECT ts::LONG AS ts_ns, bid_px, bid_sz, ask_px, ask_sz
FROM book
WHERE sym = $sym AND ts >= $since AND ts <= $until
ORDER BY ts;
