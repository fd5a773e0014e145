-- The latest risk_limits row per (sym, strategy) among rows newer than a watermark.
-- $1: watermark, UTC ns as a LONG (a long compared with a TIMESTAMP_NS column is read in ns);
-- the filter runs before LATEST ON picks the last row per key.
-- ts comes back as LONG nanoseconds so PG wire (microsecond datetimes) loses nothing.
SELECT ts::LONG AS ts_ns, sym, strategy, max_order_qty, max_notional, price_band_bps,
       max_position, fat_finger_threshold, state, reason, model_version
FROM risk_limits
WHERE ts > $1
LATEST ON ts PARTITION BY sym, strategy
ORDER BY sym, strategy;
