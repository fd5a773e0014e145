-- Every decision of one mode with its order, its label (if simulated) and the touch when it
-- was sent (ASOF: the last two-sided quote at or before the order).
WITH d AS (
    SELECT d.ts, d.order_id, o.trader, o.strategy, o.sym, o.side, o.qty, o.price, o.order_type,
           d.verdict, d.static_verdict, d.dynamic_verdict, d.static_reasons, d.dynamic_reasons,
           d.limits_version, coalesce(l.is_error, false) AS is_error,
           coalesce(l.error_kind, '') AS error_kind
    FROM decisions d
    JOIN orders o USING (order_id)
    LEFT JOIN labels_orders l USING (order_id)
    WHERE d.mode = $mode
),
q AS (SELECT ts, sym, bid, ask FROM quotes WHERE bid IS NOT NULL AND ask IS NOT NULL)
SELECT epoch_ns(d.ts) AS ts, d.* EXCLUDE (ts), q.bid, q.ask
FROM d ASOF LEFT JOIN q ON d.sym = q.sym AND d.ts >= q.ts
ORDER BY d.ts, d.order_id;
