-- Book snapshots of one symbol over a window, for replaying a child-order schedule against
-- the recorded book (the snapshot in force at each child: the latest at or before it).
-- $sym VARCHAR; $since, $until BIGINT UTC ns (since <= ts <= until). Sorted by ts.
SELECT epoch_ns(ts) AS ts_ns, bid_px, bid_sz, ask_px, ask_sz
FROM book
WHERE sym = $sym AND ts >= make_timestamp_ns($since) AND ts <= make_timestamp_ns($until)
ORDER BY ts;
