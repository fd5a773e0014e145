-- First and last feature bucket of one symbol (UTC ns).
SELECT epoch_ns(min(ts)) AS first_ns, epoch_ns(max(ts)) AS last_ns FROM features WHERE sym = $sym;
