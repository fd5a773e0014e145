-- Issue 17: market-data, order, decision and limit quantities became DOUBLE (fractional sizes: crypto, FX; twin of
-- sql/duckdb/migrate/fractional_sizes.sql). A table made by the older DDL keeps its LONG
-- columns (CREATE TABLE IF NOT EXISTS leaves it as it is), so QuestDBStore.apply_schema runs
-- the statements this query returns after the DDL: one ALTER per quantity column still LONG,
-- none once migrated. Book levels were DOUBLE[] already. No parameters.
SELECT concat('ALTER TABLE ', table_name, ' ALTER COLUMN ', column_name, ' TYPE DOUBLE') AS stmt
FROM information_schema.columns()
WHERE data_type = 'bigint' AND (
       (table_name = 'trades' AND column_name = 'size')
    OR (table_name = 'quotes' AND column_name IN ('bid_size', 'ask_size'))
    OR (table_name = 'messages' AND column_name = 'size')
    OR (table_name = 'features' AND column_name IN ('volume', 'signed_volume'))
    OR (table_name = 'impact_labels' AND column_name IN ('qty', 'depth1', 'volume_5m'))
    OR (table_name IN ('orders', 'decisions') AND column_name = 'qty')
    OR (table_name = 'risk_limits' AND column_name IN ('max_order_qty', 'max_position'))
    OR (table_name = 'fat_finger_limits' AND column_name = 'fat_finger_max_qty')
    OR (table_name = 'exec_advice'
        AND column_name IN ('clip_qty', 'impact_max_qty', 'parent_qty')))
ORDER BY table_name, column_name;
