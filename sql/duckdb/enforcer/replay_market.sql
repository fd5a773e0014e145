-- The recorded market the replay venue (`enforcer/replay_venue.py`) judges resting orders
-- against: every quote (kind 'Q': bid, ask; NULL where a side is empty) and every trade
-- (kind 'T': price in bid, ask NULL) with ts in [$1, $2) (epoch ns) of the symbols that
-- have orders in that window, ordered by symbol and time.
WITH s AS (
    SELECT DISTINCT sym FROM orders WHERE epoch_ns(ts) >= $1 AND epoch_ns(ts) < $2
)
SELECT epoch_ns(q.ts) AS ts, q.sym, 'Q' AS kind, q.bid, q.ask
FROM quotes q JOIN s ON q.sym = s.sym
WHERE epoch_ns(q.ts) >= $1 AND epoch_ns(q.ts) < $2
UNION ALL
SELECT epoch_ns(t.ts) AS ts, t.sym, 'T' AS kind, t.price AS bid, NULL AS ask
FROM trades t JOIN s ON t.sym = s.sym
WHERE epoch_ns(t.ts) >= $1 AND epoch_ns(t.ts) < $2
ORDER BY sym, kind, ts;
