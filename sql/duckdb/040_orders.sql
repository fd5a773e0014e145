-- The firm's own OMS order flow, as submitted (before any risk check).
CREATE TABLE IF NOT EXISTS orders (
    ts          TIMESTAMP_NS NOT NULL,
    order_id    BIGINT       NOT NULL,
    trader      VARCHAR      NOT NULL,
    strategy    VARCHAR      NOT NULL,
    sym         VARCHAR      NOT NULL,
    side        VARCHAR      NOT NULL,  -- 'B' or 'S'
    qty         DOUBLE       NOT NULL,  -- > 0, venue units (a whole number of the symbol's lot)
    price       DOUBLE,                 -- limit price; NULL for MARKET and CANCEL
    order_type  VARCHAR      NOT NULL   -- 'LIMIT', 'MARKET' or 'CANCEL'
);
