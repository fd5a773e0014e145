-- Per-symbol summary of the market data in the store: what landed.
SELECT
    t.sym,
    t.n_trades,
    t.volume,
    t.first_px,
    t.low_px,
    t.high_px,
    t.last_px,
    q.n_quotes,
    q.median_spread_bps,
    b.n_book
FROM (
    SELECT sym, count(*) AS n_trades, sum(size) AS volume,
           arg_min(price, ts) AS first_px, min(price) AS low_px,
           max(price) AS high_px, arg_max(price, ts) AS last_px
    FROM trades GROUP BY sym
) t
LEFT JOIN (
    SELECT sym, count(*) AS n_quotes,
           median(1e4 * (ask - bid) / ((ask + bid) / 2)) AS median_spread_bps
    FROM quotes WHERE bid IS NOT NULL AND ask IS NOT NULL GROUP BY sym
) q USING (sym)
LEFT JOIN (SELECT sym, count(*) AS n_book FROM book GROUP BY sym) b USING (sym)
ORDER BY t.sym;
