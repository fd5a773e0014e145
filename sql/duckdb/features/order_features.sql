-- Order-level features: one row per order with since < ts <= until, for the fat-finger and
-- impact models. Each order is ASOF-joined onto the stored market state (features table; a
-- bucket labelled ts covers events before ts, so features.ts <= order.ts has no look-ahead)
-- and onto the latest risk score. Labels tables are never read here.
-- Usage: store.query_file("features/order_features.sql", features.orders.order_params(...))
--
-- $since, $until  BIGINT   UTC ns; orders with since < ts <= until are returned
-- $tz             VARCHAR  exchange time zone of the session clock (e.g. America/New_York)
-- $open_s         DOUBLE   session open, seconds after local midnight (34200 = 09:30)
-- $n_hist         BIGINT   previous orders (same trader and symbol) in the median / MAD / max
--                          window
-- $min_hist       BIGINT   fewer previous orders than this -> z-scores and ratio are NULL
WITH
hist AS (
    SELECT o.*,
           median(qty) OVER th AS qty_med,
           mad(qty) OVER th AS qty_mad,
           count(qty) OVER th AS qty_n,
           max(qty) OVER th AS qty_max,
           median(price) OVER th AS px_med,
           mad(price) OVER th AS px_mad,
           count(price) OVER th AS px_n
    FROM orders AS o
    WHERE ts <= make_timestamp_ns($until)
    WINDOW th AS (PARTITION BY trader, sym ORDER BY ts, order_id
                  ROWS BETWEEN $n_hist PRECEDING AND 1 PRECEDING)
),
ord AS (
    SELECT *, ts - INTERVAL 5 MINUTE AS ts5, ts - INTERVAL 20 MINUTE AS ts20
    FROM hist
    WHERE ts > make_timestamp_ns($since)
),
-- running totals over buckets from 20 min before `since`: a difference of two as-of lookups
-- is the exact sum over the buckets ending in (t - window, t]
cum AS (
    SELECT sym, ts, mid, best_bid, best_ask, rv_1m,
           sum(volume) OVER c AS cum_vol,
           sum(trade_count) OVER c AS cum_n
    FROM features
    WHERE ts >= make_timestamp_ns($since) - INTERVAL 20 MINUTE
      AND ts <= make_timestamp_ns($until)
    WINDOW c AS (PARTITION BY sym ORDER BY ts ROWS UNBOUNDED PRECEDING)
),
j AS (
    SELECT o.*,
           CASE WHEN a.ts >= o.ts - INTERVAL 60 SECOND THEN a.mid END AS mid,
           CASE WHEN a.ts >= o.ts - INTERVAL 60 SECOND THEN a.best_bid END AS best_bid,
           CASE WHEN a.ts >= o.ts - INTERVAL 60 SECOND THEN a.best_ask END AS best_ask,
           CASE WHEN a.ts >= o.ts - INTERVAL 60 SECOND THEN a.rv_1m END AS rv_1m,
           coalesce(a.cum_vol, 0) - coalesce(b.cum_vol, 0) AS vol_20m,
           coalesce(a.cum_vol, 0) - coalesce(c.cum_vol, 0) AS vol_5m,
           coalesce(a.cum_n, 0) - coalesce(c.cum_n, 0) AS n_5m,
           r.anomaly_score
    FROM ord AS o
    ASOF LEFT JOIN cum AS a ON a.sym = o.sym AND o.ts >= a.ts
    ASOF LEFT JOIN cum AS b ON b.sym = o.sym AND o.ts20 >= b.ts
    ASOF LEFT JOIN cum AS c ON c.sym = o.sym AND o.ts5 >= c.ts
    ASOF LEFT JOIN risk_scores AS r ON r.sym = o.sym AND o.ts >= r.ts
)
SELECT ts, order_id, trader, strategy, sym, side, order_type, qty, price, mid,
       qty / (vol_5m::DOUBLE / nullif(n_5m, 0)) AS qty_over_avg_trade,
       qty / nullif(vol_20m, 0)::DOUBLE AS qty_over_vol_20m,
       qty * coalesce(price, mid) AS notional,
       (CASE WHEN side = 'B' THEN 1 ELSE -1 END) * (price - mid) / mid * 1e4 AS price_dev_bps,
       (CASE WHEN side = 'B' THEN 1 ELSE -1 END) * ln(price / mid)
           / nullif(rv_1m * sqrt(60.0), 0) AS price_dev_vol,
       CASE WHEN side = 'B' AND price IS NOT NULL AND best_ask IS NOT NULL
                THEN greatest(price - best_ask, 0) / mid * 1e4
            WHEN side = 'S' AND price IS NOT NULL AND best_bid IS NOT NULL
                THEN greatest(best_bid - price, 0) / mid * 1e4 END AS cross_bps,
       CASE WHEN qty_n >= $min_hist THEN (qty - qty_med) / nullif(1.4826 * qty_mad, 0) END
           AS qty_z,
       CASE WHEN px_n >= $min_hist THEN (price - px_med) / nullif(1.4826 * px_mad, 0) END
           AS price_z,
       CASE WHEN qty_n >= $min_hist THEN qty / qty_med END AS qty_over_trader_median,
       CASE WHEN qty_n >= $min_hist THEN qty / qty_max END AS qty_over_trader_max,
       CASE WHEN side = 'B' THEN (price - best_bid) / nullif(best_ask - best_bid, 0)
            ELSE (best_ask - price) / nullif(best_ask - best_bid, 0) END AS touch_dev_spreads,
       -- since the latest open at or before ts: an overnight session (CME 17:00) opened the
       -- evening before, so the local time of day minus the open is taken modulo a day
       (((epoch_us(timezone($tz, timezone('UTC', ts)))
          - epoch_us(date_trunc('day', timezone($tz, timezone('UTC', ts))))) / 1e6 - $open_s)
        + 86400.0) % 86400.0 AS secs_since_open,
       anomaly_score
FROM j
ORDER BY ts, order_id;
