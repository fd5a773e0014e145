-- Market state per symbol per bucket (100 ms by default), written by `adaptrisk features build`.
-- One column per registered feature; see features/registry.py for units and windows.
CREATE TABLE IF NOT EXISTS features (
    ts              TIMESTAMP_NS NOT NULL,  -- bucket end (exclusive), UTC ns
    sym             VARCHAR      NOT NULL
);
