-- Labelled stress events (simulator ground truth) for `adaptrisk sim`'s summary; times as
-- BIGINT UTC ns. No parameters.
SELECT sym, event, epoch_ns(start_ts) AS start_ts, epoch_ns(end_ts) AS end_ts
FROM labels_events
ORDER BY start_ts, sym, event;
