-- Labelled stress events (simulator ground truth), for the report only; never a feature input.
SELECT sym, event, epoch_ns(start_ts) AS start_ns, epoch_ns(end_ts) AS end_ns, detail
FROM labels_events
ORDER BY start_ts;
