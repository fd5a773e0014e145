-- Per symbol, for one session: the first and last event times and the first and last stored
-- buckets
-- (QuestDB twin of sql/duckdb/features/build_state.sql).
-- Usage: store.query_file("features/build_state.sql", {"open": NS, "close": NS}) (LONG UTC
-- ns, the names of the DuckDB twin); times come back as LONG ns.
WITH ev AS (
    SELECT sym, max(t) AS last_event, min(t) AS first_event FROM (
        SELECT sym, ts::LONG AS t FROM trades WHERE ts >= $open AND ts <= $close
        UNION ALL
        SELECT sym, ts::LONG AS t FROM quotes WHERE ts >= $open AND ts <= $close
        UNION ALL
        SELECT sym, ts::LONG AS t FROM book WHERE ts >= $open AND ts <= $close
    )
),
st AS (
    SELECT sym, max(ts::LONG) AS last_stored, min(ts::LONG) AS first_stored FROM features
    WHERE ts > $open AND ts <= $close
)
SELECT ev.sym, ev.last_event, st.last_stored, st.first_stored, ev.first_event
FROM ev LEFT JOIN st ON st.sym = ev.sym
ORDER BY ev.sym;
