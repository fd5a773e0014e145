-- The newest bucket per symbol, from the raw events inside it plus stored rows (the last
-- 10 s of features, the last 60 s of features_state): the live path of `features build`,
-- one 100 ms step for every symbol. Gives market_state.sql's row for that bucket when each symbol's rows are
-- stored up to t1 - w and back past t1 - 60 s (features.build checks this; tests compare).
-- Usage: store.query_file("features/market_step.sql", features.build.step_params(...))
--
-- $t1          BIGINT   end of the new bucket, UTC ns (covers [t1 - w, t1))
-- $w           BIGINT   bucket width, ns
-- $open        BIGINT   session open, UTC ns (t1 - open is a multiple of w)
-- $ref_sym     VARCHAR  reference symbol for corr_ref_1m
-- $n1s $n10s $n1m  BIGINT  1 s, 10 s and 60 s in buckets
WITH
trade_b AS (
    SELECT sym, count(*) AS trade_count, sum(size) AS volume,
           sum(CASE WHEN side = 'B' THEN size ELSE -size END) AS signed_volume,
           max(size) AS max_size
    FROM trades
    WHERE ts >= make_timestamp_ns($t1 - $w) AND ts < make_timestamp_ns($t1)
    GROUP BY sym
),
size_p95 AS (  -- the calendar minute before the one the bucket starts in
    SELECT sym, quantile_cont(size, 0.95) AS p95
    FROM trades
    WHERE ts >= make_timestamp_ns(($t1 - $w) // 60000000000 * 60000000000 - 60000000000)
      AND ts < make_timestamp_ns(($t1 - $w) // 60000000000 * 60000000000)
    GROUP BY sym
),
quote_b AS (
    SELECT sym, count(*) AS quote_updates,
           arg_max({'bid': bid, 'ask': ask}, (ts, rowid)) AS q,
           arg_max((bid + ask) / 2, (ts, rowid)) FILTER (WHERE bid < ask) AS vmid
    FROM quotes
    WHERE ts >= make_timestamp_ns($t1 - $w) AND ts < make_timestamp_ns($t1)
    GROUP BY sym
),
book_b AS (
    SELECT sym, {
        'imbalance_l1': (s.b1 - s.a1) / nullif(s.b1 + s.a1, 0),
        'imbalance_l5': (s.b5 - s.a5) / nullif(s.b5 + s.a5, 0),
        'book_pressure': (s.wb - s.wa) / nullif(s.wb + s.wa, 0),
        'depth5_bid': s.b5, 'depth5_ask': s.a5} AS bk
    FROM (
        SELECT sym,
               arg_max({
                   'b1': bid_sz[1]::DOUBLE, 'a1': ask_sz[1]::DOUBLE,
                   'b5': (bid_sz[1] + bid_sz[2] + bid_sz[3] + bid_sz[4] + bid_sz[5])::DOUBLE,
                   'a5': (ask_sz[1] + ask_sz[2] + ask_sz[3] + ask_sz[4] + ask_sz[5])::DOUBLE,
                   'wb': bid_sz[1] + bid_sz[2] / 2 + bid_sz[3] / 3 + bid_sz[4] / 4
                         + bid_sz[5] / 5 + bid_sz[6] / 6 + bid_sz[7] / 7 + bid_sz[8] / 8
                         + bid_sz[9] / 9 + bid_sz[10] / 10,
                   'wa': ask_sz[1] + ask_sz[2] / 2 + ask_sz[3] / 3 + ask_sz[4] / 4
                         + ask_sz[5] / 5 + ask_sz[6] / 6 + ask_sz[7] / 7 + ask_sz[8] / 8
                         + ask_sz[9] / 9 + ask_sz[10] / 10
               }, (ts, rowid)) AS s
        FROM book
        WHERE ts >= make_timestamp_ns($t1 - $w) AND ts < make_timestamp_ns($t1)
        GROUP BY sym
    )
),
recent AS (  -- stored rows of the last 10 s (t1 - 10 s <= ts <= t1 - w)
    SELECT ts, sym, best_bid, best_ask, mid, locked_crossed, imbalance_l1, imbalance_l5,
           book_pressure, depth5_bid, depth5_ask, depth5_bid + depth5_ask AS depth5,
           trade_count, quote_updates, large_trade
    FROM features
    WHERE ts >= make_timestamp_ns($t1 - $n10s::BIGINT * $w)
      AND ts <= make_timestamp_ns($t1 - $w)
),
prev AS (SELECT * FROM recent WHERE ts = make_timestamp_ns($t1 - $w)),
syms AS (
    SELECT sym FROM trade_b UNION SELECT sym FROM quote_b
    UNION SELECT sym FROM book_b UNION SELECT sym FROM prev
),
fresh AS (  -- the new bucket, carrying the previous bucket's state where nothing new came
    SELECT y.sym,
           coalesce(t.trade_count, 0) AS trade_count,
           coalesce(t.volume, 0) AS volume,
           coalesce(t.signed_volume, 0) AS signed_volume,
           coalesce(t.max_size > p.p95, false) AS large_trade,
           coalesce(q.quote_updates, 0) AS quote_updates,
           coalesce(q.q, CASE WHEN pv.locked_crossed IS NOT NULL
                              THEN {'bid': pv.best_bid, 'ask': pv.best_ask} END) AS q,
           coalesce(q.vmid, pv.mid) AS mid,
           coalesce(b.bk, CASE WHEN pv.depth5_bid IS NOT NULL THEN {
               'imbalance_l1': pv.imbalance_l1, 'imbalance_l5': pv.imbalance_l5,
               'book_pressure': pv.book_pressure,
               'depth5_bid': pv.depth5_bid, 'depth5_ask': pv.depth5_ask} END) AS bk,
           pv.mid AS mid_prev
    FROM syms AS y
    LEFT JOIN trade_b AS t ON t.sym = y.sym
    LEFT JOIN quote_b AS q ON q.sym = y.sym
    LEFT JOIN book_b AS b ON b.sym = y.sym
    LEFT JOIN size_p95 AS p ON p.sym = y.sym
    LEFT JOIN prev AS pv ON pv.sym = y.sym
),
rets AS (
    SELECT n.*, n.bk.depth5_bid + n.bk.depth5_ask AS depth5,
           ln(n.mid / n.mid_prev) AS r,
           ln(n.mid / h1.mid) AS ret_1s,
           ln(n.mid / h10.mid) AS ret_10s
    FROM fresh AS n
    LEFT JOIN recent AS h1 ON h1.sym = n.sym AND h1.ts = make_timestamp_ns($t1 - $n1s::BIGINT * $w)
    LEFT JOIN recent AS h10
        ON h10.sym = n.sym AND h10.ts = make_timestamp_ns($t1 - $n10s::BIGINT * $w)
),
with_ref AS (
    SELECT n.*, rf.ret_1s AS ref_ret_1s
    FROM rets AS n
    LEFT JOIN (SELECT ret_1s FROM rets WHERE sym = $ref_sym) AS rf ON true
),
agg AS (  -- the 60 s window: stored terms (features_state) plus the new bucket's
    SELECT sym, sum(r * r) AS rr, count(r) AS nr, corr(ret_1s, ref_ret_1s) AS cr
    FROM (
        SELECT sym, r, ret_1s, ref_ret_1s FROM features_state
        WHERE ts > make_timestamp_ns($t1 - $n1m::BIGINT * $w)
          AND ts <= make_timestamp_ns($t1 - $w)
        UNION ALL
        SELECT sym, r, ret_1s, ref_ret_1s FROM with_ref
    )
    GROUP BY sym
),
last10 AS (  -- the 10 s window with the new bucket, for the 1 s sums and the large trades
    SELECT sym, ts, trade_count, quote_updates, large_trade, depth5 FROM recent
    UNION ALL
    SELECT sym, make_timestamp_ns($t1), trade_count, quote_updates, large_trade, depth5
    FROM with_ref
),
agg1 AS (
    SELECT sym,
           sum(quote_updates) FILTER (WHERE ts > make_timestamp_ns($t1 - $n1s::BIGINT * $w)) AS q1s,
           sum(trade_count) FILTER (WHERE ts > make_timestamp_ns($t1 - $n1s::BIGINT * $w)) AS t1s,
           arg_max({'ts': ts, 'd': depth5}, ts)
               FILTER (WHERE large_trade AND ts > make_timestamp_ns($t1 - $n10s::BIGINT * $w))
               AS s
    FROM last10
    GROUP BY sym
),
shock AS (  -- the latest large-trade bucket in the last 10 s and the depth one bucket before
    SELECT a.sym, a.s.ts AS ts, a.s.d AS d, pr.depth5 AS pre
    FROM agg1 AS a
    LEFT JOIN last10 AS pr
        ON pr.sym = a.sym AND epoch_ns(pr.ts) = epoch_ns(a.s.ts) - $w
)
SELECT make_timestamp_ns($t1) AS ts,
       w.sym,
       w.q.bid AS best_bid,
       w.q.ask AS best_ask,
       w.mid,
       CASE WHEN w.q IS NOT NULL THEN coalesce(w.q.bid >= w.q.ask, false) END AS locked_crossed,
       CASE WHEN w.q.bid < w.q.ask
            THEN (w.q.ask - w.q.bid) / ((w.q.ask + w.q.bid) / 2) * 1e4 END AS spread_bps,
       w.bk.imbalance_l1,
       w.bk.imbalance_l5,
       w.bk.book_pressure,
       w.bk.depth5_bid,
       w.bk.depth5_ask,
       w.trade_count,
       w.volume,
       w.signed_volume,
       w.quote_updates,
       a1.q1s::DOUBLE / (least($n1s, ($t1 - $open) // $w) * $w / 1e9) AS quote_rate_1s,
       a1.t1s::DOUBLE / nullif(a1.q1s, 0) AS trade_to_order_1s,
       w.ret_1s,
       w.ret_10s,
       sqrt(a.rr / (nullif(a.nr, 0) * $w / 1e9)) AS rv_1m,
       CASE WHEN isfinite(a.cr) THEN greatest(-1.0, least(1.0, a.cr)) END AS corr_ref_1m,
       w.large_trade,
       CASE WHEN s.ts < make_timestamp_ns($t1) AND s.pre > 0
            THEN (w.depth5 - s.d) / (s.pre * ($t1 - epoch_ns(s.ts)) / 1e9)
       END AS liq_recovery_rate,
       w.r,
       w.ref_ret_1s
FROM with_ref AS w
JOIN agg AS a ON a.sym = w.sym
JOIN agg1 AS a1 ON a1.sym = w.sym
LEFT JOIN shock AS s ON s.sym = w.sym
ORDER BY w.sym;
