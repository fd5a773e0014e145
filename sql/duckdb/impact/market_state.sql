-- Market state of every symbol as of a time, the impact model's inputs for advice: the
-- latest features bucket ending at or before $at, the latest quote strictly before it (the
-- sizes at the touch), the lots traded in the 5 minutes before and the latest risk score.
-- $at  BIGINT  UTC ns. One row per symbol with features, sorted by sym; ts_ns = the bucket.
WITH f AS (
    SELECT sym, ts, spread_bps, depth5_bid, depth5_ask, rv_1m, mid
    FROM features WHERE ts <= make_timestamp_ns($at)
    QUALIFY row_number() OVER (PARTITION BY sym ORDER BY ts DESC) = 1
), q AS (
    SELECT sym, bid_size, ask_size
    FROM quotes WHERE ts < make_timestamp_ns($at)
    QUALIFY row_number() OVER (PARTITION BY sym ORDER BY ts DESC, rowid DESC) = 1
), v AS (
    SELECT sym, sum(size) AS volume_5m
    FROM trades
    WHERE ts >= make_timestamp_ns($at - 300000000000) AND ts < make_timestamp_ns($at)
    GROUP BY sym
), r AS (
    SELECT sym, anomaly_score
    FROM risk_scores WHERE ts <= make_timestamp_ns($at)
    QUALIFY row_number() OVER (PARTITION BY sym ORDER BY ts DESC, rowid DESC) = 1
)
SELECT epoch_ns(f.ts) AS ts_ns, f.sym, f.spread_bps, f.depth5_bid, f.depth5_ask, f.rv_1m,
       f.mid, q.bid_size, q.ask_size, coalesce(v.volume_5m, 0) AS volume_5m,
       r.anomaly_score
FROM f LEFT JOIN q ON f.sym = q.sym LEFT JOIN v ON f.sym = v.sym LEFT JOIN r ON f.sym = r.sym
ORDER BY f.sym;
