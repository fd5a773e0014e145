-- Highest decision-log record number already in the decisions table for one log.
-- $1: log_id (VARCHAR). Returns one row, max_seq NULL when none.
SELECT max(seq) AS max_seq FROM decisions WHERE log_id = $1;
