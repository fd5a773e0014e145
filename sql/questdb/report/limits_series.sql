-- Every all-strategy risk_limits row of one symbol up to $t1 (LONG UTC ns), in issue order
-- (QuestDB twin of sql/duckdb/report/limits_series.sql; same-ts rows in arrival order, which
-- is QuestDB's storage order): the dynamic max order size in force over time.
SELECT ts::LONG AS ts, max_order_qty, max_notional, price_band_bps, state, reason,
       model_version
FROM risk_limits
WHERE sym = $sym AND strategy = '*' AND ts <= $t1;
