-- Labelled stress events (simulator ground truth) for `adaptrisk sim`'s summary (QuestDB
-- twin of sql/duckdb/queries/labelled_events.sql); times as LONG UTC ns. No parameters.
SELECT sym, event, start_ts::LONG AS start_ts, end_ts::LONG AS end_ts
FROM labels_events
ORDER BY start_ts, sym, event;
