-- Decisions per order id in [$1, $2]: how many rows and how many distinct ids, to check by
-- counting that no decision was lost or written twice (bench_fix, end-to-end tests).
SELECT count(*) AS n, count(DISTINCT order_id) AS distinct_ids
FROM decisions
WHERE order_id BETWEEN $1 AND $2;
