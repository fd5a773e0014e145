-- Append-only; one row per hedge order the hedger sent to the enforcer (`adaptrisk hedge run`),
-- with the enforcer's decision on it. An order's verdict here is the one in `decisions`
-- (same order_id); hedges pass the same gate as every other order.
CREATE TABLE IF NOT EXISTS hedge_orders (
    ts               TIMESTAMP_NS NOT NULL,  -- when the order was sent, UTC ns
    run_id           VARCHAR      NOT NULL,  -- the hedge run that sent it
    order_id         BIGINT       NOT NULL,  -- the enforcer's order_id
    sym              VARCHAR      NOT NULL,  -- the book's underlying
    strategy         VARCHAR      NOT NULL,  -- the hedger's strategy name (default 'HEDGE')
    side             VARCHAR      NOT NULL,  -- B or S
    qty              BIGINT       NOT NULL,  -- shares (lots), > 0
    price            DOUBLE       NOT NULL,  -- limit price, currency units
    position_before  BIGINT       NOT NULL,  -- hedge position in shares before the order
    target_position  BIGINT       NOT NULL,  -- the policy's target position in shares
    verdict          VARCHAR      NOT NULL,  -- the enforcer's verdict: ACCEPT or REJECT
    reasons          VARCHAR      NOT NULL,  -- the enforcer's reason codes, comma-separated
    risk_state       VARCHAR      NOT NULL,  -- the enforcer's risk state when it decided
    limits_version   VARCHAR      NOT NULL,  -- the limits in force (model version or static)
    model_version    VARCHAR      NOT NULL   -- the hedger in the registry ('bs_delta' etc. for a baseline)
);
