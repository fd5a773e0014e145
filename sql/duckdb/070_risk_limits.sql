-- Append-only; the row in force is the latest per (sym, strategy). strategy '*' = all strategies.
CREATE TABLE IF NOT EXISTS risk_limits (
    ts                    TIMESTAMP_NS NOT NULL,  -- when the row was issued, UTC ns
    sym                   VARCHAR      NOT NULL,
    strategy              VARCHAR      NOT NULL,
    max_order_qty         DOUBLE       NOT NULL,  -- venue units
    max_notional          DOUBLE       NOT NULL,  -- currency units
    price_band_bps        DOUBLE       NOT NULL,  -- collar around the reference mid
    max_position          DOUBLE       NOT NULL,  -- |net position| cap, venue units
    fat_finger_threshold  DOUBLE       NOT NULL,  -- qty / trader median qty above which an order is denied
    state                 VARCHAR      NOT NULL,  -- ACTIVE, REDUCING, HALTED
    reason                VARCHAR      NOT NULL,
    model_version         VARCHAR      NOT NULL
);
