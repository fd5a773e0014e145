-- Market data and OMS rows already stored in a time range (QuestDB twin of
-- sql/duckdb/queries/day_rows.sql): `adaptrisk sim` refuses to add a simulated session
-- whose time span holds any (quotes and book have no dedup key: a rerun would duplicate them).
-- Usage: store.query_file("queries/day_rows.sql", {"t0": NS, "t1": NS}); rows t0 <= ts < t1
SELECT t.n + q.n + b.n + o.n AS n
FROM (SELECT count() AS n FROM trades WHERE ts >= $t0 AND ts < $t1) t
CROSS JOIN (SELECT count() AS n FROM quotes WHERE ts >= $t0 AND ts < $t1) q
CROSS JOIN (SELECT count() AS n FROM book WHERE ts >= $t0 AND ts < $t1) b
CROSS JOIN (SELECT count() AS n FROM orders WHERE ts >= $t0 AND ts < $t1) o;
