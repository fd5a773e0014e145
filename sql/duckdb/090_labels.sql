-- Ground truth from the simulator. Never read by a feature query.
CREATE TABLE IF NOT EXISTS labels_orders (
    order_id    BIGINT       NOT NULL,
    ts          TIMESTAMP_NS NOT NULL,
    sym         VARCHAR      NOT NULL,
    is_error    BOOLEAN      NOT NULL,
    error_kind  VARCHAR      NOT NULL   -- '' or qty_x10, qty_x100, qty_x1000, price_decimal, price_through_book, notional_as_qty
);
CREATE TABLE IF NOT EXISTS labels_events (
    sym       VARCHAR      NOT NULL,
    event     VARCHAR      NOT NULL,    -- flash_crash, high_volatility, liquidity_withdrawal, aggressive_seller, large_order
    start_ts  TIMESTAMP_NS NOT NULL,
    end_ts    TIMESTAMP_NS NOT NULL,
    detail    VARCHAR      NOT NULL
);
