-- Per symbol, for one session: the first and last event times and the first and last stored
-- buckets.
-- Usage: store.query_file("features/build_state.sql", {"open": OPEN_NS, "close": CLOSE_NS})
-- $open, $close  BIGINT  session bounds, UTC ns. Events count when open - 1 bucket <= ts <= close.
WITH ev AS (
    SELECT sym, max(ts) AS last_event, min(ts) AS first_event FROM (
        SELECT sym, ts FROM trades
        WHERE ts >= make_timestamp_ns($open) AND ts <= make_timestamp_ns($close)
        UNION ALL
        SELECT sym, ts FROM quotes
        WHERE ts >= make_timestamp_ns($open) AND ts <= make_timestamp_ns($close)
        UNION ALL
        SELECT sym, ts FROM book
        WHERE ts >= make_timestamp_ns($open) AND ts <= make_timestamp_ns($close)
    )
    GROUP BY sym
),
st AS (
    SELECT sym, max(ts) AS last_stored, min(ts) AS first_stored FROM features
    WHERE ts > make_timestamp_ns($open) AND ts <= make_timestamp_ns($close)
    GROUP BY sym
)
SELECT coalesce(ev.sym, st.sym) AS sym,
       epoch_ns(ev.last_event) AS last_event,
       epoch_ns(st.last_stored) AS last_stored,
       epoch_ns(st.first_stored) AS first_stored,
       epoch_ns(ev.first_event) AS first_event
FROM ev FULL OUTER JOIN st ON ev.sym = st.sym
ORDER BY sym;
