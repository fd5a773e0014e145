-- Shadow / A-B disagreements to review (twin of sql/duckdb/console/disagreements.sql):
-- newest first, with the latest quote and risk score at or before each decision (ASOF
-- JOIN on sym) and the latest label per (log_id, seq). $1: how many. ts as LONG ns.
WITH d AS (
    SELECT *
    FROM decisions
    WHERE kind = 'NEW' AND log_id IS NOT NULL AND dynamic_verdict IS NOT NULL
      AND static_verdict != dynamic_verdict
    ORDER BY ts DESC
    LIMIT $1
), l AS (
    SELECT log_id, seq, label, comment, who
    FROM review_labels
    LATEST ON ts PARTITION BY log_id, seq
)
SELECT d.ts::LONG AS ts_ns, d.log_id, d.seq, d.order_id, d.sym, d.strategy, d.trader,
       d.side, d.qty, d.price, d.mode, d.verdict, d.static_verdict, d.dynamic_verdict,
       d.static_reasons, d.dynamic_reasons, q.bid, q.ask, s.anomaly_score, s.tier,
       l.label, l.comment, l.who AS labelled_by
FROM ((SELECT * FROM d ORDER BY ts) TIMESTAMP(ts)) d
ASOF JOIN quotes q ON (sym)
ASOF JOIN risk_scores s ON (sym)
LEFT JOIN l ON d.log_id = l.log_id AND d.seq = l.seq
ORDER BY ts_ns DESC, d.seq DESC;
