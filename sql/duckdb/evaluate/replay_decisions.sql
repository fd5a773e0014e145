-- `adaptrisk evaluate`: the replay's decisions of one scratch store (mode 'replay') with
-- each order's ground truth (labels_orders.error_kind, '' for a valid order; NULL for a
-- CANCEL row, which has no label), in decision order. Times as epoch ns.
SELECT epoch_ns(d.ts) AS ts, d.order_id, d.sym, d.trader, d.kind,
       d.static_reasons, d.dynamic_reasons, l.error_kind
FROM decisions d
LEFT JOIN labels_orders l ON d.order_id = l.order_id AND d.kind = 'NEW'
WHERE d.mode = 'replay'
ORDER BY d.ts, d.order_id;
