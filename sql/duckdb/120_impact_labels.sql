-- Realised market impact of marketable orders (issue 15), built by the query
-- sql/duckdb/impact/labels.sql (`adaptrisk impact labels`): one row per order, the prints of
-- one symbol with the same ts and aggressor side. Labels: never read by a feature query.
CREATE TABLE IF NOT EXISTS impact_labels (
    ts             TIMESTAMP_NS NOT NULL,  -- the order's arrival (its prints' time), UTC ns
    sym            VARCHAR      NOT NULL,
    side           VARCHAR      NOT NULL,  -- aggressor: 'B' buy, 'S' sell
    qty            DOUBLE       NOT NULL,  -- lots filled, > 0
    n_prints       BIGINT       NOT NULL,  -- prints (levels walked in the simulator), > 0
    arrival_mid    DOUBLE       NOT NULL,  -- mid of the latest quote strictly before ts
    vwap           DOUBLE       NOT NULL,  -- volume-weighted fill price
    slippage_bps   DOUBLE       NOT NULL,  -- side-signed (vwap - mid) / mid * 1e4, cost > 0
    spread_bps     DOUBLE       NOT NULL,  -- quoted spread at arrival, bps of the mid
    depth1         DOUBLE       NOT NULL,  -- lots at the opposite touch of the arrival quote
    depth5         DOUBLE,                 -- lots on the opposite side's top 5 levels (features)
    volume_5m      DOUBLE       NOT NULL,  -- lots traded in the symbol over the 5 min before
    rv_1m          DOUBLE,                 -- realized volatility, 1/sqrt(s) (features)
    anomaly_score  DOUBLE                  -- latest risk score at or before ts (NULL: none)
);
