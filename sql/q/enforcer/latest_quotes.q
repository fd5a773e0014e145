/ usage: {..}[] -> latest two-sided quote per sym (sym;bid;ask;ts as long UTC ns), to seed the enforcer
/ q twin of sql/duckdb/enforcer/latest_quotes.sql; 946684800000000000 shifts q's 2000 epoch to 1970.
{[] `sym xasc 0!select last bid, last ask, ts:946684800000000000+`long$last ts by sym from `ts xasc select from quotes where not null bid, not null ask, bid>0, bid<=ask}
