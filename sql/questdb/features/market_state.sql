-- Market state per symbol per 100 ms bucket, QuestDB dialect (PG wire, bind variables $n).
-- Usage: run over PG wire with $1 = t0 (LONG UTC ns, session open or grid origin),
--        $2 = t1 (LONG UTC ns, last bucket end), $3 = reference symbol (VARCHAR). A LONG
--        compared with a TIMESTAMP_NS column is read in ns; offsets are LONG ns too (dateadd
--        would read a LONG bind variable as microseconds).
-- Written from the QuestDB docs (SAMPLE BY ... FILL, ASOF JOIN, window functions >= 9.3.1);
-- not yet run against a server: a later issue tests it against the DuckDB twin.
-- QuestDB labels a SAMPLE BY bucket by its start; this file shifts it by 100 ms so ts is the
-- bucket's exclusive end, like the DuckDB query. The width is the literal 100T (SAMPLE BY
-- takes no bind variable); 1 s = 10 rows, 10 s = 100, 60 s = 600 below.
-- Assumes book.bid_sz / ask_sz are DOUBLE[] arrays (1-based), trades/quotes/book designated
-- timestamp ts, and quotes with NULL bid/ask for an empty side.
WITH
tb AS (
    SELECT ts, sym, count() AS trade_count, sum(size) AS volume,
           sum(CASE WHEN side = 'B' THEN size ELSE -size END) AS signed_volume,
           max(size) AS max_size
    FROM trades WHERE ts >= $1 AND ts < $2
    SAMPLE BY 100T FILL(0, 0, 0, NULL) ALIGN TO CALENDAR
),
p95 AS (  -- 95th percentile print size per minute; a bucket compares with the previous one
    SELECT dateadd('m', 1, ts) AS ts, sym, approx_percentile(size::DOUBLE, 0.95, 3) AS p95
    FROM trades WHERE ts >= $1 - 60000000000 AND ts < $2
    SAMPLE BY 1m ALIGN TO CALENDAR
),
qb AS (
    SELECT ts, sym, count() AS quote_updates,
           last(bid) AS bid, last(ask) AS ask,
           last(CASE WHEN bid < ask THEN (bid + ask) / 2 END) AS vmid
    FROM quotes WHERE ts >= $1 AND ts < $2
    SAMPLE BY 100T FILL(0, PREV, PREV, PREV) ALIGN TO CALENDAR
),
bb AS (
    SELECT ts, sym,
           last(bid_sz[1]) AS b1, last(ask_sz[1]) AS a1,
           last(bid_sz[1] + bid_sz[2] + bid_sz[3] + bid_sz[4] + bid_sz[5]) AS b5,
           last(ask_sz[1] + ask_sz[2] + ask_sz[3] + ask_sz[4] + ask_sz[5]) AS a5,
           last(bid_sz[1] + bid_sz[2] / 2 + bid_sz[3] / 3 + bid_sz[4] / 4 + bid_sz[5] / 5
                + bid_sz[6] / 6 + bid_sz[7] / 7 + bid_sz[8] / 8 + bid_sz[9] / 9
                + bid_sz[10] / 10) AS wb,
           last(ask_sz[1] + ask_sz[2] / 2 + ask_sz[3] / 3 + ask_sz[4] / 4 + ask_sz[5] / 5
                + ask_sz[6] / 6 + ask_sz[7] / 7 + ask_sz[8] / 8 + ask_sz[9] / 9
                + ask_sz[10] / 10) AS wa
    FROM book WHERE ts >= $1 AND ts < $2
    SAMPLE BY 100T FILL(PREV) ALIGN TO CALENDAR
),
grid AS (  -- dense: quote and book state per bucket; trades default to 0
    SELECT dateadd('T', 100, q.ts) AS ts, q.sym, q.quote_updates, q.bid, q.ask, q.vmid,
           b.b1, b.a1, b.b5, b.a5, b.wb, b.wa,
           coalesce(t.trade_count, 0) AS trade_count, coalesce(t.volume, 0) AS volume,
           coalesce(t.signed_volume, 0) AS signed_volume, t.max_size
    FROM qb AS q
    LEFT JOIN bb AS b ON b.sym = q.sym AND b.ts = q.ts
    LEFT JOIN tb AS t ON t.sym = q.sym AND t.ts = q.ts
),
lagged AS (
    SELECT g.*, p.p95,
           b5 + a5 AS depth5,
           lag(b5 + a5) OVER (PARTITION BY sym ORDER BY ts) AS pre_depth,
           ln(vmid / lag(vmid) OVER (PARTITION BY sym ORDER BY ts)) AS r,
           ln(vmid / lag(vmid, 10) OVER (PARTITION BY sym ORDER BY ts)) AS ret_1s,
           ln(vmid / lag(vmid, 100) OVER (PARTITION BY sym ORDER BY ts)) AS ret_10s
    FROM grid AS g
    ASOF JOIN p95 AS p ON (sym)
),
with_ref AS (
    SELECT l.*, r.ret_1s AS ref_ret_1s
    FROM lagged AS l LEFT JOIN (SELECT ts, ret_1s FROM lagged WHERE sym = $3) AS r
        ON r.ts = l.ts
),
win AS (
    SELECT *,
           sum(r * r) OVER m AS rr, count(r) OVER m AS nr,
           sum(ret_1s * ref_ret_1s) OVER m AS sxy, sum(ret_1s) OVER m AS sx,
           sum(ref_ret_1s) OVER m AS sy, sum(ret_1s * ret_1s) OVER m AS sxx,
           sum(ref_ret_1s * ref_ret_1s) OVER m AS syy,
           count(ret_1s * ref_ret_1s) OVER m AS nc,
           sum(quote_updates) OVER s1 AS q1s, sum(trade_count) OVER s1 AS t1s,
           max(CASE WHEN max_size > p95 THEN ts END) OVER s10 AS shock_ts
    FROM with_ref
    WINDOW m AS (PARTITION BY sym ORDER BY ts ROWS BETWEEN 599 PRECEDING AND CURRENT ROW),
           s1 AS (PARTITION BY sym ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW),
           s10 AS (PARTITION BY sym ORDER BY ts ROWS BETWEEN 99 PRECEDING AND CURRENT ROW)
)
SELECT w.ts, w.sym, w.bid AS best_bid, w.ask AS best_ask, w.vmid AS mid,
       w.bid >= w.ask AS locked_crossed,
       CASE WHEN w.bid < w.ask THEN (w.ask - w.bid) / ((w.ask + w.bid) / 2) * 10000 END
           AS spread_bps,
       (w.b1 - w.a1) / (w.b1 + w.a1) AS imbalance_l1,
       (w.b5 - w.a5) / (w.b5 + w.a5) AS imbalance_l5,
       (w.wb - w.wa) / (w.wb + w.wa) AS book_pressure,
       w.b5 AS depth5_bid, w.a5 AS depth5_ask,
       w.trade_count, w.volume, w.signed_volume, w.quote_updates,
       w.q1s / 1.0 AS quote_rate_1s,
       CASE WHEN w.q1s > 0 THEN w.t1s / w.q1s END AS trade_to_order_1s,
       w.ret_1s, w.ret_10s,
       sqrt(w.rr / (w.nr * 0.1)) AS rv_1m,
       (w.nc * w.sxy - w.sx * w.sy)
           / sqrt((w.nc * w.sxx - w.sx * w.sx) * (w.nc * w.syy - w.sy * w.sy)) AS corr_ref_1m,
       coalesce(w.max_size > w.p95, false) AS large_trade,
       CASE WHEN w.shock_ts < w.ts AND s.pre_depth > 0
            THEN (w.depth5 - s.depth5) / (s.pre_depth
                  * datediff('T', w.shock_ts, w.ts) / 1000.0) END AS liq_recovery_rate
FROM win AS w
LEFT JOIN lagged AS s ON s.sym = w.sym AND s.ts = w.shock_ts
ORDER BY w.ts, w.sym;
