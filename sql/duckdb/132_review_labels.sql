-- A risk officer's verdicts on shadow / A-B disagreements (issue 14): labels, like
-- labels_orders, never read by a feature query; retraining reads them. label 'agree' means
-- the officer agrees with the adaptive (dynamic) verdict, 'disagree' that the static one
-- was right. The decision is named by (log_id, seq), as in the decisions table.
CREATE TABLE IF NOT EXISTS review_labels (
    ts               TIMESTAMP_NS NOT NULL,  -- when the label was given
    log_id           VARCHAR      NOT NULL,
    seq              BIGINT       NOT NULL,
    order_id         BIGINT       NOT NULL,
    sym              VARCHAR      NOT NULL,
    strategy         VARCHAR      NOT NULL,
    static_verdict   VARCHAR      NOT NULL,
    dynamic_verdict  VARCHAR      NOT NULL,
    label            VARCHAR      NOT NULL,  -- agree or disagree
    comment          VARCHAR      NOT NULL,
    who              VARCHAR      NOT NULL
);
