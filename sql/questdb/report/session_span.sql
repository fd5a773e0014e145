-- First and last feature bucket of one symbol, LONG UTC ns (QuestDB twin of
-- sql/duckdb/report/session_span.sql). $sym  VARCHAR
SELECT min(ts)::LONG AS first_ns, max(ts)::LONG AS last_ns FROM features WHERE sym = $sym;
