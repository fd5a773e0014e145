-- Every decision of one mode with its order, its label (if simulated) and the touch when it
-- was sent (ASOF: the last two-sided quote at or before the order); QuestDB twin of
-- sql/duckdb/report/decisions.sql. $mode  VARCHAR. ts comes back as LONG ns.
WITH d AS (
    SELECT * FROM (
        SELECT d.ts, d.order_id, o.trader, o.strategy, o.sym, o.side, o.qty, o.price,
               o.order_type, d.verdict, d.static_verdict, d.dynamic_verdict, d.static_reasons,
               d.dynamic_reasons, d.limits_version,
               CASE WHEN l.is_error THEN true ELSE false END AS is_error,
               coalesce(l.error_kind::VARCHAR, '') AS error_kind
        FROM decisions AS d
        JOIN orders AS o ON o.order_id = d.order_id
        LEFT JOIN labels_orders AS l ON l.order_id = d.order_id
        WHERE d.mode = $mode
        ORDER BY d.ts
    ) TIMESTAMP(ts)
),
q AS (SELECT ts, sym, bid, ask FROM quotes WHERE bid IS NOT NULL AND ask IS NOT NULL)
SELECT d.ts::LONG AS ts, d.order_id, d.trader, d.strategy, d.sym, d.side, d.qty, d.price,
       d.order_type, d.verdict, d.static_verdict, d.dynamic_verdict, d.static_reasons,
       d.dynamic_reasons, d.limits_version, d.is_error, d.error_kind, q.bid, q.ask
FROM d
ASOF JOIN q ON (sym)
ORDER BY d.ts, d.order_id;
