-- Execution advice per symbol from the impact model (issue 15). Append-only; the row in
-- force is the latest per sym. The enforcer exposes it (REST GET /advice/{sym}) without a
-- model call; the calibrator folds impact_max_qty into risk_limits.max_order_qty (tighten
-- only).
CREATE TABLE IF NOT EXISTS exec_advice (
    ts                  TIMESTAMP_NS NOT NULL,  -- from when the row applies, UTC ns
    sym                 VARCHAR      NOT NULL,
    algo                VARCHAR      NOT NULL,  -- 'TWAP', 'VWAP' or 'POV'
    participation_cap   DOUBLE       NOT NULL,  -- largest share of market volume, in (0, 1]
    clip_qty            DOUBLE       NOT NULL,  -- largest child order, venue units, > 0
    impact_max_qty      DOUBLE       NOT NULL,  -- largest order whose predicted cost <= budget, venue units
    budget_bps          DOUBLE       NOT NULL,  -- the slippage budget behind impact_max_qty
    parent_qty          DOUBLE       NOT NULL,  -- reference parent order the advice was priced on, venue units
    predicted_cost_bps  DOUBLE       NOT NULL,  -- predicted slippage of the advised schedule
    model_version       VARCHAR      NOT NULL
);
