/ usage: {..}[since] -> the latest risk_limits row per (sym;strategy) among rows with ts>since
/ `ts xasc is stable, so rows with equal ts keep insertion order and the last written wins.
{[since] 0!select by sym,strategy from `ts xasc select from risk_limits where ts>since}
