-- Executions (time and sales). One row per print.
CREATE TABLE IF NOT EXISTS trades (
    ts        TIMESTAMP_NS NOT NULL,  -- exchange time, UTC nanoseconds
    sym       VARCHAR      NOT NULL,
    price     DOUBLE       NOT NULL,  -- currency units, > 0
    size      DOUBLE       NOT NULL,  -- > 0, units of the asset (a multiple of its lot_size)
    side      VARCHAR      NOT NULL,  -- aggressor: 'B' buyer-initiated, 'S' seller-initiated
    trade_id  BIGINT       NOT NULL
);
