-- Replay input for `enforcer.replay`: the orders with ts in [$1, $2) (epoch ns), each with
-- the reference mid of its symbol and that quote's touch (bid, ask, bid_size, ask_size; ASOF:
-- last two-sided quote at or before the order; the replay venue fills against it), the
-- model limits in force (ASOF: the latest risk_limits row at or before the order, the
-- (sym, strategy) row over the (sym, '*') row) and heartbeat_ts, the ts (bucket end) of
-- the newest publisher_heartbeat row of its symbol at or before the order (ASOF on ts),
-- and layer 1's fat_finger_max_qty (ASOF: the latest fat_finger_limits row of the order's
-- (sym, trader) at or before it; it applies while that heartbeat is fresh).
-- The replay uses the limits row iff order ts - heartbeat_ts <= the staleness bound: the
-- publisher had judged the symbol's market that recently (a limit row is written only when
-- a value changes; the heartbeat is written every bucket). Ordered as the enforcer would
-- see them.
-- Each ASOF join runs on the narrow order keys (rowid, ts, sym, strategy, trader) and the
-- rows meet again on rowid rather than each join sorting the whole widening row (a
-- symbol-hour of 72,000 orders through the store: 0.26 s -> 0.20 s; same result).
WITH o AS (
    SELECT rowid AS rid, ts, sym, strategy, trader
    FROM orders WHERE epoch_ns(ts) >= $1 AND epoch_ns(ts) < $2
),
q AS (
    SELECT ts, sym, (bid + ask) / 2 AS mid, bid, ask, bid_size, ask_size
    FROM quotes
    WHERE bid IS NOT NULL AND ask IS NOT NULL AND bid > 0 AND bid <= ask
),
ls AS (SELECT * FROM risk_limits WHERE strategy = '*'),
lp AS (SELECT * FROM risk_limits WHERE strategy <> '*'),
hb AS (SELECT ts, sym FROM publisher_heartbeat),  -- ASOF takes one row: no DISTINCT needed
ff AS (SELECT ts, sym, trader, fat_finger_max_qty FROM fat_finger_limits),
jq AS (
    SELECT o.rid, q.mid, q.bid, q.ask, q.bid_size, q.ask_size
    FROM o ASOF LEFT JOIN q ON o.sym = q.sym AND o.ts >= q.ts
),
js AS (
    SELECT o.rid, ls.ts, ls.max_order_qty, ls.max_notional, ls.price_band_bps,
           ls.max_position, ls.fat_finger_threshold, ls.state, ls.model_version
    FROM o ASOF LEFT JOIN ls ON o.sym = ls.sym AND o.ts >= ls.ts
),
jp AS (
    SELECT o.rid, lp.ts, lp.max_order_qty, lp.max_notional, lp.price_band_bps,
           lp.max_position, lp.fat_finger_threshold, lp.state, lp.model_version
    FROM o ASOF LEFT JOIN lp ON o.sym = lp.sym AND o.strategy = lp.strategy AND o.ts >= lp.ts
),
jh AS (
    SELECT o.rid, hb.ts FROM o ASOF LEFT JOIN hb ON o.sym = hb.sym AND o.ts >= hb.ts
),
jf AS (
    SELECT o.rid, ff.fat_finger_max_qty
    FROM o ASOF LEFT JOIN ff ON o.sym = ff.sym AND o.trader = ff.trader AND o.ts >= ff.ts
)
SELECT
    epoch_ns(w.ts)                                        AS ts,
    w.order_id, w.trader, w.strategy, w.sym, w.side, w.qty, w.price, w.order_type,
    jq.mid, jq.bid, jq.ask, jq.bid_size, jq.ask_size,
    epoch_ns(coalesce(jp.ts, js.ts))                      AS limits_ts,
    epoch_ns(jh.ts)                                       AS heartbeat_ts,
    coalesce(jp.max_order_qty, js.max_order_qty)          AS max_order_qty,
    coalesce(jp.max_notional, js.max_notional)            AS max_notional,
    coalesce(jp.price_band_bps, js.price_band_bps)        AS price_band_bps,
    coalesce(jp.max_position, js.max_position)            AS max_position,
    coalesce(jp.fat_finger_threshold, js.fat_finger_threshold) AS fat_finger_threshold,
    coalesce(jp.state, js.state)                          AS state,
    coalesce(jp.model_version, js.model_version)          AS model_version,
    jf.fat_finger_max_qty
FROM orders w
JOIN jq ON w.rowid = jq.rid
JOIN js ON w.rowid = js.rid
JOIN jp ON w.rowid = jp.rid
JOIN jh ON w.rowid = jh.rid
JOIN jf ON w.rowid = jf.rid
ORDER BY w.ts, w.order_id;
