-- Newest impact label, UTC ns as a LONG (NULL when the table is empty); twin of
-- sql/duckdb/impact/watermark.sql.
SELECT max(ts)::LONG AS ts_ns FROM impact_labels;
