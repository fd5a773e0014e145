-- Every enforcer verdict, appended after it is on the local decision log.
CREATE TABLE IF NOT EXISTS decisions (
    ts              TIMESTAMP_NS NOT NULL,
    order_id        BIGINT       NOT NULL,
    verdict         VARCHAR      NOT NULL,  -- ACCEPT or REJECT (the verdict enforced)
    reasons         VARCHAR      NOT NULL,  -- comma-separated reason codes, '' when accepted
    limits_version  VARCHAR      NOT NULL,
    mode            VARCHAR      NOT NULL,  -- enforce, shadow, ab
    static_verdict  VARCHAR      NOT NULL   -- what the static rule set alone says
);
