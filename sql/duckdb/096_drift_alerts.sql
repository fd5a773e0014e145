-- Concept-drift checks of the model layer (jaxmodels.drift): one row per checked input
-- feature (kind 'feature'), one for the anomaly-score distribution (kind 'score') and one
-- verdict per check (kind 'summary', name '*'), all with the check's time. A live window is
-- compared with the promoted model's training window; while the newest summary row of the
-- model in force says drifting, the calibrator publishes static limits (reason 'drift').
CREATE TABLE IF NOT EXISTS drift_alerts (
    ts             TIMESTAMP_NS NOT NULL,  -- end of the live window
    sym            VARCHAR      NOT NULL,  -- '*' = all symbols together
    kind           VARCHAR      NOT NULL,  -- feature, score, summary
    name           VARCHAR      NOT NULL,  -- feature name, 'anomaly_score' or '*'
    ks             DOUBLE,                 -- two-sample Kolmogorov-Smirnov statistic
    psi            DOUBLE,                 -- population stability index (10 quantile bins)
    drifting       BOOLEAN      NOT NULL,
    live_start     TIMESTAMP_NS NOT NULL,
    train_start    TIMESTAMP_NS NOT NULL,
    train_end      TIMESTAMP_NS NOT NULL,
    model_version  VARCHAR      NOT NULL
);
