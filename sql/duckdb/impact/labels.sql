-- Impact labels (issue 15): one row per marketable order, i.e. the prints of one symbol with
-- the same timestamp and aggressor side (the simulator prints one trade per level a market
-- order sweeps; LOBSTER stamps every execution of one incoming order with its arrival
-- time). Realised slippage in bps against the arrival mid, the mid of the latest quote
-- strictly before the order, signed so that a cost is positive (buy: vwap above the mid,
-- sell: below). Inputs as of the order: the latest features bucket ending at or before it
-- (a bucket covers events strictly before its ts: no look-ahead), the latest risk score, the
-- lots traded in the 5 minutes before. Usage: store.query_file("impact/labels.sql", {...})
-- $since, $until  BIGINT  UTC ns; orders with since < ts <= until (prints from 5 min before
-- since count towards volume_5m). Rows sorted by sym, ts.
WITH fills AS (
    SELECT ts, sym, side, sum(size) AS qty, count(*) AS n_prints,
           sum(price * size) / sum(size) AS vwap
    FROM trades
    WHERE ts > make_timestamp_ns($since - 300000000000) AND ts <= make_timestamp_ns($until)
    GROUP BY ts, sym, side
), vol AS (
    SELECT *, (sum(qty) OVER (PARTITION BY sym ORDER BY ts
                             RANGE BETWEEN INTERVAL 5 MINUTE PRECEDING AND CURRENT ROW)
              - qty) AS volume_5m
    FROM fills
), arrival AS (
    SELECT v.*, q.bid, q.ask, q.bid_size, q.ask_size
    FROM vol v ASOF JOIN quotes q ON v.sym = q.sym AND v.ts > q.ts
), feat AS (
    SELECT a.*, f.depth5_bid, f.depth5_ask, f.rv_1m
    FROM arrival a ASOF LEFT JOIN features f ON a.sym = f.sym AND a.ts >= f.ts
), scored AS (
    SELECT x.*, r.anomaly_score
    FROM feat x ASOF LEFT JOIN risk_scores r ON x.sym = r.sym AND x.ts >= r.ts
)
SELECT ts, sym, side, qty, n_prints, (bid + ask) / 2 AS arrival_mid, vwap,
       CASE WHEN side = 'B' THEN vwap / ((bid + ask) / 2) - 1
            ELSE 1 - vwap / ((bid + ask) / 2) END * 1e4 AS slippage_bps,
       (ask - bid) / ((bid + ask) / 2) * 1e4 AS spread_bps,
       CASE WHEN side = 'B' THEN ask_size ELSE bid_size END AS depth1,
       CASE WHEN side = 'B' THEN depth5_ask ELSE depth5_bid END AS depth5,
       volume_5m, rv_1m, anomaly_score
FROM scored
WHERE bid IS NOT NULL AND ask IS NOT NULL AND bid < ask AND ts > make_timestamp_ns($since)
ORDER BY sym, ts;
