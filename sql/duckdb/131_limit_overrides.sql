-- Manual limit overrides with four eyes (issue 14). Append-only: every step of an
-- override's life is a row (requested, approved, rejected, withdrawn); the row in force of
-- an override is its latest. An 'active' row whose expires_ts is still ahead is honoured by
-- the enforcer's limits feed (queries/overrides_in_force.sql): it replaces the model's value
-- of that one limit (never past the static cap). A tightening is active when requested; a
-- loosening stays 'pending' until an approver other than the requester approves it.
CREATE TABLE IF NOT EXISTS limit_overrides (
    ts            TIMESTAMP_NS NOT NULL,  -- when this row was written, UTC ns
    override_id   VARCHAR      NOT NULL,
    sym           VARCHAR      NOT NULL,
    strategy      VARCHAR      NOT NULL,  -- '*' = every strategy of sym
    limit_name    VARCHAR      NOT NULL,  -- a risk_limits column: max_order_qty, max_notional,
                                          -- price_band_bps, max_position
    value         DOUBLE       NOT NULL,  -- in that column's unit (lots, currency, bps)
    direction     VARCHAR      NOT NULL,  -- tighten or loosen (against the limit in force)
    status        VARCHAR      NOT NULL,  -- pending, active, rejected, withdrawn
    expires_ts    TIMESTAMP_NS NOT NULL,  -- no longer honoured from then on
    requested_by  VARCHAR      NOT NULL,
    approved_by   VARCHAR,                -- NULL until approved (a tightening: the requester)
    why           VARCHAR      NOT NULL
);
