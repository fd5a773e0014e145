-- Order-level features, QuestDB dialect: one row per order, ASOF-joined onto the stored
-- market state (features table) and the latest risk score. Labels are never read here.
-- Usage: PG wire with $1 = since, $2 = until (LONG UTC ns; orders with since < ts <= until).
-- Written from the QuestDB docs, not yet run against a server (a later issue tests it).
-- Trader history: QuestDB has no windowed median / MAD, so over the previous 50 orders of
-- the same trader and symbol this file uses mean and standard deviation (not robust; the
-- DuckDB query is the reference, and the later server test states the tolerance).
WITH
hist AS (
    SELECT o.*,
           avg(qty) OVER th AS qty_mean,
           avg(qty * qty) OVER th AS qty_sq,
           count(qty) OVER th AS qty_n,
           avg(price) OVER th AS px_mean,
           avg(price * price) OVER th AS px_sq,
           count(price) OVER th AS px_n
    FROM orders AS o
    WHERE ts <= $2
    WINDOW th AS (PARTITION BY trader, sym ORDER BY ts
                  ROWS BETWEEN 50 PRECEDING AND 1 PRECEDING)
),
vol AS (  -- running volume and print count per symbol over the stored buckets
    SELECT ts, sym, mid, best_bid, best_ask, rv_1m,
           sum(volume) OVER (PARTITION BY sym ORDER BY ts) AS cum_vol,
           sum(trade_count) OVER (PARTITION BY sym ORDER BY ts) AS cum_n
    FROM features WHERE ts >= $1 - 1200000000000 AND ts <= $2
),
j AS (
    SELECT h.*, a.mid, a.best_bid, a.best_ask, a.rv_1m, a.cum_vol, a.cum_n,
           r.anomaly_score
    FROM hist AS h
    ASOF JOIN vol AS a ON (sym)
    ASOF JOIN risk_scores AS r ON (sym)
    WHERE h.ts > $1
),
j20 AS (  -- the running totals 20 min and 5 min earlier
    SELECT j.*, b.cum_vol AS cum_vol_20m
    FROM (SELECT *, dateadd('m', -20, ts) AS ts20 FROM j) AS j
    ASOF JOIN (SELECT ts AS ts20, sym, cum_vol FROM vol) AS b ON (sym)
),
j5 AS (
    SELECT j.*, c.cum_vol AS cum_vol_5m, c.cum_n AS cum_n_5m
    FROM (SELECT *, dateadd('m', -5, ts) AS ts5 FROM j20) AS j
    ASOF JOIN (SELECT ts AS ts5, sym, cum_vol, cum_n FROM vol) AS c ON (sym)
)
SELECT ts, order_id, trader, strategy, sym, side, order_type, qty, price, mid,
       qty / ((cum_vol - coalesce(cum_vol_5m, 0)) / (cum_n - coalesce(cum_n_5m, 0)))
           AS qty_over_avg_trade,
       qty / (cum_vol - coalesce(cum_vol_20m, 0)) AS qty_over_vol_20m,
       qty * coalesce(price, mid) AS notional,
       (CASE WHEN side = 'B' THEN 1 ELSE -1 END) * (price - mid) / mid * 10000 AS price_dev_bps,
       (CASE WHEN side = 'B' THEN 1 ELSE -1 END) * ln(price / mid) / (rv_1m * sqrt(60.0))
           AS price_dev_vol,
       CASE WHEN side = 'B' THEN greatest(price - best_ask, 0.0)
            ELSE greatest(best_bid - price, 0.0) END / mid * 10000 AS cross_bps,
       CASE WHEN qty_n >= 5 THEN (qty - qty_mean) / sqrt(qty_sq - qty_mean * qty_mean) END
           AS qty_z,
       CASE WHEN px_n >= 5 THEN (price - px_mean) / sqrt(px_sq - px_mean * px_mean) END
           AS price_z,
       CASE WHEN qty_n >= 5 THEN qty / qty_mean END AS qty_over_trader_median,
       datediff('s', timestamp_floor('d', to_timezone(ts, 'America/New_York')),
                to_timezone(ts, 'America/New_York')) - 34200 AS secs_since_open,
       anomaly_score
FROM j5
ORDER BY ts, order_id;
