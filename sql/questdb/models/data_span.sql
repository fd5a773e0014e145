-- First and last feature bucket (LONG UTC ns), the number of symbols and of rows (QuestDB
-- twin of sql/duckdb/models/data_span.sql). No parameters; NULL times on an empty table.
SELECT min(ts)::LONG AS first_ns, max(ts)::LONG AS last_ns,
       count_distinct(sym) AS n_syms, count() AS n_rows
FROM features;
