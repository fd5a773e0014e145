-- Order-level features, QuestDB twin of sql/duckdb/features/order_features.sql: one row per
-- order with since < ts <= until, ASOF-joined onto the stored market state (features table)
-- and the latest risk score. Labels tables are never read here.
-- Usage: store.query_file("features/order_features.sql", features.orders.order_params(...))
--
-- $since, $until  LONG     UTC ns; orders with since < ts <= until are returned
-- $tz             VARCHAR  exchange time zone of the session clock (e.g. America/New_York)
-- $open_s         DOUBLE   session open, seconds after local midnight (34200 = 09:30)
-- $n_hist         LONG     previous orders (same trader and symbol) in the median / MAD / max
--                          window
-- $min_hist       LONG     fewer previous orders than this -> z-scores and ratio are NULL
--
-- QuestDB has no median or MAD, over a window or at all, so the trader history is exact by
-- hand: each order is paired with its previous $n_hist orders of the same trader and symbol
-- (rank rn by (ts, order_id); a pair is found through blocks of $n_hist ranks, so an order
-- meets at most 2 x $n_hist candidates), the median is the middle one or two of the sorted
-- window, the MAD the median of the absolute deviations from it, the max the largest. ts
-- comes back as LONG ns.
WITH
o AS (
    SELECT ts, order_id, trader, strategy, sym, side, qty, price, order_type,
           row_number() OVER (PARTITION BY trader, sym ORDER BY ts, order_id) AS rn
    FROM orders
    WHERE ts <= $until
),
asked AS (SELECT ts, order_id, trader, sym, rn, (rn - 1) / $n_hist AS blk FROM o WHERE ts > $since),
cand AS (  -- each order as a history candidate, in its own block of ranks and the next
    SELECT trader, sym, rn, qty, price, (rn - 1) / $n_hist AS blk FROM o
    UNION ALL
    SELECT trader, sym, rn, qty, price, (rn - 1) / $n_hist + 1 AS blk FROM o
),
pairs AS (  -- (order, one of its previous $n_hist orders)
    SELECT a.order_id, a.ts, b.qty, b.price
    FROM asked AS a
    JOIN cand AS b ON a.trader = b.trader AND a.sym = b.sym AND a.blk = b.blk
    WHERE b.rn < a.rn AND b.rn >= a.rn - $n_hist
),
q_rank AS (
    SELECT order_id, ts, qty::DOUBLE AS v,
           row_number() OVER (PARTITION BY order_id, ts ORDER BY qty) AS k,
           count() OVER (PARTITION BY order_id, ts) AS n,
           max(qty::DOUBLE) OVER (PARTITION BY order_id, ts) AS mx
    FROM pairs
),
q_med AS (
    SELECT order_id, ts, avg(v) AS med, max(n) AS n, max(mx) AS mx FROM q_rank
    WHERE k = (n + 1) / 2 OR k = (n + 2) / 2
),
q_dev AS (
    SELECT p.order_id, p.ts, abs(p.qty - m.med) AS v
    FROM pairs AS p JOIN q_med AS m ON p.order_id = m.order_id AND p.ts = m.ts
),
q_mad AS (
    SELECT order_id, ts, avg(v) AS mad FROM (
        SELECT order_id, ts, v, row_number() OVER (PARTITION BY order_id, ts ORDER BY v) AS k,
               count() OVER (PARTITION BY order_id, ts) AS n
        FROM q_dev
    ) WHERE k = (n + 1) / 2 OR k = (n + 2) / 2
),
p_rank AS (
    SELECT order_id, ts, price AS v,
           row_number() OVER (PARTITION BY order_id, ts ORDER BY price) AS k,
           count() OVER (PARTITION BY order_id, ts) AS n
    FROM pairs
    WHERE price IS NOT NULL
),
p_med AS (
    SELECT order_id, ts, avg(v) AS med, max(n) AS n FROM p_rank
    WHERE k = (n + 1) / 2 OR k = (n + 2) / 2
),
p_dev AS (
    SELECT p.order_id, p.ts, abs(p.v - m.med) AS v
    FROM p_rank AS p JOIN p_med AS m ON p.order_id = m.order_id AND p.ts = m.ts
),
p_mad AS (
    SELECT order_id, ts, avg(v) AS mad FROM (
        SELECT order_id, ts, v, row_number() OVER (PARTITION BY order_id, ts ORDER BY v) AS k,
               count() OVER (PARTITION BY order_id, ts) AS n
        FROM p_dev
    ) WHERE k = (n + 1) / 2 OR k = (n + 2) / 2
),
ord AS (
    SELECT * FROM (
        SELECT o.ts, o.order_id, o.trader, o.strategy, o.sym, o.side, o.qty, o.price,
               o.order_type, qm.med AS qty_med, qd.mad AS qty_mad, coalesce(qm.n, 0) AS qty_n,
               qm.mx AS qty_max,
               pm.med AS px_med, pd.mad AS px_mad, coalesce(pm.n, 0) AS px_n
        FROM o
        LEFT JOIN q_med AS qm ON qm.order_id = o.order_id AND qm.ts = o.ts
        LEFT JOIN q_mad AS qd ON qd.order_id = o.order_id AND qd.ts = o.ts
        LEFT JOIN p_med AS pm ON pm.order_id = o.order_id AND pm.ts = o.ts
        LEFT JOIN p_mad AS pd ON pd.order_id = o.order_id AND pd.ts = o.ts
        WHERE o.ts > $since
        ORDER BY o.ts
    ) TIMESTAMP(ts)
),
-- running totals over buckets from 20 min before `since`: a difference of two as-of lookups
-- is the exact sum over the buckets ending in (t - window, t]
cum AS (
    SELECT * FROM (
        SELECT ts, sym, mid, best_bid, best_ask, rv_1m,
               sum(volume) OVER (PARTITION BY sym ORDER BY ts ROWS UNBOUNDED PRECEDING) AS cum_vol,
               sum(trade_count) OVER (PARTITION BY sym ORDER BY ts ROWS UNBOUNDED PRECEDING)
                   AS cum_n
        FROM features
        WHERE ts >= dateadd('m', -20, $since::TIMESTAMP_NS) AND ts <= $until
        ORDER BY ts
    ) TIMESTAMP(ts)
),
j AS (
    SELECT o.*, a.ts AS a_ts, a.mid, a.best_bid, a.best_ask, a.rv_1m, a.cum_vol, a.cum_n,
           r.anomaly_score
    FROM ord AS o
    ASOF JOIN cum AS a ON (sym)
    ASOF JOIN risk_scores AS r ON (sym)
),
j20 AS (
    SELECT j.*, b.cum_vol AS cum_vol_20m
    FROM (SELECT * FROM (SELECT *, dateadd('m', -20, ts) AS ts20 FROM j ORDER BY ts20)
          TIMESTAMP(ts20)) AS j
    ASOF JOIN (SELECT ts AS ts20, sym, cum_vol FROM cum) AS b ON (sym)
),
j5 AS (
    SELECT j.*, c.cum_vol AS cum_vol_5m, c.cum_n AS cum_n_5m
    FROM (SELECT * FROM (SELECT *, dateadd('m', -5, ts) AS ts5 FROM j20 ORDER BY ts5)
          TIMESTAMP(ts5)) AS j
    ASOF JOIN (SELECT ts AS ts5, sym, cum_vol, cum_n FROM cum) AS c ON (sym)
),
m AS (
    SELECT ts, order_id, trader, strategy, sym, side, order_type, qty, price, anomaly_score,
           qty_med, qty_mad, qty_n, qty_max, px_med, px_mad, px_n,
           CASE WHEN a_ts >= dateadd('s', -60, ts) THEN mid END AS mid,
           CASE WHEN a_ts >= dateadd('s', -60, ts) THEN best_bid END AS best_bid,
           CASE WHEN a_ts >= dateadd('s', -60, ts) THEN best_ask END AS best_ask,
           CASE WHEN a_ts >= dateadd('s', -60, ts) THEN rv_1m END AS rv_1m,
           coalesce(cum_vol, 0) - coalesce(cum_vol_20m, 0) AS vol_20m,
           coalesce(cum_vol, 0) - coalesce(cum_vol_5m, 0) AS vol_5m,
           coalesce(cum_n, 0) - coalesce(cum_n_5m, 0) AS n_5m
    FROM j5
)
SELECT ts::LONG AS ts, order_id, trader, strategy, sym, side, order_type, qty, price, mid,
       qty / (vol_5m::DOUBLE / nullif(n_5m, 0)) AS qty_over_avg_trade,
       qty / nullif(vol_20m, 0)::DOUBLE AS qty_over_vol_20m,
       qty * coalesce(price, mid) AS notional,
       (CASE WHEN side = 'B' THEN 1 ELSE -1 END) * (price - mid) / mid * 1e4 AS price_dev_bps,
       (CASE WHEN side = 'B' THEN 1 ELSE -1 END) * ln(price / mid)
           / nullif(rv_1m * sqrt(60.0), 0) AS price_dev_vol,
       CASE WHEN side = 'B' AND price IS NOT NULL AND best_ask IS NOT NULL
                THEN greatest(price - best_ask, 0.0) / mid * 1e4
            WHEN side = 'S' AND price IS NOT NULL AND best_bid IS NOT NULL
                THEN greatest(best_bid - price, 0.0) / mid * 1e4 END AS cross_bps,
       CASE WHEN qty_n >= $min_hist THEN (qty - qty_med) / nullif(1.4826 * qty_mad, 0) END
           AS qty_z,
       CASE WHEN px_n >= $min_hist THEN (price - px_med) / nullif(1.4826 * px_mad, 0) END
           AS price_z,
       CASE WHEN qty_n >= $min_hist THEN qty / qty_med END AS qty_over_trader_median,
       CASE WHEN qty_n >= $min_hist THEN qty / qty_max END AS qty_over_trader_max,
       CASE WHEN side = 'B' THEN (price - best_bid) / nullif(best_ask - best_bid, 0.0)
            ELSE (best_ask - price) / nullif(best_ask - best_bid, 0.0) END AS touch_dev_spreads,
       ((to_timezone(ts, $tz)::LONG % 86400000000000) / 1000 / 1e6 - $open_s + 86400.0)
           % 86400.0 AS secs_since_open,  -- since the latest open (an overnight session too)
       anomaly_score
FROM m
ORDER BY ts, order_id;
