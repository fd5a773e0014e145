-- Every enforcer verdict, appended after it is on the local decision log.
-- The first seven columns are the design's; the rest are for risk officers and recovery.
CREATE TABLE IF NOT EXISTS decisions (
    ts              TIMESTAMP_NS NOT NULL,
    order_id        BIGINT       NOT NULL,
    verdict         VARCHAR      NOT NULL,  -- ACCEPT or REJECT (the verdict enforced)
    reasons         VARCHAR      NOT NULL,  -- comma-separated reason codes, '' when accepted
    limits_version  VARCHAR      NOT NULL,
    mode            VARCHAR      NOT NULL,  -- enforce, shadow, ab, replay
    static_verdict  VARCHAR      NOT NULL,  -- what the static rule set alone says
    dynamic_verdict VARCHAR,                -- what the dynamic (model, clipped) limits say
    static_reasons  VARCHAR,
    dynamic_reasons VARCHAR,
    risk_state      VARCHAR,                -- FIX tag 8011 text at decision time
    kind            VARCHAR,                -- NEW or CANCEL
    trader          VARCHAR,
    strategy        VARCHAR,
    sym             VARCHAR,
    side            VARCHAR,
    qty             DOUBLE,                 -- venue units, as the order had it
    price           DOUBLE,                 -- NULL for MARKET / CANCEL / malformed
    log_id          VARCHAR,                -- decision log that holds this row (NULL: replay)
    seq             BIGINT                  -- record number on that log
);
