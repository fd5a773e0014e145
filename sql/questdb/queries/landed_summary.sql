-- Per-symbol summary of the market data in the store: what landed (QuestDB twin of
-- sql/duckdb/queries/landed_summary.sql). first/last follow the designated timestamp; the
-- median spread is exact: the middle one or two of the sorted two-sided quotes' spreads.
WITH
t AS (
    SELECT sym, count() AS n_trades, sum(size) AS volume, first(price) AS first_px,
           min(price) AS low_px, max(price) AS high_px, last(price) AS last_px
    FROM trades
),
s AS (
    SELECT sym, 1e4 * (ask - bid) / ((ask + bid) / 2) AS v
    FROM quotes WHERE bid IS NOT NULL AND ask IS NOT NULL
),
r AS (
    SELECT sym, v, row_number() OVER (PARTITION BY sym ORDER BY v) AS rn,
           count() OVER (PARTITION BY sym) AS n
    FROM s
),
q AS (
    SELECT sym, max(n) AS n_quotes, avg(v) AS median_spread_bps
    FROM r
    WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2
),
b AS (SELECT sym, count() AS n_book FROM book)
SELECT t.sym, t.n_trades, t.volume, t.first_px, t.low_px, t.high_px, t.last_px,
       q.n_quotes, q.median_spread_bps, b.n_book
FROM t
LEFT JOIN q ON q.sym = t.sym
LEFT JOIN b ON b.sym = t.sym
ORDER BY t.sym;
