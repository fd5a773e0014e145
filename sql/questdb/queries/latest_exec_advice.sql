-- The latest exec_advice row per sym among rows newer than a watermark (twin of
-- sql/duckdb/queries/latest_exec_advice.sql). $1: watermark, UTC ns as a LONG; the filter
-- runs before LATEST ON picks the last row per sym. ts comes back as ts_ns, LONG ns.
SELECT ts::LONG AS ts_ns, sym, algo, participation_cap, clip_qty, impact_max_qty,
       budget_bps, parent_qty, predicted_cost_bps, model_version
FROM exec_advice
WHERE ts > $1
LATEST ON ts PARTITION BY sym
ORDER BY sym;
