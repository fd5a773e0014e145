-- Latest two-sided quote per symbol, to seed the enforcer daemon's reference prices (and
-- its exchange simulator) at start-up. No parameters.
SELECT sym, arg_max(bid, ts) AS bid, arg_max(ask, ts) AS ask, epoch_ns(max(ts)) AS ts
FROM quotes
WHERE bid IS NOT NULL AND ask IS NOT NULL AND bid > 0 AND bid <= ask
GROUP BY sym
ORDER BY sym;
