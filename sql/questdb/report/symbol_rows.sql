-- Market data rows of one symbol (quotes + trades): zero means there is nothing to report on
-- (QuestDB twin of sql/duckdb/report/symbol_rows.sql). $sym  VARCHAR
SELECT q.n + t.n AS n
FROM (SELECT count() AS n FROM quotes WHERE sym = $sym) q
CROSS JOIN (SELECT count() AS n FROM trades WHERE sym = $sym) t;
