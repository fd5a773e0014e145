-- Market state per symbol per bucket (100 ms by default), written by `adaptrisk features build`.
-- A bucket labelled ts covers event times [ts - width, ts): ts is its exclusive end, UTC ns,
-- so a row describes only what happened strictly before ts (an ASOF join on ts <= t has no
-- look-ahead). One column per registered feature; units and windows in features/registry.py.
CREATE TABLE IF NOT EXISTS features (
    ts                    TIMESTAMP_NS NOT NULL,  -- bucket end (exclusive), UTC ns
    sym                   VARCHAR      NOT NULL,
    best_bid              DOUBLE,                 -- latest quote as of ts (NULL: side empty)
    best_ask              DOUBLE,
    mid                   DOUBLE,                 -- latest valid (uncrossed, two-sided) mid
    locked_crossed        BOOLEAN,                -- latest quote has bid >= ask (flag; spread NULL)
    spread_bps            DOUBLE,                 -- (ask - bid) / mid * 1e4; NULL if locked/crossed/one-sided
    imbalance_l1          DOUBLE,                 -- (bsz1 - asz1) / (bsz1 + asz1), in [-1, 1]
    imbalance_l5          DOUBLE,                 -- same over the summed top 5 levels
    book_pressure         DOUBLE,                 -- 1/level-weighted imbalance over 10 levels, [-1, 1]
    depth5_bid            DOUBLE,                 -- lots on the top 5 bid levels
    depth5_ask            DOUBLE,
    trade_count           BIGINT       NOT NULL,  -- prints in the bucket
    volume                DOUBLE       NOT NULL,  -- lots traded in the bucket
    signed_volume         DOUBLE       NOT NULL,  -- buyer- minus seller-initiated lots
    quote_updates         BIGINT       NOT NULL,  -- quote rows in the bucket
    quote_rate_1s         DOUBLE       NOT NULL,  -- quote updates per second, trailing 1 s
    trade_to_order_1s     DOUBLE,                 -- trades per quote update, trailing 1 s
    ret_1s                DOUBLE,                 -- log mid return over 1 s
    ret_10s               DOUBLE,                 -- log mid return over 10 s
    rv_1m                 DOUBLE,                 -- realized vol, trailing 60 s, per sqrt(second)
    corr_ref_1m           DOUBLE,                 -- corr of 1 s returns with the reference symbol, 60 s
    large_trade           BOOLEAN      NOT NULL,  -- a print above the previous minute's 95th pct size
    liq_recovery_rate     DOUBLE                  -- top-5 depth recovered per second after a large trade
);

-- Per-bucket terms behind the windowed features, one row per features row (same ts, sym),
-- so `features build` can add the newest bucket from stored rows (market_step.sql) instead
-- of recomputing a minute of history. Not features: models read the features table only.
CREATE TABLE IF NOT EXISTS features_state (
    ts          TIMESTAMP_NS NOT NULL,
    sym         VARCHAR      NOT NULL,
    r           DOUBLE,                 -- log return of mid over the bucket (rv_1m's terms)
    ret_1s      DOUBLE,                 -- this symbol's ret_1s and the reference symbol's in
    ref_ret_1s  DOUBLE                  -- the same bucket (corr_ref_1m's pairs)
);
