-- Market state of every symbol as of a time (twin of sql/duckdb/impact/market_state.sql):
-- latest features bucket at or before $at, latest quote strictly before, lots traded in the
-- 5 minutes before, latest risk score. $at  LONG  UTC ns. ts_ns = the bucket, LONG ns.
WITH f AS (
    SELECT sym, ts, spread_bps, depth5_bid, depth5_ask, rv_1m, mid
    FROM features WHERE ts <= $at LATEST ON ts PARTITION BY sym
), q AS (
    SELECT sym, bid_size, ask_size FROM quotes WHERE ts < $at LATEST ON ts PARTITION BY sym
), v AS (
    SELECT sym, sum(size) AS volume_5m
    FROM trades WHERE ts >= $at - 300000000000 AND ts < $at
), r AS (
    SELECT sym, anomaly_score FROM risk_scores WHERE ts <= $at LATEST ON ts PARTITION BY sym
)
SELECT f.ts::LONG AS ts_ns, f.sym, f.spread_bps, f.depth5_bid, f.depth5_ask, f.rv_1m, f.mid,
       q.bid_size, q.ask_size, coalesce(v.volume_5m, 0.0) AS volume_5m, r.anomaly_score
FROM f LEFT JOIN q ON f.sym = q.sym LEFT JOIN v ON f.sym = v.sym LEFT JOIN r ON f.sym = r.sym
ORDER BY f.sym;
