-- Layer-1 inputs that the features package does not give, one row per order with
-- since < ts <= until: the trader's log-qty history in the symbol (median and MAD of ln qty
-- over the trader's previous $hist orders; NULL before $min_hist) and the order's label
-- (labels_orders; NULL when unlabelled). Valid orders of a trader are lognormal around its
-- median, so a x10 slip sits ~ln(10) = 2.3 above the median, i.e. 2.3 / log_qty_scale
-- robust sigmas. jaxmodels.data joins these rows onto features.order_features by order id.
-- demonstrated_qty: the largest size the trader has sent at least max($demo_k, $demo_share x
-- n) times among its n previous orders in the symbol (last $demo_hist) that passed the
-- static multiple of their median (qty <= $ff_threshold x exp(lq_med): the gate rejects
-- the rest whatever the model says), i.e. that order statistic of the window; NULL with
-- too few (jaxmodels.layer1.Demonstrated).
-- $since, $until BIGINT UTC ns;  $hist, $min_hist, $demo_hist, $demo_k, $demo_kmax BIGINT;
-- $demo_share, $ff_threshold DOUBLE ($demo_kmax >= max($demo_k, $demo_share x $demo_hist))
WITH h AS (
    SELECT ts, order_id, trader, sym, qty,
           median(ln(qty)) OVER w AS lq_med,
           mad(ln(qty)) OVER w AS lq_mad,
           count(qty) OVER w AS n_hist
    FROM orders
    WHERE order_type <> 'CANCEL' AND ts <= make_timestamp_ns($until)
    WINDOW w AS (PARTITION BY trader, sym ORDER BY ts, order_id
                 ROWS BETWEEN $hist PRECEDING AND 1 PRECEDING)
),
d AS (
    SELECT *,
           max(qty, $demo_kmax) FILTER (WHERE ok) OVER dw AS top_qty,
           count(qty) FILTER (WHERE ok) OVER dw AS n_demo
    FROM (SELECT *, n_hist >= $min_hist AND ln(qty) - lq_med <= ln($ff_threshold) AS ok FROM h)
    WINDOW dw AS (PARTITION BY trader, sym ORDER BY ts, order_id
                  ROWS BETWEEN $demo_hist PRECEDING AND 1 PRECEDING)
)
SELECT h.order_id, epoch_ns(h.ts) AS ts_ns,
       CASE WHEN h.n_hist >= $min_hist THEN ln(h.qty) - h.lq_med END AS log_qty_over_med,
       CASE WHEN h.n_hist >= $min_hist
            THEN (ln(h.qty) - h.lq_med) / greatest(1.4826 * h.lq_mad, 0.05) END AS log_qty_z,
       CASE WHEN h.n_hist >= $min_hist THEN 1.4826 * h.lq_mad END AS log_qty_scale,
       list_extract(h.top_qty, greatest($demo_k, ceil($demo_share * h.n_demo - 1e-9))::BIGINT)
           AS demonstrated_qty,
       l.is_error, l.error_kind
FROM d AS h
LEFT JOIN labels_orders l ON l.order_id = h.order_id AND l.ts = h.ts AND l.sym = h.sym
WHERE h.ts > make_timestamp_ns($since)
ORDER BY h.ts, h.order_id;
