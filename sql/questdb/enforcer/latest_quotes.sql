-- Latest two-sided quote per symbol, to seed the enforcer daemon's reference prices at
-- start-up (QuestDB twin of sql/duckdb/enforcer/latest_quotes.sql). No parameters.
-- The filter runs before LATEST ON; ts comes back as LONG ns.
SELECT sym, bid, ask, ts::LONG AS ts
FROM quotes
WHERE bid IS NOT NULL AND ask IS NOT NULL AND bid > 0 AND bid <= ask
LATEST ON ts PARTITION BY sym
ORDER BY sym;
