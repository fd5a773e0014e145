-- Rows stored in features for one session (QuestDB): the build counts before and after its
-- INSERT ... SELECT to report the rows it added.
-- Usage: PG wire with $1 = open, $2 = close (LONG UTC ns).
SELECT count() AS n FROM features WHERE ts > $1 AND ts <= $2;
