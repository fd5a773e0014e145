-- Newest impact label, UTC ns (NULL when the table is empty): `impact labels` adds only
-- orders after it, so a rerun writes nothing twice.
SELECT epoch_ns(max(ts)) AS ts_ns FROM impact_labels;
