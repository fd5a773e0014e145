-- Labelled stress events (simulator ground truth), as LONG UTC ns (QuestDB twin of
-- sql/duckdb/models/events.sql). Only the model layer's training split and evaluation read
-- this; no feature query does.
SELECT sym, event, start_ts::LONG AS start_ns, end_ts::LONG AS end_ns, detail
FROM labels_events
ORDER BY sym, start_ts;
