-- The newest publisher_heartbeat row per sym (by ts, then published_ts, then insertion
-- order) among rows with published_ts > $since (UTC ns, BIGINT): the enforcer's poll keeps
-- the newest row per symbol it has seen and asks only for rows written since.
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (PARTITION BY sym
                                 ORDER BY ts DESC, published_ts DESC, rowid DESC) AS rn
    FROM publisher_heartbeat
    WHERE published_ts > make_timestamp_ns($since)
)
WHERE rn = 1
ORDER BY sym;
