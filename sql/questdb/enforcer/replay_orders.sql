-- Replay input for `enforcer.replay` (QuestDB twin of sql/duckdb/enforcer/replay_orders.sql):
-- the orders with ts in [$1, $2) (LONG UTC ns), each with the reference mid of its symbol
-- and that quote's touch (bid, ask, bid_size, ask_size; ASOF: last two-sided quote at or
-- before the order; the replay venue fills against it), the model limits in force (ASOF: the
-- latest risk_limits row at or before the order, the (sym, strategy) row over the
-- (sym, '*') row) and heartbeat_ts, the ts (bucket end) of the newest publisher_heartbeat row
-- of its symbol at or before the order, and layer 1's fat_finger_max_qty (the latest
-- fat_finger_limits row of the order's (sym, trader) at or before it). QuestDB's ASOF JOIN
-- keeps every order (NULLs where nothing matches) and, among rows with the same ts, takes
-- the last to arrive. Times come back as LONG ns. Ordered as the enforcer would see them.
WITH o AS (
    SELECT * FROM orders WHERE ts >= $1 AND ts < $2
),
q AS (
    SELECT ts, sym, (bid + ask) / 2 AS mid, bid, ask, bid_size, ask_size
    FROM quotes
    WHERE bid IS NOT NULL AND ask IS NOT NULL AND bid > 0 AND bid <= ask
),
ls AS (SELECT * FROM risk_limits WHERE strategy = '*'),
lp AS (SELECT * FROM risk_limits WHERE strategy <> '*'),
hb AS (SELECT ts, sym FROM publisher_heartbeat),
ff AS (SELECT ts, sym, trader, fat_finger_max_qty FROM fat_finger_limits)
SELECT
    o.ts::LONG                                            AS ts,
    o.order_id, o.trader, o.strategy, o.sym, o.side, o.qty, o.price, o.order_type,
    q.mid, q.bid, q.ask, q.bid_size, q.ask_size,
    coalesce(lp.ts::LONG, ls.ts::LONG)                    AS limits_ts,
    hb.ts::LONG                                           AS heartbeat_ts,
    coalesce(lp.max_order_qty, ls.max_order_qty)          AS max_order_qty,
    coalesce(lp.max_notional, ls.max_notional)            AS max_notional,
    coalesce(lp.price_band_bps, ls.price_band_bps)        AS price_band_bps,
    coalesce(lp.max_position, ls.max_position)            AS max_position,
    coalesce(lp.fat_finger_threshold, ls.fat_finger_threshold) AS fat_finger_threshold,
    coalesce(lp.state, ls.state)                          AS state,
    coalesce(lp.model_version, ls.model_version)          AS model_version,
    ff.fat_finger_max_qty
FROM o
ASOF JOIN q ON (sym)
ASOF JOIN ls ON (sym)
ASOF JOIN lp ON (sym, strategy)
ASOF JOIN hb ON (sym)
ASOF JOIN ff ON (sym, trader)
ORDER BY o.ts, o.order_id;
