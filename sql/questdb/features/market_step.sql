-- The newest bucket per symbol, from the raw events inside it plus stored rows (the last
-- 10 s of features, the last 60 s of features_state): QuestDB twin of
-- sql/duckdb/features/market_step.sql, the live path of `features build` (one 100 ms step
-- for every symbol instead of the day from the open). Gives market_state.sql's row for that
-- bucket when each symbol's rows are stored up to t1 - w and back past t1 - 60 s
-- (features.dialect.build_server checks, as features.build does for DuckDB).
-- Usage: store.query_file("features/market_step.sql", features.build.step_params(...))
--
-- $t1          LONG     end of the new bucket, UTC ns (covers [t1 - w, t1))
-- $w           LONG     bucket width, ns
-- $open        LONG     session open, UTC ns (t1 - open is a multiple of w)
-- $ref_sym     VARCHAR  reference symbol for corr_ref_1m
-- $n1s $n10s $n1m  LONG  1 s, 10 s and 60 s in buckets
-- The bucket's latest quote (last(): same-nanosecond rows in arrival order) carries a NULL
-- side as -1, as in market_state.sql. QuestDB stores no NULL boolean, so a previous bucket
-- "has a quote" when it has a bid or an ask. Times are LONG ns throughout.
WITH
tb AS (
    SELECT sym, count() AS trade_count, sum(size) AS volume,
           sum(CASE WHEN side = 'B' THEN size ELSE -size END) AS signed_volume,
           max(size) AS max_size
    FROM trades WHERE ts >= $t1 - $w AND ts < $t1
),
ranked AS (  -- print sizes of the calendar minute before the one the bucket starts in
    SELECT sym, size, row_number() OVER (PARTITION BY sym ORDER BY size) - 1 AS i,
           count() OVER (PARTITION BY sym) AS n
    FROM trades
    WHERE ts >= ($t1 - $w) / 60000000000 * 60000000000 - 60000000000
      AND ts < ($t1 - $w) / 60000000000 * 60000000000
),
p95 AS (  -- quantile_cont(size, 0.95): linear between the order statistics around 0.95 (n-1)
    SELECT sym,
           max(CASE WHEN i = floor(0.95 * (n - 1)) THEN size END) AS lo,
           max(CASE WHEN i = ceil(0.95 * (n - 1)) THEN size END) AS hi,
           max(0.95 * (n - 1) - floor(0.95 * (n - 1))) AS frac
    FROM ranked
),
qb AS (
    SELECT sym, count() AS quote_updates,
           last(coalesce(bid, -1.0)) AS bid, last(coalesce(ask, -1.0)) AS ask,
           last_not_null(CASE WHEN bid < ask THEN (bid + ask) / 2 END) AS vmid
    FROM quotes WHERE ts >= $t1 - $w AND ts < $t1
),
bb AS (
    SELECT sym,
           last(bid_sz[1]) AS b1, last(ask_sz[1]) AS a1,
           last(bid_sz[1] + bid_sz[2] + bid_sz[3] + bid_sz[4] + bid_sz[5]) AS b5,
           last(ask_sz[1] + ask_sz[2] + ask_sz[3] + ask_sz[4] + ask_sz[5]) AS a5,
           last(bid_sz[1] + bid_sz[2] / 2 + bid_sz[3] / 3 + bid_sz[4] / 4 + bid_sz[5] / 5
                + bid_sz[6] / 6 + bid_sz[7] / 7 + bid_sz[8] / 8 + bid_sz[9] / 9
                + bid_sz[10] / 10) AS wb,
           last(ask_sz[1] + ask_sz[2] / 2 + ask_sz[3] / 3 + ask_sz[4] / 4 + ask_sz[5] / 5
                + ask_sz[6] / 6 + ask_sz[7] / 7 + ask_sz[8] / 8 + ask_sz[9] / 9
                + ask_sz[10] / 10) AS wa
    FROM book WHERE ts >= $t1 - $w AND ts < $t1
),
recent AS (  -- stored rows of the last 10 s (t1 - 10 s <= ts <= t1 - w)
    SELECT ts::LONG AS t, sym, best_bid, best_ask, mid, imbalance_l1, imbalance_l5,
           book_pressure, depth5_bid, depth5_ask, depth5_bid + depth5_ask AS depth5,
           trade_count, quote_updates, large_trade
    FROM features
    WHERE ts >= $t1 - $n10s * $w AND ts <= $t1 - $w
),
prev AS (SELECT * FROM recent WHERE t = $t1 - $w),
syms AS (
    SELECT DISTINCT sym FROM (
        SELECT sym FROM tb UNION SELECT sym FROM qb UNION SELECT sym FROM bb
        UNION SELECT sym FROM prev
    )
),
fresh AS (  -- the new bucket, carrying the previous bucket's state where nothing new came
    SELECT y.sym,
           coalesce(t.trade_count, 0) AS trade_count,
           coalesce(t.volume, 0.0) AS volume,
           coalesce(t.signed_volume, 0.0) AS signed_volume,
           coalesce(t.max_size > p.lo + p.frac * (p.hi - p.lo), false) AS large_trade,
           coalesce(q.quote_updates, 0) AS quote_updates,
           CASE WHEN q.sym IS NOT NULL THEN q.bid
                WHEN pv.best_bid IS NOT NULL OR pv.best_ask IS NOT NULL
                THEN coalesce(pv.best_bid, -1.0) END AS bid,
           CASE WHEN q.sym IS NOT NULL THEN q.ask
                WHEN pv.best_bid IS NOT NULL OR pv.best_ask IS NOT NULL
                THEN coalesce(pv.best_ask, -1.0) END AS ask,
           coalesce(q.vmid, pv.mid) AS mid,
           CASE WHEN b.sym IS NOT NULL THEN (b.b1 - b.a1) / (b.b1 + b.a1)
                ELSE pv.imbalance_l1 END AS imbalance_l1,
           CASE WHEN b.sym IS NOT NULL THEN (b.b5 - b.a5) / (b.b5 + b.a5)
                ELSE pv.imbalance_l5 END AS imbalance_l5,
           CASE WHEN b.sym IS NOT NULL THEN (b.wb - b.wa) / (b.wb + b.wa)
                ELSE pv.book_pressure END AS book_pressure,
           CASE WHEN b.sym IS NOT NULL THEN b.b5 ELSE pv.depth5_bid END AS depth5_bid,
           CASE WHEN b.sym IS NOT NULL THEN b.a5 ELSE pv.depth5_ask END AS depth5_ask,
           pv.mid AS mid_prev
    FROM syms AS y
    LEFT JOIN tb AS t ON t.sym = y.sym
    LEFT JOIN qb AS q ON q.sym = y.sym
    LEFT JOIN bb AS b ON b.sym = y.sym
    LEFT JOIN p95 AS p ON p.sym = y.sym
    LEFT JOIN prev AS pv ON pv.sym = y.sym
),
rets AS (
    SELECT n.*, n.depth5_bid + n.depth5_ask AS depth5,
           ln(n.mid / n.mid_prev) AS r,
           ln(n.mid / h1.mid) AS ret_1s,
           ln(n.mid / h10.mid) AS ret_10s
    FROM fresh AS n
    LEFT JOIN (SELECT sym, mid FROM recent WHERE t = $t1 - $n1s * $w) AS h1 ON h1.sym = n.sym
    LEFT JOIN (SELECT sym, mid FROM recent WHERE t = $t1 - $n10s * $w) AS h10
        ON h10.sym = n.sym
),
with_ref AS (
    SELECT *, max(CASE WHEN sym = $ref_sym THEN ret_1s END) OVER () AS ref_ret_1s
    FROM rets
),
agg AS (  -- the 60 s window: stored terms (features_state) plus the new bucket's
    SELECT sym, sum(r * r) AS rr, count(r) AS nr, corr(ret_1s, ref_ret_1s) AS cr
    FROM (
        SELECT sym, r, ret_1s, ref_ret_1s FROM features_state
        WHERE ts > $t1 - $n1m * $w AND ts <= $t1 - $w
        UNION ALL
        SELECT sym, r, ret_1s, ref_ret_1s FROM with_ref
    )
),
last10 AS (  -- the 10 s window with the new bucket, for the 1 s sums and the large trades
    SELECT sym, t, trade_count, quote_updates, large_trade, depth5 FROM recent
    UNION ALL
    SELECT sym, $t1 AS t, trade_count, quote_updates, large_trade, depth5 FROM with_ref
),
agg1 AS (
    SELECT sym,
           sum(CASE WHEN t > $t1 - $n1s * $w THEN quote_updates END) AS q1s,
           sum(CASE WHEN t > $t1 - $n1s * $w THEN trade_count END) AS t1s,
           max(CASE WHEN large_trade AND t > $t1 - $n10s * $w THEN t END) AS shock_t
    FROM last10
),
shock AS (  -- the latest large-trade bucket in the last 10 s and the depth one bucket before
    SELECT a.sym, a.shock_t, s.depth5 AS d, pr.depth5 AS pre
    FROM agg1 AS a
    LEFT JOIN last10 AS s ON s.sym = a.sym AND s.t = a.shock_t
    LEFT JOIN last10 AS pr ON pr.sym = a.sym AND pr.t = a.shock_t - $w
)
SELECT $t1 AS ts,
       w.sym,
       CASE WHEN w.bid >= 0 THEN w.bid END AS best_bid,
       CASE WHEN w.ask >= 0 THEN w.ask END AS best_ask,
       w.mid,
       CASE WHEN w.bid IS NOT NULL THEN w.bid >= 0 AND w.ask >= 0 AND w.bid >= w.ask END
           AS locked_crossed,
       CASE WHEN w.bid >= 0 AND w.ask >= 0 AND w.bid < w.ask
            THEN (w.ask - w.bid) / ((w.ask + w.bid) / 2) * 1e4 END AS spread_bps,
       w.imbalance_l1,
       w.imbalance_l5,
       w.book_pressure,
       w.depth5_bid,
       w.depth5_ask,
       w.trade_count,
       w.volume,
       w.signed_volume,
       w.quote_updates,
       a1.q1s::DOUBLE / (least($n1s, ($t1 - $open) / $w) * $w / 1e9) AS quote_rate_1s,
       a1.t1s::DOUBLE / nullif(a1.q1s, 0) AS trade_to_order_1s,
       w.ret_1s,
       w.ret_10s,
       sqrt(a.rr / (nullif(a.nr, 0) * $w / 1e9)) AS rv_1m,
       CASE WHEN a.cr IS NOT NULL THEN greatest(-1.0, least(1.0, a.cr)) END AS corr_ref_1m,
       w.large_trade,
       CASE WHEN s.shock_t < $t1 AND s.pre > 0
            THEN (w.depth5 - s.d) / (s.pre * ($t1 - s.shock_t) / 1e9)
       END AS liq_recovery_rate,
       w.r,
       w.ref_ret_1s
FROM with_ref AS w
JOIN agg AS a ON a.sym = w.sym
JOIN agg1 AS a1 ON a1.sym = w.sym
LEFT JOIN shock AS s ON s.sym = w.sym
ORDER BY w.sym;
