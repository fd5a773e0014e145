-- Highest decision-log record number already in the decisions table for one log (QuestDB
-- twin of sql/duckdb/enforcer/max_logged_seq.sql). $1: log_id (VARCHAR). One row, max_seq
-- NULL when none.
SELECT max(seq) AS max_seq FROM decisions WHERE log_id = $1;
