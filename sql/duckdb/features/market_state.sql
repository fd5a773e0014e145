-- Market state per symbol per bucket: one row per (sym, bucket) on a dense grid.
-- Usage: store.query_file("features/market_state.sql", features.market_state_params(...))
--
-- Grid: bucket k (k = 0..K) covers event times [t0 + (k-1)w, t0 + k w) and is labelled by its
-- exclusive end ts = t0 + k w. Row k = 0 holds state only (events just before t0, plus the
-- stored features row at t0 as a seed, so an incremental run carries the same state forward
-- as a full run). Aggregate to buckets first, then window over the dense grid in ROWS.
-- Also returns r and ref_ret_1s for the features_state table (market_step.sql reads them
-- with ret_1s).
--
-- $t0          BIGINT   grid origin, UTC ns (a session open, or a stored bucket end)
-- $t1          BIGINT   last bucket end, UTC ns (t1 - t0 a multiple of w)
-- $w           BIGINT   bucket width, ns
-- $emit_after  BIGINT   return only buckets with ts > emit_after (and > the symbol's last
--                       stored features row); the rows before are look-back for the windows
-- $ref_sym     VARCHAR  reference symbol for corr_ref_1m (NULL: column is NULL)
-- $n1s $n10s $n1m  BIGINT  1 s, 10 s and 60 s in buckets
-- The latest row of a bucket is the greatest (ts, rowid): same-nanosecond rows (LOBSTER has
-- many) in arrival order, as QuestDB's last() and the numpy twin take them.
WITH
trade_b AS (
    SELECT sym, (epoch_ns(ts) - $t0 + $w) // $w AS k,
           count(*) AS trade_count,
           sum(size) AS volume,
           sum(CASE WHEN side = 'B' THEN size ELSE -size END) AS signed_volume,
           max(size) AS max_size
    FROM trades
    WHERE ts >= make_timestamp_ns($t0 - $w) AND ts < make_timestamp_ns($t1)
    GROUP BY ALL
),
-- 95th percentile of print size per calendar minute; a bucket compares with the previous minute
size_p95 AS (
    SELECT sym, epoch_ns(ts) // 60000000000 AS minute,
           quantile_cont(size, 0.95) AS p95
    FROM trades
    WHERE ts >= make_timestamp_ns(($t0 - $w) // 60000000000 * 60000000000 - 60000000000)
      AND ts < make_timestamp_ns($t1)
    GROUP BY ALL
),
quote_b AS (
    SELECT sym, (epoch_ns(ts) - $t0 + $w) // $w AS k,
           count(*) AS quote_updates,
           arg_max({'bid': bid, 'ask': ask}, (ts, rowid)) AS q,                  -- latest quote, raw
           arg_max((bid + ask) / 2, (ts, rowid)) FILTER (WHERE bid < ask) AS vmid -- latest valid mid
    FROM quotes
    WHERE ts >= make_timestamp_ns($t0 - $w) AND ts < make_timestamp_ns($t1)
    GROUP BY ALL
),
book_b AS (
    SELECT sym, k, {
        'imbalance_l1': (s.b1 - s.a1) / nullif(s.b1 + s.a1, 0),
        'imbalance_l5': (s.b5 - s.a5) / nullif(s.b5 + s.a5, 0),
        'book_pressure': (s.wb - s.wa) / nullif(s.wb + s.wa, 0),
        'depth5_bid': s.b5, 'depth5_ask': s.a5} AS bk
    FROM (
        SELECT sym, (epoch_ns(ts) - $t0 + $w) // $w AS k,
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
        WHERE ts >= make_timestamp_ns($t0 - $w) AND ts < make_timestamp_ns($t1)
        GROUP BY ALL
    )
),
-- the stored row at t0 (incremental runs): the state it carried, in the same shapes
seed AS (
    SELECT sym,
           CASE WHEN locked_crossed IS NOT NULL THEN {'bid': best_bid, 'ask': best_ask} END AS q,
           mid AS vmid,
           CASE WHEN depth5_bid IS NOT NULL THEN {
               'imbalance_l1': imbalance_l1, 'imbalance_l5': imbalance_l5,
               'book_pressure': book_pressure,
               'depth5_bid': depth5_bid, 'depth5_ask': depth5_ask} END AS bk
    FROM features
    WHERE ts = make_timestamp_ns($t0)
),
syms AS (
    SELECT sym FROM trade_b UNION SELECT sym FROM quote_b
    UNION SELECT sym FROM book_b UNION SELECT sym FROM seed
),
grid AS (
    SELECT s.sym, r.range AS k
    FROM syms AS s CROSS JOIN range(0, ($t1 - $t0) // $w + 1) AS r
),
filled AS (
    SELECT g.sym, g.k,
           coalesce(t.trade_count, 0) AS trade_count,
           coalesce(t.volume, 0) AS volume,
           coalesce(t.signed_volume, 0) AS signed_volume,
           coalesce(t.max_size > p.p95, false) AS large_trade,
           coalesce(q.quote_updates, 0) AS quote_updates,
           last_value(coalesce(q.q, sd.q) IGNORE NULLS) OVER cf AS q,
           last_value(coalesce(q.vmid, sd.vmid) IGNORE NULLS) OVER cf AS mid,
           last_value(coalesce(b.bk, sd.bk) IGNORE NULLS) OVER cf AS bk
    FROM grid AS g
    LEFT JOIN trade_b AS t ON t.sym = g.sym AND t.k = g.k
    LEFT JOIN quote_b AS q ON q.sym = g.sym AND q.k = g.k
    LEFT JOIN book_b AS b ON b.sym = g.sym AND b.k = g.k
    LEFT JOIN seed AS sd ON sd.sym = g.sym AND g.k = 0
    LEFT JOIN size_p95 AS p
        ON p.sym = g.sym AND p.minute = ($t0 + (g.k - 1) * $w) // 60000000000 - 1
    WINDOW cf AS (PARTITION BY g.sym ORDER BY g.k ROWS UNBOUNDED PRECEDING)
),
lagged AS (
    SELECT *,
           bk.depth5_bid + bk.depth5_ask AS depth5,
           lag(bk.depth5_bid + bk.depth5_ask) OVER o AS pre_depth,
           ln(mid / lag(mid) OVER o) AS r,
           ln(mid / lag(mid, $n1s) OVER o) AS ret_1s,
           ln(mid / lag(mid, $n10s) OVER o) AS ret_10s
    FROM filled
    WINDOW o AS (PARTITION BY sym ORDER BY k)
),
with_ref AS (
    SELECT l.*, rf.ret_1s AS ref_ret_1s
    FROM lagged AS l
    LEFT JOIN (SELECT k, ret_1s FROM lagged WHERE sym = $ref_sym) AS rf ON rf.k = l.k
),
win AS (
    SELECT *,
           sum(r * r) OVER m AS rr, count(r) OVER m AS nr,
           corr(ret_1s, ref_ret_1s) OVER m AS cr,
           sum(quote_updates) OVER s1 AS q1s,
           sum(trade_count) OVER s1 AS t1s,
           last_value(CASE WHEN large_trade THEN {'k': k, 'd': depth5, 'pre': pre_depth} END
                      IGNORE NULLS) OVER s10 AS shock
    FROM with_ref
    WINDOW m AS (PARTITION BY sym ORDER BY k ROWS BETWEEN $n1m - 1 PRECEDING AND CURRENT ROW),
           s1 AS (PARTITION BY sym ORDER BY k ROWS BETWEEN $n1s - 1 PRECEDING AND CURRENT ROW),
           s10 AS (PARTITION BY sym ORDER BY k ROWS BETWEEN $n10s - 1 PRECEDING AND CURRENT ROW)
),
stored AS (
    SELECT sym, max(ts) AS last_ts FROM features
    WHERE ts >= make_timestamp_ns($t0) GROUP BY sym
)
SELECT make_timestamp_ns($t0 + w.k * $w) AS ts,
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
       w.q1s::DOUBLE / (least($n1s, w.k) * $w / 1e9) AS quote_rate_1s,
       w.t1s::DOUBLE / nullif(w.q1s, 0) AS trade_to_order_1s,
       w.ret_1s,
       w.ret_10s,
       sqrt(w.rr / (nullif(w.nr, 0) * $w / 1e9)) AS rv_1m,
       CASE WHEN isfinite(w.cr) THEN greatest(-1.0, least(1.0, w.cr)) END AS corr_ref_1m,
       w.large_trade,
       CASE WHEN w.shock.k < w.k AND w.shock.pre > 0
            THEN (w.depth5 - w.shock.d) / (w.shock.pre * (w.k - w.shock.k) * $w / 1e9)
       END AS liq_recovery_rate,
       w.r,                    -- state for features_state: the bucket's mid log-return
       w.ref_ret_1s            -- and the reference symbol's ret_1s in the same bucket
FROM win AS w
LEFT JOIN stored AS st ON st.sym = w.sym
WHERE w.k >= 1
  AND $t0 + w.k * $w > $emit_after
  AND (st.last_ts IS NULL OR make_timestamp_ns($t0 + w.k * $w) > st.last_ts)
ORDER BY ts, w.sym;
