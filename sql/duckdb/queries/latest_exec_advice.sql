-- The latest exec_advice row per sym among rows newer than a watermark: the enforcer's poll
-- of the impact model's advice. $1: watermark, UTC ns (BIGINT); ties on ts go to the last
-- row written (rowid). ts comes back as ts_ns, BIGINT ns (as the QuestDB twin).
SELECT epoch_ns(ts) AS ts_ns, sym, algo, participation_cap, clip_qty, impact_max_qty,
       budget_bps, parent_qty, predicted_cost_bps, model_version
FROM (
    SELECT *, row_number() OVER (PARTITION BY sym ORDER BY ts DESC, rowid DESC) AS rn
    FROM exec_advice
    WHERE ts > make_timestamp_ns($1)
)
WHERE rn = 1
ORDER BY sym;
