-- Issue 17: market-data quantities, then order, decision and limit quantities, became DOUBLE
-- (fractional sizes: crypto, FX; the enforcer counts lots inside, venue units at its edges).
-- A store made by the older DDL keeps its BIGINT columns (CREATE TABLE IF NOT EXISTS
-- leaves a table as it is), so DuckDBStore.apply_schema runs the statements this query
-- returns after the DDL: one ALTER per quantity column still BIGINT (BIGINT[10] for book
-- levels), none once migrated.
-- No parameters.
WITH wanted(table_name, column_name, new_type) AS (VALUES
    ('trades', 'size', 'DOUBLE'),
    ('quotes', 'bid_size', 'DOUBLE'),
    ('quotes', 'ask_size', 'DOUBLE'),
    ('book', 'bid_sz', 'DOUBLE[10]'),
    ('book', 'ask_sz', 'DOUBLE[10]'),
    ('messages', 'size', 'DOUBLE'),
    ('features', 'volume', 'DOUBLE'),
    ('features', 'signed_volume', 'DOUBLE'),
    ('impact_labels', 'qty', 'DOUBLE'),
    ('impact_labels', 'depth1', 'DOUBLE'),
    ('impact_labels', 'volume_5m', 'DOUBLE'),
    -- the firm's orders, the decisions on them and the limits on them, in venue units
    ('orders', 'qty', 'DOUBLE'),
    ('decisions', 'qty', 'DOUBLE'),
    ('risk_limits', 'max_order_qty', 'DOUBLE'),
    ('risk_limits', 'max_position', 'DOUBLE'),
    ('fat_finger_limits', 'fat_finger_max_qty', 'DOUBLE'),
    ('exec_advice', 'clip_qty', 'DOUBLE'),
    ('exec_advice', 'impact_max_qty', 'DOUBLE'),
    ('exec_advice', 'parent_qty', 'DOUBLE')
)
SELECT 'ALTER TABLE "' || c.table_name || '" ALTER COLUMN "' || c.column_name
       || '" SET DATA TYPE ' || w.new_type AS stmt
FROM information_schema.columns AS c
JOIN wanted AS w ON c.table_name = w.table_name AND c.column_name = w.column_name
WHERE c.table_schema = 'main' AND c.data_type IN ('BIGINT', 'BIGINT[10]')
ORDER BY c.table_name, c.column_name;
