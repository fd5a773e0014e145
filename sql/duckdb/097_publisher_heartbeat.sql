-- Append-only; one row per symbol each time a limits publisher has judged a 100 ms bucket
-- (written beside risk_limits, whether or not a limit changed). A symbol's latest
-- risk_limits rows stay in force while its newest heartbeat says the publisher is alive
-- (now - published_ts within the staleness bound) and not behind the market
-- (market_ts - ts within the bound); otherwise the enforcer falls back to static limits.
CREATE TABLE IF NOT EXISTS publisher_heartbeat (
    ts             TIMESTAMP_NS NOT NULL,  -- end of the newest 100 ms bucket the publisher has judged for sym (market time, UTC ns)
    sym            VARCHAR      NOT NULL,
    publisher      VARCHAR      NOT NULL,  -- who wrote it, e.g. 'live:HOST:PID' or 'models publish'
    model_version  VARCHAR      NOT NULL,  -- the model that judged it ('static' when none is promoted)
    market_ts      TIMESTAMP_NS NOT NULL,  -- the newest market event time the publisher had received when it wrote the row (its intake clock)
    published_ts   TIMESTAMP_NS NOT NULL   -- wall clock when the row was written, UTC ns
);
