-- Per symbol, for one session: the last event time and the last stored bucket (QuestDB).
-- Usage: PG wire with $1 = open, $2 = close (LONG UTC ns); times come back as LONG ns.
WITH ev AS (
    SELECT sym, max(t) AS last_event FROM (
        SELECT sym, ts::LONG AS t FROM trades WHERE ts >= $1 AND ts <= $2
        UNION ALL
        SELECT sym, ts::LONG AS t FROM quotes WHERE ts >= $1 AND ts <= $2
        UNION ALL
        SELECT sym, ts::LONG AS t FROM book WHERE ts >= $1 AND ts <= $2
    )
),
st AS (
    SELECT sym, max(ts::LONG) AS last_stored FROM features WHERE ts > $1 AND ts <= $2
)
SELECT ev.sym, ev.last_event, st.last_stored
FROM ev LEFT JOIN st ON st.sym = ev.sym
ORDER BY ev.sym;
