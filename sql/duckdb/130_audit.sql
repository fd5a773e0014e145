-- Every action taken at the risk officer's console (issue 14): who did what, why, when,
-- and the state before and after (JSON text). Append-only; written by enforcer.console.
CREATE TABLE IF NOT EXISTS audit (
    ts      TIMESTAMP_NS NOT NULL,  -- when the action was taken, UTC ns
    who     VARCHAR      NOT NULL,  -- the user its bearer token belongs to
    role    VARCHAR      NOT NULL,  -- viewer, operator, approver
    action  VARCHAR      NOT NULL,  -- kill, unkill, reset_breaker, override_request, ...
    target  VARCHAR      NOT NULL,  -- what it reached: 'global', 'symbol:AAPL', an override id
    why     VARCHAR      NOT NULL,  -- the reason given (never blank)
    before  VARCHAR,                -- JSON of the state it changed, before
    after   VARCHAR                 -- JSON of that state after
);
