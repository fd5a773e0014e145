-- Raw market-by-order feed events as received (LOBSTER message files), kept so that
-- nothing in a feed is dropped silently: trading halts (event_type 7) live here.
CREATE TABLE IF NOT EXISTS messages (
    ts          TIMESTAMP_NS NOT NULL,
    sym         VARCHAR      NOT NULL,
    seq         BIGINT       NOT NULL,  -- 0-based position in the source file
    event_type  TINYINT      NOT NULL,  -- 1 submit, 2 partial cancel, 3 delete, 4 visible exec, 5 hidden exec, 7 halt
    order_id    BIGINT       NOT NULL,
    size        DOUBLE       NOT NULL,
    price       DOUBLE,                 -- currency units; NULL for halt messages
    direction   TINYINT      NOT NULL,  -- 1 buy limit order, -1 sell limit order
    halt_state  VARCHAR                 -- for type 7: HALTED, QUOTING or TRADING; NULL otherwise
);
