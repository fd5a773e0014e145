-- Injected fat-finger errors per kind (labels_orders) for `adaptrisk sim`'s summary, most
-- frequent first (QuestDB twin of sql/duckdb/queries/injected_errors.sql). No parameters.
SELECT error_kind, count() AS n
FROM labels_orders
WHERE is_error
GROUP BY error_kind
ORDER BY n DESC, error_kind;
