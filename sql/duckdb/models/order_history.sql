-- Layer-1 inputs that the features package does not give, one row per order with
-- since < ts <= until: the trader's log-qty history in the symbol (median and MAD of ln qty
-- over the trader's previous $hist orders; NULL before $min_hist) and the order's label
-- (labels_orders; NULL when unlabelled). Valid orders of a trader are lognormal around its
-- median, so a x10 slip sits ~ln(10) = 2.3 above the median, i.e. 2.3 / log_qty_scale
-- robust sigmas. jaxmodels.data joins these rows onto features.order_features by order id.
-- $since, $until BIGINT UTC ns;  $hist, $min_hist BIGINT
WITH h AS (
    SELECT ts, order_id, trader, sym, qty,
           median(ln(qty)) OVER w AS lq_med,
           mad(ln(qty)) OVER w AS lq_mad,
           count(qty) OVER w AS n_hist
    FROM orders
    WHERE order_type <> 'CANCEL' AND ts <= make_timestamp_ns($until)
    WINDOW w AS (PARTITION BY trader, sym ORDER BY ts, order_id
                 ROWS BETWEEN $hist PRECEDING AND 1 PRECEDING)
)
SELECT h.order_id, epoch_ns(h.ts) AS ts_ns,
       CASE WHEN h.n_hist >= $min_hist THEN ln(h.qty) - h.lq_med END AS log_qty_over_med,
       CASE WHEN h.n_hist >= $min_hist
            THEN (ln(h.qty) - h.lq_med) / greatest(1.4826 * h.lq_mad, 0.05) END AS log_qty_z,
       CASE WHEN h.n_hist >= $min_hist THEN 1.4826 * h.lq_mad END AS log_qty_scale,
       l.is_error, l.error_kind
FROM h
LEFT JOIN labels_orders l ON l.order_id = h.order_id AND l.ts = h.ts AND l.sym = h.sym
WHERE h.ts > make_timestamp_ns($since)
ORDER BY h.ts, h.order_id;
