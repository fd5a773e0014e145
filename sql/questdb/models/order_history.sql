-- Layer-1 inputs that the features package does not give (QuestDB twin of
-- sql/duckdb/models/order_history.sql), one row per order with since < ts <= until: the
-- trader's log-qty history in the symbol (median and MAD of ln qty over the trader's
-- previous $hist orders; NULL before $min_hist) and the order's label (labels_orders; NULL
-- when unlabelled). CANCELs are left out. jaxmodels.data joins these rows onto
-- features.order_features by (order_id, ts_ns).
-- demonstrated_qty as in the DuckDB twin: the largest qty sent at least max($demo_k,
-- $demo_share x n) times among the n previous orders of the trader in the symbol (last
-- $demo_hist) that passed the static multiple of their median ($ff_threshold); the orders
-- of the window found through blocks of $demo_hist ranks as for the median.
-- $since, $until LONG UTC ns;  $hist, $min_hist, $demo_hist, $demo_k LONG;
-- $demo_share, $ff_threshold DOUBLE
-- is_error is NULL when the order is unlabelled (QuestDB has no NULL boolean: sent as INT)
-- boolean columns: is_error
-- QuestDB has no median or MAD: each order is paired with its previous $hist orders (rank
-- rn by (ts, order_id), found through blocks of $hist ranks), the median is the middle one
-- or two of the sorted window, the MAD the median of the absolute deviations from it.
WITH
o AS (
    SELECT ts, order_id, trader, sym, qty,
           row_number() OVER (PARTITION BY trader, sym ORDER BY ts, order_id) AS rn
    FROM orders
    WHERE order_type <> 'CANCEL' AND ts <= $until
),
asked AS (SELECT ts, order_id, trader, sym, rn, (rn - 1) / $hist AS blk FROM o),
cand AS (
    SELECT trader, sym, rn, ln(qty) AS lq, (rn - 1) / $hist AS blk FROM o
    UNION ALL
    SELECT trader, sym, rn, ln(qty) AS lq, (rn - 1) / $hist + 1 AS blk FROM o
),
pairs AS (
    SELECT a.order_id, a.ts, b.lq
    FROM asked AS a
    JOIN cand AS b ON a.trader = b.trader AND a.sym = b.sym AND a.blk = b.blk
    WHERE b.rn < a.rn AND b.rn >= a.rn - $hist AND b.lq IS NOT NULL
),
med AS (
    SELECT order_id, ts, avg(lq) AS lq_med, max(n) AS n FROM (
        SELECT order_id, ts, lq, row_number() OVER (PARTITION BY order_id, ts ORDER BY lq) AS k,
               count() OVER (PARTITION BY order_id, ts) AS n
        FROM pairs
    ) WHERE k = (n + 1) / 2 OR k = (n + 2) / 2
),
mad AS (
    SELECT order_id, ts, avg(v) AS lq_mad FROM (
        SELECT order_id, ts, v, row_number() OVER (PARTITION BY order_id, ts ORDER BY v) AS k,
               count() OVER (PARTITION BY order_id, ts) AS n
        FROM (SELECT p.order_id, p.ts, abs(p.lq - m.lq_med) AS v
              FROM pairs AS p JOIN med AS m ON p.order_id = m.order_id AND p.ts = m.ts)
    ) WHERE k = (n + 1) / 2 OR k = (n + 2) / 2
),
okd AS (
    SELECT o.trader, o.sym, o.rn, o.qty
    FROM o JOIN med AS m ON m.order_id = o.order_id AND m.ts = o.ts
    WHERE m.n >= $min_hist AND ln(o.qty) - m.lq_med <= ln($ff_threshold)
),
dcand AS (
    SELECT trader, sym, rn, qty, (rn - 1) / $demo_hist AS blk FROM okd
    UNION ALL
    SELECT trader, sym, rn, qty, (rn - 1) / $demo_hist + 1 AS blk FROM okd
),
dpairs AS (
    SELECT a.order_id, a.ts, b.qty
    FROM (SELECT ts, order_id, trader, sym, rn, (rn - 1) / $demo_hist AS blk
          FROM o WHERE ts > $since) AS a
    JOIN dcand AS b ON a.trader = b.trader AND a.sym = b.sym AND a.blk = b.blk
    WHERE b.rn < a.rn AND b.rn >= a.rn - $demo_hist
),
demo AS (
    SELECT order_id, ts, qty AS demonstrated_qty FROM (
        SELECT order_id, ts, qty,
               row_number() OVER (PARTITION BY order_id, ts ORDER BY qty DESC) AS k,
               count() OVER (PARTITION BY order_id, ts) AS n
        FROM dpairs
    ) WHERE k = greatest($demo_k, ceil($demo_share * n - 1e-9))
),
h AS (
    SELECT o.ts, o.order_id, o.sym, o.qty, m.lq_med, d.lq_mad, coalesce(m.n, 0) AS n_hist,
           dm.demonstrated_qty
    FROM o
    LEFT JOIN med AS m ON m.order_id = o.order_id AND m.ts = o.ts
    LEFT JOIN mad AS d ON d.order_id = o.order_id AND d.ts = o.ts
    LEFT JOIN demo AS dm ON dm.order_id = o.order_id AND dm.ts = o.ts
    WHERE o.ts > $since
)
SELECT h.order_id, h.ts::LONG AS ts_ns,
       CASE WHEN h.n_hist >= $min_hist THEN ln(h.qty) - h.lq_med END AS log_qty_over_med,
       CASE WHEN h.n_hist >= $min_hist
            THEN (ln(h.qty) - h.lq_med) / greatest(1.4826 * h.lq_mad, 0.05) END AS log_qty_z,
       CASE WHEN h.n_hist >= $min_hist THEN 1.4826 * h.lq_mad END AS log_qty_scale,
       h.demonstrated_qty,
       CASE WHEN l.order_id IS NOT NULL THEN l.is_error::INT END AS is_error, l.error_kind
FROM h
LEFT JOIN labels_orders AS l ON l.order_id = h.order_id AND l.ts = h.ts AND l.sym = h.sym
ORDER BY h.ts, h.order_id;
