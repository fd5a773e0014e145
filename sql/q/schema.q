/ usage: q sql/q/schema.q -p 5001    creates the adaptrisk tables (when missing) and .ar.upd
/ tsdb.kdb_store also applies this file statement by statement over IPC; keep one statement per line.
/ Types: ts timestamp (UTC), names symbol, free text char vectors, book levels lists of float vectors.
if[not `trades in tables[]; trades:([] ts:`timestamp$(); sym:`symbol$(); price:`float$(); size:`long$(); side:`symbol$(); trade_id:`long$())];
if[not `quotes in tables[]; quotes:([] ts:`timestamp$(); sym:`symbol$(); bid:`float$(); ask:`float$(); bid_size:`long$(); ask_size:`long$())];
if[not `book in tables[]; book:([] ts:`timestamp$(); sym:`symbol$(); bid_px:(); bid_sz:(); ask_px:(); ask_sz:())];
if[not `orders in tables[]; orders:([] ts:`timestamp$(); order_id:`long$(); trader:`symbol$(); strategy:`symbol$(); sym:`symbol$(); side:`symbol$(); qty:`long$(); price:`float$(); order_type:`symbol$())];
if[not `features in tables[]; features:([] ts:`timestamp$(); sym:`symbol$(); best_bid:`float$(); best_ask:`float$(); mid:`float$(); locked_crossed:`boolean$(); spread_bps:`float$(); imbalance_l1:`float$(); imbalance_l5:`float$(); book_pressure:`float$(); depth5_bid:`float$(); depth5_ask:`float$(); trade_count:`long$(); volume:`long$(); signed_volume:`long$(); quote_updates:`long$(); quote_rate_1s:`float$(); trade_to_order_1s:`float$(); ret_1s:`float$(); ret_10s:`float$(); rv_1m:`float$(); corr_ref_1m:`float$(); large_trade:`boolean$(); liq_recovery_rate:`float$())];
if[not `features_state in tables[]; features_state:([] ts:`timestamp$(); sym:`symbol$(); r:`float$(); ret_1s:`float$(); ref_ret_1s:`float$())];
if[not `risk_scores in tables[]; risk_scores:([] ts:`timestamp$(); sym:`symbol$(); anomaly_score:`float$(); tier:`symbol$(); model_version:`symbol$())];
if[not `risk_limits in tables[]; risk_limits:([] ts:`timestamp$(); sym:`symbol$(); strategy:`symbol$(); max_order_qty:`long$(); max_notional:`float$(); price_band_bps:`float$(); max_position:`long$(); fat_finger_threshold:`float$(); state:`symbol$(); reason:(); model_version:`symbol$())];
if[not `publisher_heartbeat in tables[]; publisher_heartbeat:([] ts:`timestamp$(); sym:`symbol$(); publisher:`symbol$(); model_version:`symbol$(); market_ts:`timestamp$(); published_ts:`timestamp$())];
if[not `fat_finger_limits in tables[]; fat_finger_limits:([] ts:`timestamp$(); sym:`symbol$(); trader:`symbol$(); fat_finger_max_qty:`long$(); model_version:`symbol$())];
if[not `decisions in tables[]; decisions:([] ts:`timestamp$(); order_id:`long$(); verdict:`symbol$(); reasons:(); limits_version:`symbol$(); mode:`symbol$(); static_verdict:`symbol$(); dynamic_verdict:`symbol$(); static_reasons:(); dynamic_reasons:(); risk_state:`symbol$(); kind:`symbol$(); trader:`symbol$(); strategy:`symbol$(); sym:`symbol$(); side:`symbol$(); qty:`long$(); price:`float$(); log_id:`symbol$(); seq:`long$())];
if[not `labels_orders in tables[]; labels_orders:([] order_id:`long$(); ts:`timestamp$(); sym:`symbol$(); is_error:`boolean$(); error_kind:`symbol$())];
if[not `labels_events in tables[]; labels_events:([] sym:`symbol$(); event:`symbol$(); start_ts:`timestamp$(); end_ts:`timestamp$(); detail:())];
if[not `messages in tables[]; messages:([] ts:`timestamp$(); sym:`symbol$(); seq:`long$(); event_type:`short$(); order_id:`long$(); size:`long$(); price:`float$(); direction:`short$(); halt_state:`symbol$())];
if[not `drift_alerts in tables[]; drift_alerts:([] ts:`timestamp$(); sym:`symbol$(); kind:`symbol$(); name:`symbol$(); ks:`float$(); psi:`float$(); drifting:`boolean$(); live_start:`timestamp$(); train_start:`timestamp$(); train_end:`timestamp$(); model_version:`symbol$())];
.ar.upd:{[t;x] t insert x; count x}
