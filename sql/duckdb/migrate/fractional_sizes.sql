-- Issue 17: market-data quantities became DOUBLE (fractional sizes: crypto, FX). A store made
-- by the older DDL keeps its BIGINT columns (CREATE TABLE IF NOT EXISTS leaves a table as it
-- is), so DuckDBStore.apply_schema runs the statements this query returns after the DDL: one
-- ALTER per quantity column still BIGINT (BIGINT[10] for book levels), none once migrated.
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
    ('impact_labels', 'volume_5m', 'DOUBLE')
)
SELECT 'ALTER TABLE "' || c.table_name || '" ALTER COLUMN "' || c.column_name
       || '" SET DATA TYPE ' || w.new_type AS stmt
FROM information_schema.columns AS c
JOIN wanted AS w ON c.table_name = w.table_name AND c.column_name = w.column_name
WHERE c.table_schema = 'main' AND c.data_type IN ('BIGINT', 'BIGINT[10]')
ORDER BY c.table_name, c.column_name;
