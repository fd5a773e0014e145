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
WITH o AS (
    SELECT * FROM orders WHERE epoch_ns(ts) >= $1 AND epoch_ns(ts) < $2
),
q AS (
    SELECT ts, sym, (bid + ask) / 2 AS mid, bid, ask, bid_size, ask_size
    FROM quotes
    WHERE bid IS NOT NULL AND ask IS NOT NULL AND bid > 0 AND bid <= ask
),
ls AS (SELECT * FROM risk_limits WHERE strategy = '*'),
lp AS (SELECT * FROM risk_limits WHERE strategy <> '*'),
hb AS (SELECT DISTINCT ts, sym FROM publisher_heartbeat),
ff AS (SELECT ts, sym, trader, fat_finger_max_qty FROM fat_finger_limits)
SELECT
    epoch_ns(o.ts)                                        AS ts,
    o.order_id, o.trader, o.strategy, o.sym, o.side, o.qty, o.price, o.order_type,
    q.mid, q.bid, q.ask, q.bid_size, q.ask_size,
    epoch_ns(coalesce(lp.ts, ls.ts))                      AS limits_ts,
    epoch_ns(hb.ts)                                       AS heartbeat_ts,
    coalesce(lp.max_order_qty, ls.max_order_qty)          AS max_order_qty,
    coalesce(lp.max_notional, ls.max_notional)            AS max_notional,
    coalesce(lp.price_band_bps, ls.price_band_bps)        AS price_band_bps,
    coalesce(lp.max_position, ls.max_position)            AS max_position,
    coalesce(lp.fat_finger_threshold, ls.fat_finger_threshold) AS fat_finger_threshold,
    coalesce(lp.state, ls.state)                          AS state,
    coalesce(lp.model_version, ls.model_version)          AS model_version,
    ff.fat_finger_max_qty
FROM o
ASOF LEFT JOIN q ON o.sym = q.sym AND o.ts >= q.ts
ASOF LEFT JOIN ls ON o.sym = ls.sym AND o.ts >= ls.ts
ASOF LEFT JOIN lp ON o.sym = lp.sym AND o.strategy = lp.strategy AND o.ts >= lp.ts
ASOF LEFT JOIN hb ON o.sym = hb.sym AND o.ts >= hb.ts
ASOF LEFT JOIN ff ON o.sym = ff.sym AND o.trader = ff.trader AND o.ts >= ff.ts
ORDER BY o.ts, o.order_id;
