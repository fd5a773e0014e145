-- Labelled stress events (simulator ground truth), for the report only; never a feature
-- input (QuestDB twin of sql/duckdb/report/events.sql). Times as LONG UTC ns.
SELECT sym, event, start_ts::LONG AS start_ns, end_ts::LONG AS end_ns, detail
FROM labels_events
ORDER BY start_ts;
