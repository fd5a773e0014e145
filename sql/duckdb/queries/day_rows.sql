-- Market data and OMS rows already stored in a time range: `adaptrisk sim` refuses to add a
-- simulated session whose time span holds any (a rerun would duplicate quotes and book).
-- Usage: store.query_file("queries/day_rows.sql", {"t0": NS, "t1": NS}); rows t0 <= ts < t1
SELECT (SELECT count(*) FROM trades WHERE ts >= make_timestamp_ns($t0) AND ts < make_timestamp_ns($t1))
     + (SELECT count(*) FROM quotes WHERE ts >= make_timestamp_ns($t0) AND ts < make_timestamp_ns($t1))
     + (SELECT count(*) FROM book WHERE ts >= make_timestamp_ns($t0) AND ts < make_timestamp_ns($t1))
     + (SELECT count(*) FROM orders WHERE ts >= make_timestamp_ns($t0) AND ts < make_timestamp_ns($t1))
       AS n;
