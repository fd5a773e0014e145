-- UTC calendar days holding market data at or after a watermark, oldest first (QuestDB).
-- Usage: PG wire with $1 = since, LONG UTC ns (a LONG compared with a TIMESTAMP_NS column is
-- read in ns); days come back as days since the epoch.
SELECT DISTINCT day FROM (
    SELECT ts::LONG / 86400000000000 AS day FROM trades WHERE ts >= $1
    UNION ALL
    SELECT ts::LONG / 86400000000000 AS day FROM quotes WHERE ts >= $1
    UNION ALL
    SELECT ts::LONG / 86400000000000 AS day FROM book WHERE ts >= $1
)
ORDER BY day;
