-- Order-level inputs of the layer-1 trees, one row per LIMIT / MARKET order in
-- since < ts <= until, with its label when one exists (labels_orders; NULL otherwise).
-- Market context comes from the features table by ASOF join (bucket end <= order time, so
-- no look-ahead); the trader's history from the same trader's previous orders in the
-- symbol (log-space mean / sd over the previous $hist orders; NULL before $min_hist).
-- $since, $until BIGINT UTC ns;  $hist, $min_hist BIGINT
WITH mkt AS (
    SELECT ts, sym, mid, best_bid, best_ask, depth5_bid, depth5_ask, rv_1m,
           sum(volume) OVER w5 / nullif(sum(trade_count) OVER w5, 0) AS avg_trade_5m,
           sum(volume) OVER w20 AS vol_20m
    FROM features
    WHERE ts > make_timestamp_ns($since - 1200000000000) AND ts <= make_timestamp_ns($until)
    WINDOW w5 AS (PARTITION BY sym ORDER BY ts RANGE BETWEEN INTERVAL 5 MINUTES PRECEDING
                  AND CURRENT ROW),
           w20 AS (PARTITION BY sym ORDER BY ts RANGE BETWEEN INTERVAL 20 MINUTES PRECEDING
                   AND CURRENT ROW)
),
o AS (
    SELECT *,
        count(*) OVER h AS n_hist,
        median(qty) OVER h AS med_qty,
        avg(ln(qty)) OVER h AS mean_lq,
        stddev_samp(ln(qty)) OVER h AS sd_lq,
        avg(price) OVER h AS mean_px,
        stddev_samp(price) OVER h AS sd_px
    FROM orders
    WHERE order_type <> 'CANCEL'
      AND ts > make_timestamp_ns($since - 86400000000000) AND ts <= make_timestamp_ns($until)
    WINDOW h AS (PARTITION BY trader, sym ORDER BY ts, order_id
                 ROWS BETWEEN $hist PRECEDING AND 1 PRECEDING)
),
s AS (SELECT ts, sym, anomaly_score FROM risk_scores)
SELECT
    epoch_ns(o.ts) AS ts_ns, o.order_id, o.trader, o.strategy, o.sym, o.side, o.qty, o.price,
    o.order_type,
    ln(o.qty) AS log_qty,
    (o.order_type = 'MARKET')::DOUBLE AS is_market,
    o.qty / m.avg_trade_5m AS qty_over_avg_trade,
    o.qty / nullif(m.vol_20m, 0) AS qty_over_vol_20m,
    o.qty * coalesce(o.price, m.mid) AS notional,
    CASE WHEN o.side = 'B' THEN 1 ELSE -1 END * (o.price - m.mid) / m.mid * 1e4 AS price_dev_bps,
    abs(ln(o.price / m.mid)) * 1e4 AS abs_dev_bps,
    CASE WHEN o.side = 'B' THEN 1 ELSE -1 END * ln(o.price / m.mid)
        / nullif(m.rv_1m * sqrt(60.0), 0) AS price_dev_vol,
    CASE WHEN o.side = 'B' THEN greatest(o.price - m.best_ask, 0)
         ELSE greatest(m.best_bid - o.price, 0) END / m.mid * 1e4 AS cross_bps,
    CASE WHEN o.n_hist >= $min_hist THEN (ln(o.qty) - o.mean_lq) / nullif(o.sd_lq, 0) END AS qty_z,
    CASE WHEN o.n_hist >= $min_hist THEN (o.price - o.mean_px) / nullif(o.sd_px, 0) END AS price_z,
    CASE WHEN o.n_hist >= $min_hist THEN o.qty / o.med_qty END AS qty_over_trader_median,
    o.qty / nullif(CASE WHEN o.side = 'B' THEN m.depth5_ask ELSE m.depth5_bid END, 0)
        AS qty_over_depth5,
    m.mid AS ref_mid,
    s.anomaly_score,
    l.is_error, l.error_kind
FROM o
ASOF LEFT JOIN mkt m ON o.sym = m.sym AND o.ts >= m.ts
ASOF LEFT JOIN s ON o.sym = s.sym AND o.ts >= s.ts
LEFT JOIN labels_orders l ON l.order_id = o.order_id AND l.ts = o.ts AND l.sym = o.sym
WHERE o.ts > make_timestamp_ns($since)
ORDER BY o.ts, o.order_id;
