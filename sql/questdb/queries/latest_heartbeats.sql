-- The newest publisher_heartbeat row per sym among rows written after a watermark.
-- $1: watermark on published_ts, UTC ns as a LONG; the filter runs before LATEST ON picks
-- the last row per sym (designated ts order).
-- Timestamps come back as LONG nanoseconds so PG wire (microsecond datetimes) loses nothing.
SELECT ts::LONG AS ts, sym, publisher, model_version, market_ts::LONG AS market_ts,
       published_ts::LONG AS published_ts
FROM publisher_heartbeat
WHERE published_ts > $1
LATEST ON ts PARTITION BY sym
ORDER BY sym;
