-- L2 snapshots, 10 occupied price levels per side, level 1 first.
-- An unoccupied level has price NULL and size 0.
CREATE TABLE IF NOT EXISTS book (
    ts      TIMESTAMP_NS NOT NULL,
    sym     VARCHAR      NOT NULL,
    bid_px  DOUBLE[10]   NOT NULL,   -- descending
    bid_sz  DOUBLE[10]   NOT NULL,   -- units of the asset (fractional for crypto, FX)
    ask_px  DOUBLE[10]   NOT NULL,   -- ascending
    ask_sz  DOUBLE[10]   NOT NULL
);
