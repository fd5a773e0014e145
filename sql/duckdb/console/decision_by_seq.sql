-- One decision named by its decision log and record number. $1: log_id, $2: seq.
SELECT order_id, sym, strategy, static_verdict, dynamic_verdict, verdict
FROM decisions
WHERE log_id = $1 AND seq = $2
LIMIT 1;
