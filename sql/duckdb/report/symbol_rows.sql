-- Market data rows of one symbol (quotes + trades): zero means there is nothing to report on.
SELECT (SELECT count(*) FROM quotes WHERE sym = $sym) + (SELECT count(*) FROM trades WHERE sym = $sym) AS n;
