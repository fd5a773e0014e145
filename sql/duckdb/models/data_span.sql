-- First and last feature bucket and the session days holding features (UTC ns).
SELECT min(epoch_ns(ts)) AS first_ns, max(epoch_ns(ts)) AS last_ns,
       count(DISTINCT sym) AS n_syms, count(*) AS n_rows
FROM features;
