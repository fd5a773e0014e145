-- Lots traded per symbol and interval over a window (twin of
-- sql/duckdb/impact/volume_profile.sql). $since LONG UTC ns, $step LONG ns, $n LONG.
SELECT sym, (ts::LONG - $since) / $step AS k, sum(size) AS volume
FROM trades
WHERE ts >= $since AND ts < $since + $n * $step
GROUP BY sym, k
ORDER BY sym, k;
