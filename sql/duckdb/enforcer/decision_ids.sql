-- Decision rows per order id in [$1, $2], one row per id that has any: bench_fix compares
-- these ids one by one with the ids sent and answered (lost, duplicated, never decided).
SELECT order_id, count(*) AS n
FROM decisions
WHERE order_id BETWEEN $1 AND $2
GROUP BY order_id
ORDER BY order_id;
