-- Labelled stress events (simulator ground truth), as UTC ns. Only the model layer's
-- training split and evaluation read this; no feature query does.
SELECT sym, event, epoch_ns(start_ts) AS start_ns, epoch_ns(end_ts) AS end_ns, detail
FROM labels_events
ORDER BY sym, start_ts;
