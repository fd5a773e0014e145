-- Levels as DOUBLE[] (sizes in units of the asset, fractional for crypto and FX);
-- an unoccupied level's price is NaN here and NULL once read back.
CREATE TABLE IF NOT EXISTS book (
    ts TIMESTAMP_NS, sym SYMBOL, bid_px DOUBLE[], bid_sz DOUBLE[], ask_px DOUBLE[], ask_sz DOUBLE[]
) TIMESTAMP(ts) PARTITION BY DAY WAL;
