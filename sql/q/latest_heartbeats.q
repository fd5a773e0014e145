/ usage: {..}[since] -> the newest publisher_heartbeat row per sym among rows with published_ts>since
/ `ts xasc is stable, so rows with equal ts keep insertion order and the last written wins.
{[since] 0!select by sym from `ts xasc select from publisher_heartbeat where published_ts>since}
