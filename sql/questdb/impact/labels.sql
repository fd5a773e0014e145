-- Impact labels (QuestDB twin of sql/duckdb/impact/labels.sql): one row per marketable order
-- (the prints of one symbol with the same ts and aggressor side), realised slippage in bps
-- against the mid of the latest quote strictly before it (LT JOIN), inputs as of the order.
-- $since, $until  LONG  UTC ns; orders with since < ts <= until (prints from 5 min before
-- since count towards volume_5m). ts comes back as LONG ns.
WITH fills AS (
    (SELECT ts, sym, side, sum(size) AS qty, count() AS n_prints,
            sum(price * size) / sum(size) AS vwap
     FROM trades
     WHERE ts > $since - 300000000000 AND ts <= $until
     GROUP BY ts, sym, side
     ORDER BY ts) TIMESTAMP(ts)
), vol AS (
    SELECT ts, sym, side, qty, n_prints, vwap,
           (sum(qty) OVER (PARTITION BY sym ORDER BY ts
                          RANGE BETWEEN 5 MINUTE PRECEDING AND CURRENT ROW) - qty) AS volume_5m
    FROM fills
), arrival AS (
    SELECT v.ts, v.sym, v.side, v.qty, v.n_prints, v.vwap, v.volume_5m, q.bid, q.ask,
           q.bid_size, q.ask_size
    FROM vol v LT JOIN quotes q ON (sym)
), feat AS (
    SELECT a.*, f.depth5_bid, f.depth5_ask, f.rv_1m
    FROM arrival a ASOF JOIN features f ON (sym)
), scored AS (
    SELECT x.*, r.anomaly_score
    FROM feat x ASOF JOIN risk_scores r ON (sym)
)
SELECT ts::LONG AS ts, sym, side, qty, n_prints, (bid + ask) / 2 AS arrival_mid, vwap,
       CASE WHEN side = 'B' THEN vwap / ((bid + ask) / 2) - 1
            ELSE 1 - vwap / ((bid + ask) / 2) END * 1e4 AS slippage_bps,
       (ask - bid) / ((bid + ask) / 2) * 1e4 AS spread_bps,
       CASE WHEN side = 'B' THEN ask_size ELSE bid_size END AS depth1,
       CASE WHEN side = 'B' THEN depth5_ask ELSE depth5_bid END AS depth5,
       volume_5m, rv_1m, anomaly_score
FROM scored
WHERE bid IS NOT NULL AND ask IS NOT NULL AND bid < ask AND ts > $since
ORDER BY sym, ts;
