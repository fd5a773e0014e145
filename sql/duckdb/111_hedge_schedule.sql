-- Append-only; one row per hedging decision time of a hedge run: the book's greeks, the
-- policy's target, the trade sent (0 when none) and what it cost. The console and the
-- report read a run's schedule and its cumulative cost from here.
CREATE TABLE IF NOT EXISTS hedge_schedule (
    ts               TIMESTAMP_NS NOT NULL,  -- decision time, UTC ns
    run_id           VARCHAR      NOT NULL,
    step             INTEGER      NOT NULL,  -- decision index, 0-based
    sym              VARCHAR      NOT NULL,
    spot             DOUBLE       NOT NULL,  -- underlying price at the decision
    tau_days         DOUBLE       NOT NULL,  -- days to the hedging horizon
    book_delta       DOUBLE       NOT NULL,  -- the book's Black-Scholes delta, shares
    book_gamma       DOUBLE       NOT NULL,  -- shares per currency unit
    book_vega        DOUBLE       NOT NULL,  -- currency per unit of daily volatility
    target_position  BIGINT       NOT NULL,  -- the policy's target, shares
    trade_qty        BIGINT       NOT NULL,  -- signed shares sent (+ buy, - sell; 0 none)
    position         BIGINT       NOT NULL,  -- hedge position after the decision (a rejected order leaves it)
    cost             DOUBLE       NOT NULL,  -- trading cost of the executed trade, currency
    cum_cost         DOUBLE       NOT NULL,  -- cost so far in the run, currency
    verdict          VARCHAR      NOT NULL,  -- the order's verdict, or NONE when no trade
    model_version    VARCHAR      NOT NULL
);
