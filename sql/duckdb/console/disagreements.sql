-- Shadow / A-B disagreements to review: NEW decisions whose static and dynamic verdicts
-- differ, newest first, with the market state at the time (the latest quote and risk score
-- at or before the decision) and the officer's latest label if any. $1: how many (BIGINT).
-- ts as BIGINT ns (ts_ns), as in the QuestDB twin.
WITH d AS (
    SELECT *
    FROM decisions
    WHERE kind = 'NEW' AND log_id IS NOT NULL AND dynamic_verdict IS NOT NULL
      AND static_verdict <> dynamic_verdict
    ORDER BY ts DESC
    LIMIT $1
), l AS (
    SELECT log_id, seq, label, comment, who
    FROM (SELECT *, row_number() OVER (PARTITION BY log_id, seq
                                       ORDER BY ts DESC, rowid DESC) AS rn
          FROM review_labels)
    WHERE rn = 1
)
SELECT epoch_ns(d.ts) AS ts_ns, d.log_id, d.seq, d.order_id, d.sym, d.strategy, d.trader,
       d.side, d.qty, d.price, d.mode, d.verdict, d.static_verdict, d.dynamic_verdict,
       d.static_reasons, d.dynamic_reasons, q.bid, q.ask, s.anomaly_score, s.tier,
       l.label, l.comment, l.who AS labelled_by
FROM d
ASOF LEFT JOIN quotes q ON d.sym = q.sym AND d.ts >= q.ts
ASOF LEFT JOIN risk_scores s ON d.sym = s.sym AND d.ts >= s.ts
LEFT JOIN l ON l.log_id = d.log_id AND l.seq = d.seq
ORDER BY d.ts DESC, d.seq DESC;
