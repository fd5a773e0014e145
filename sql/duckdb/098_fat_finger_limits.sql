-- Layer 1 at the gate. Append-only; the row in force is the latest per (sym, trader): from
-- ts on, an order of that trader in that symbol larger than fat_finger_max_qty is a fat
-- finger (sql/README.md). Written by jaxmodels.layer1 from the boosted trees' decision level.
CREATE TABLE IF NOT EXISTS fat_finger_limits (
    ts                  TIMESTAMP_NS NOT NULL,  -- from when the row applies, UTC ns
    sym                 VARCHAR      NOT NULL,
    trader              VARCHAR      NOT NULL,
    fat_finger_max_qty  DOUBLE       NOT NULL,  -- venue units; larger orders are denied, >= 0
    model_version       VARCHAR      NOT NULL
);
