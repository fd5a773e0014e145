-- Market state per symbol per 100 ms bucket, QuestDB dialect (PG wire, bind variables $n).
-- Usage: store.query_file("features/market_state.sql", features.dialect.market_state_call(..).args)
--        $1 = t0 (LONG UTC ns: the session open, the grid origin), $2 = t1 (LONG UTC ns: the
--        last bucket end, t1 - t0 a multiple of 100 ms), $3 = reference symbol (VARCHAR).
-- Same rows as sql/duckdb/features/market_state.sql run from the open (no seed): bucket k
-- (k = 0..K, K = (t1 - t0) / 100 ms) covers [t0 + (k-1) w, t0 + k w) and is labelled by its
-- exclusive end; row k = 0 holds state only and is not returned.
-- Shape (one pass per step, no CTE read twice, no self-join):
--   1. SAMPLE BY 100T per table (sparse buckets; the latest row of a bucket is the last one
--      in the table's order: same-nanosecond rows in arrival order, as in DuckDB's rowid);
--   2. a dense grid of every symbol x every k (long_sequence: it takes no bind variable, so
--      a whole day of buckets is generated and cut at K) left-joined to those buckets;
--   3. windows over the grid in ROWS: forward fills (IGNORE NULLS), lags, the reference
--      symbol's ret_1s (a window over k), the 1 s / 10 s / 60 s sums and corr.
-- A bucket's latest quote carries a NULL side as -1 (prices are > 0) so the forward fill
-- keeps the pair of the latest quote; the shock's depth uses -1 for "no book yet" alike.
-- Window sizes in rows: 1 s = 10, 10 s = 100, 60 s = 600. Times are LONG ns throughout
-- (dateadd would read a LONG as microseconds).
WITH
tb AS (
    SELECT ts, sym, count() AS trade_count, sum(size) AS volume,
           sum(CASE WHEN side = 'B' THEN size ELSE -size END) AS signed_volume,
           max(size) AS max_size
    FROM trades WHERE ts >= $1 - 100000000 AND ts < $2
    SAMPLE BY 100T ALIGN TO CALENDAR
),
ranked AS (  -- print sizes per calendar minute, ranked, for the exact 95th percentile
    SELECT sym, minute, size,
           row_number() OVER (PARTITION BY sym, minute ORDER BY size) - 1 AS i,
           count() OVER (PARTITION BY sym, minute) AS n
    FROM (
        SELECT sym, ts::LONG / 60000000000 AS minute, size FROM trades
        WHERE ts >= ($1 - 100000000) / 60000000000 * 60000000000 - 60000000000 AND ts < $2
    )
),
p95 AS (  -- quantile_cont(size, 0.95): linear between the order statistics around 0.95 (n-1)
    SELECT sym, minute,
           max(CASE WHEN i = floor(0.95 * (n - 1)) THEN size END) AS lo,
           max(CASE WHEN i = ceil(0.95 * (n - 1)) THEN size END) AS hi,
           max(0.95 * (n - 1) - floor(0.95 * (n - 1))) AS frac
    FROM ranked
    GROUP BY sym, minute
),
qb AS (
    SELECT ts, sym, count() AS quote_updates,
           last(coalesce(bid, -1.0)) AS bid, last(coalesce(ask, -1.0)) AS ask,
           last_not_null(CASE WHEN bid < ask THEN (bid + ask) / 2 END) AS vmid
    FROM quotes WHERE ts >= $1 - 100000000 AND ts < $2
    SAMPLE BY 100T ALIGN TO CALENDAR
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
    FROM book WHERE ts >= $1 - 100000000 AND ts < $2
    SAMPLE BY 100T ALIGN TO CALENDAR
),
syms AS (
    SELECT DISTINCT sym FROM (
        SELECT sym FROM tb UNION SELECT sym FROM qb UNION SELECT sym FROM bb
    )
),
ks AS (
    SELECT x - 1 AS k FROM long_sequence(864001) WHERE x <= ($2 - $1) / 100000000 + 1
),
grid AS (  -- pminute: the calendar minute before the bucket's start (its p95 threshold)
    SELECT s.sym, k.k, ($1 + (k.k - 1) * 100000000) / 60000000000 - 1 AS pminute
    FROM syms AS s CROSS JOIN ks AS k
),
joined AS (
    SELECT g.sym, g.k, g.pminute,
           coalesce(t.trade_count, 0) AS trade_count, coalesce(t.volume, 0.0) AS volume,
           coalesce(t.signed_volume, 0.0) AS signed_volume, t.max_size,
           coalesce(q.quote_updates, 0) AS quote_updates, q.bid, q.ask, q.vmid,
           b.b1, b.a1, b.b5, b.a5, b.wb, b.wa
    FROM grid AS g
    LEFT JOIN (SELECT (ts::LONG - $1) / 100000000 + 1 AS k, * FROM tb) AS t
        ON t.sym = g.sym AND t.k = g.k
    LEFT JOIN (SELECT (ts::LONG - $1) / 100000000 + 1 AS k, * FROM qb) AS q
        ON q.sym = g.sym AND q.k = g.k
    LEFT JOIN (SELECT (ts::LONG - $1) / 100000000 + 1 AS k, * FROM bb) AS b
        ON b.sym = g.sym AND b.k = g.k
),
large AS (
    SELECT j.*,
           coalesce(j.max_size > p.lo + p.frac * (p.hi - p.lo), false) AS large_trade
    FROM joined AS j
    LEFT JOIN p95 AS p
        ON p.sym = j.sym AND p.minute = j.pminute
),
filled AS (
    SELECT sym, k, trade_count, volume, signed_volume, quote_updates, large_trade,
           last_value(bid) IGNORE NULLS OVER f AS bid,
           last_value(ask) IGNORE NULLS OVER f AS ask,
           last_value(vmid) IGNORE NULLS OVER f AS mid,
           last_value(b1) IGNORE NULLS OVER f AS b1, last_value(a1) IGNORE NULLS OVER f AS a1,
           last_value(b5) IGNORE NULLS OVER f AS b5, last_value(a5) IGNORE NULLS OVER f AS a5,
           last_value(wb) IGNORE NULLS OVER f AS wb, last_value(wa) IGNORE NULLS OVER f AS wa
    FROM large
    WINDOW f AS (PARTITION BY sym ORDER BY k ROWS UNBOUNDED PRECEDING)
),
lagged AS (
    SELECT *,
           b5 + a5 AS depth5,
           lag(b5 + a5) OVER o AS pre_depth,
           ln(mid / lag(mid) OVER o) AS r,
           ln(mid / lag(mid, 10) OVER o) AS ret_1s,
           ln(mid / lag(mid, 100) OVER o) AS ret_10s
    FROM filled
    WINDOW o AS (PARTITION BY sym ORDER BY k)
),
with_ref AS (
    SELECT *, max(CASE WHEN sym = $3 THEN ret_1s END) OVER (PARTITION BY k) AS ref_ret_1s
    FROM lagged
),
win AS (
    SELECT *,
           sum(r * r) OVER m AS rr, count(r) OVER m AS nr,
           corr(ret_1s, ref_ret_1s) OVER m AS cr,
           -- a sliding sum leaves residue where the exact value is 0 (every r 0) or corr is
           -- undefined (a constant series): DuckDB gives 0 and NULL there, so these decide
           sum(CASE WHEN r <> 0 THEN 1 ELSE 0 END) OVER m AS nz,
           max(CASE WHEN ref_ret_1s IS NOT NULL THEN ret_1s END) OVER m
               - min(CASE WHEN ref_ret_1s IS NOT NULL THEN ret_1s END) OVER m AS xspan,
           max(CASE WHEN ret_1s IS NOT NULL THEN ref_ret_1s END) OVER m
               - min(CASE WHEN ret_1s IS NOT NULL THEN ref_ret_1s END) OVER m AS yspan,
           sum(quote_updates) OVER s1 AS q1s, sum(trade_count) OVER s1 AS t1s,
           last_value(CASE WHEN large_trade THEN k END) IGNORE NULLS OVER s10 AS shock_k,
           last_value(CASE WHEN large_trade THEN coalesce(depth5, -1.0) END)
               IGNORE NULLS OVER s10 AS shock_d,
           last_value(CASE WHEN large_trade THEN coalesce(pre_depth, -1.0) END)
               IGNORE NULLS OVER s10 AS shock_pre
    FROM with_ref
    WINDOW m AS (PARTITION BY sym ORDER BY k ROWS BETWEEN 599 PRECEDING AND CURRENT ROW),
           s1 AS (PARTITION BY sym ORDER BY k ROWS BETWEEN 9 PRECEDING AND CURRENT ROW),
           s10 AS (PARTITION BY sym ORDER BY k ROWS BETWEEN 99 PRECEDING AND CURRENT ROW)
)
SELECT $1 + k * 100000000 AS ts, sym,
       CASE WHEN bid >= 0 THEN bid END AS best_bid,
       CASE WHEN ask >= 0 THEN ask END AS best_ask,
       mid,
       CASE WHEN bid IS NOT NULL THEN bid >= 0 AND ask >= 0 AND bid >= ask END AS locked_crossed,
       CASE WHEN bid >= 0 AND ask >= 0 AND bid < ask
            THEN (ask - bid) / ((ask + bid) / 2) * 10000 END AS spread_bps,
       (b1 - a1) / (b1 + a1) AS imbalance_l1,
       (b5 - a5) / (b5 + a5) AS imbalance_l5,
       (wb - wa) / (wb + wa) AS book_pressure,
       b5 AS depth5_bid, a5 AS depth5_ask,
       trade_count, volume, signed_volume, quote_updates,
       q1s / (least(10, k) * 0.1) AS quote_rate_1s,
       CASE WHEN q1s > 0 THEN t1s / q1s::DOUBLE END AS trade_to_order_1s,
       ret_1s, ret_10s,
       CASE WHEN nz = 0 AND nr > 0 THEN 0.0 ELSE sqrt(rr / (nr * 0.1)) END AS rv_1m,
       CASE WHEN cr IS NOT NULL AND xspan > 0 AND yspan > 0
            THEN greatest(-1.0, least(1.0, cr)) END AS corr_ref_1m,
       large_trade,
       CASE WHEN shock_k < k AND shock_pre > 0 AND shock_d >= 0
            THEN (depth5 - shock_d) / (shock_pre * (k - shock_k) * 0.1) END AS liq_recovery_rate,
       r, ref_ret_1s
FROM win
WHERE k >= 1
ORDER BY ts, sym;
