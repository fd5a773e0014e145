-- The recorded market the replay venue (`enforcer/replay_venue.py`) judges resting orders
-- against (QuestDB twin of sql/duckdb/enforcer/replay_market.sql): every quote (kind 'Q':
-- bid, ask; NULL where a side is empty) and every trade (kind 'T': price in bid, ask NULL)
-- with ts in [$1, $2) (LONG UTC ns) of the symbols that have orders in that window, ordered
-- by symbol and time. Times come back as LONG ns.
WITH s AS (
    SELECT DISTINCT sym FROM orders WHERE ts >= $1 AND ts < $2
),
m AS (
    SELECT q.ts::LONG AS ts, q.sym, 'Q' AS kind, q.bid, q.ask
    FROM quotes q JOIN s ON q.sym = s.sym
    WHERE q.ts >= $1 AND q.ts < $2
    UNION ALL
    SELECT t.ts::LONG AS ts, t.sym, 'T' AS kind, t.price AS bid, NULL::DOUBLE AS ask
    FROM trades t JOIN s ON t.sym = s.sym
    WHERE t.ts >= $1 AND t.ts < $2
)
SELECT ts, sym, kind, bid, ask FROM m ORDER BY sym, kind, ts;
