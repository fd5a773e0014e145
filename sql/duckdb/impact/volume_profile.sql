-- Lots traded per symbol and interval over a window: interval k covers
-- [$since + k $step, $since + (k + 1) $step). VWAP forecasts (the window before a schedule)
-- and the replay of POV (the window of the schedule) read it.
-- $since BIGINT UTC ns, $step BIGINT ns, $n BIGINT intervals. Sorted by sym, k.
SELECT sym, ((epoch_ns(ts) - $since) // $step)::BIGINT AS k, sum(size) AS volume
FROM trades
WHERE ts >= make_timestamp_ns($since) AND ts < make_timestamp_ns($since + $n * $step)
GROUP BY 1, 2
ORDER BY 1, 2;
