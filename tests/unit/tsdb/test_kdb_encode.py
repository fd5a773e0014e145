"""What a kdb+ server would be sent, pinned exactly (no server, unlicensed pykx)."""

import datetime as dt

import pykx as kx

from features.config import FeatureConfig
from features.dialect import (
    build_state_call,
    data_days_call,
    market_state_call,
    open_utc_ns,
    order_features_call,
)
from tests.unit.tsdb.helpers import OPEN_NS, limits, trades
from tsdb import canonical
from tsdb.kdb_encode import (
    UPD_CALL,
    column_kind,
    from_q,
    q_definitions,
    q_function,
    schema_statements,
    to_q_columns,
)
from tsdb.validate import conform


def test_latest_limits_q_when_read_then_exact_lambda():
    assert q_function("latest_limits") == (
        "{[since] 0!select by sym,strategy from `ts xasc select from risk_limits where ts>since}")


def test_latest_heartbeats_q_when_read_then_exact_lambda():
    assert q_function("latest_heartbeats") == (
        "{[since] 0!select by sym from `ts xasc select from publisher_heartbeat "
        "where published_ts>since}")


def test_upd_call_when_read_then_flips_dictionary_into_ar_upd():
    assert UPD_CALL == "{[t;d] .ar.upd[t; flip d]}"


def test_schema_when_read_then_one_guarded_statement_per_table_and_upd_last():
    stmts = schema_statements()
    tables = set(canonical.tables())
    created = {s.split("`", 2)[1].split(" ")[0] for s in stmts if s.startswith("if[not `")}
    assert created == tables
    assert stmts[-1] == ".ar.upd:{[t;x] t insert x; count x}"


def test_schema_when_read_then_q_columns_match_logical_schema_in_order():
    for s in schema_statements():
        if not s.startswith("if[not `"):
            continue
        table = s.split("`", 2)[1].split(" ")[0]
        body = s[s.index("([]") + 3: s.rindex(")]")]
        cols = [c.split(":")[0].strip() for c in body.split(";")]
        assert cols == canonical.table_schema(table).names, table


def test_column_kind_when_logical_types_then_q_kinds():
    kinds = {f.name: column_kind(f.name, f.type) for f in canonical.table_schema("risk_limits")}
    assert kinds == {"ts": "timestamp", "sym": "symbol", "strategy": "symbol", "max_order_qty": "float",
                     "max_notional": "float", "price_band_bps": "float", "max_position": "float",
                     "fat_finger_threshold": "float", "state": "symbol", "reason": "chars",
                     "model_version": "symbol"}


def test_to_q_when_trades_then_typed_vectors_with_exact_values():
    cols = to_q_columns(conform("trades", trades(2), canonical.table_schema("trades")))
    assert isinstance(cols["ts"], kx.TimestampVector) and isinstance(cols["sym"], kx.SymbolVector)
    assert isinstance(cols["price"], kx.FloatVector) and isinstance(cols["size"], kx.FloatVector)
    assert cols["ts"].py() == [dt.datetime(2026, 6, 22, 13, 30), dt.datetime(2026, 6, 22, 13, 30, 0, 1000)]
    assert cols["sym"].py() == ["AAA", "AAA"] and cols["side"].py() == ["B", "S"]
    assert cols["price"].py() == [100.0, 101.0] and cols["trade_id"].py() == [0, 1]
    assert cols["size"].py() == [1.0, 2.0]  # sizes are floats in q (sql/q/schema.q), as DOUBLE
    assert OPEN_NS % 1000 == 0


def test_to_q_when_limits_then_reason_is_char_vectors():
    cols = to_q_columns(conform("risk_limits", limits([(5, "A", "*", 5)]), canonical.table_schema("risk_limits")))
    assert isinstance(cols["reason"], kx.List) and cols["reason"].py() == [b"test"]
    assert isinstance(cols["state"], kx.SymbolVector)


def test_q_definitions_when_market_state_file_then_one_line_per_function_comments_dropped():
    stmts = q_definitions("features_market_state")
    assert [s.split(":", 1)[0] for s in stmts] == [
        ".ar.features.bend", ".ar.features.pct", ".ar.features.imb", ".ar.features.marketState"]
    assert stmts[0] == ".ar.features.bend:{[t0;w;t] t0+w*1+(`long$t-t0) div `long$w}"
    body = stmts[3]
    # the trailing " / as of strictly before ts" comment would swallow the rest of a joined line
    assert "g:update tq:ts-1 from g; lq:select sym, tq:ts, bid, ask from quotes" in body
    assert " / " not in body and "p95 of print size" not in body and body.endswith("from g}")


def test_q_definitions_when_build_file_then_days_and_state_functions():
    assert [s.split(":", 1)[0] for s in q_definitions("features_build")] == [
        ".ar.features.dataDays", ".ar.features.buildState"]


def test_market_state_call_when_q_then_function_with_typed_atoms():
    call = market_state_call("q", FeatureConfig(), t0=OPEN_NS, t1=OPEN_NS + 10**9, ref_sym="AAA")
    assert call.text == ".ar.features.marketState"
    assert [type(a) for a in call.args] == [kx.TimestampAtom, kx.TimestampAtom, kx.TimespanAtom,
                                            kx.SymbolAtom]
    assert [a.py() for a in call.args] == [
        dt.datetime(2026, 6, 22, 13, 30), dt.datetime(2026, 6, 22, 13, 30, 1),
        dt.timedelta(milliseconds=100), "AAA"]


def test_order_features_call_when_q_in_summer_then_open_is_13_30_utc():
    call = order_features_call("q", FeatureConfig(), since_ns=OPEN_NS, until_ns=OPEN_NS + 1)
    assert call.text == ".ar.features.orderFeatures"
    assert [a.py() for a in call.args] == [
        dt.datetime(2026, 6, 22, 13, 30), dt.datetime(2026, 6, 22, 13, 30),
        dt.timedelta(hours=13, minutes=30), 50, 5]
    assert call.args[1].np().astype("int64") - call.args[0].np().astype("int64") == 1


def test_open_utc_when_winter_then_14_30():
    assert open_utc_ns(FeatureConfig(), dt.date(2026, 1, 15)) == (14 * 3600 + 30 * 60) * 10**9


def test_build_calls_when_q_then_day_and_state_functions_with_timestamps():
    c = data_days_call("q", OPEN_NS)
    assert c.text == ".ar.features.dataDays" and c.args[0].py() == dt.datetime(2026, 6, 22, 13, 30)
    c = build_state_call("q", OPEN_NS, OPEN_NS + 5)
    assert c.text == ".ar.features.buildState" and len(c.args) == 2


def test_from_q_when_limits_with_q_nulls_then_logical_rows():
    import numpy as np
    import pandas as pd

    frame = kx.toq(pd.DataFrame({
        "sym": ["A"], "strategy": ["*"], "ts": np.array([OPEN_NS + 3], "datetime64[ns]"),
        "max_order_qty": [50], "max_notional": [np.nan], "price_band_bps": [5.0],
        "max_position": [-(2**63)], "fat_finger_threshold": [1.0], "state": ["ACTIVE"],
        "reason": [b"why"], "model_version": [""]})).pd()
    got = from_q(frame, canonical.table_schema("risk_limits"))
    assert got.schema == canonical.table_schema("risk_limits")
    row = got.to_pylist()[0]
    assert got.column("ts").cast("int64").to_pylist() == [OPEN_NS + 3]
    assert {k: row[k] for k in ("max_order_qty", "max_notional", "max_position", "reason",
                                "model_version")} == {
        "max_order_qty": 50, "max_notional": None, "max_position": None, "reason": "why",
        "model_version": ""}  # NOT NULL column: the empty symbol stays empty text


def test_from_q_when_book_lists_then_fixed_lists_nan_null_sizes_bigint():
    import numpy as np
    import pandas as pd

    frame = kx.toq(pd.DataFrame({
        "ts": np.array([OPEN_NS], "datetime64[ns]"), "sym": ["G"],
        "bid_px": [np.array([99.0] + [np.nan] * 9)], "bid_sz": [np.array([5.0] + [0.0] * 9)],
        "ask_px": [np.array([101.0] * 10)], "ask_sz": [np.array([1.0] * 10)]})).pd()
    row = from_q(frame, canonical.table_schema("book")).to_pylist()[0]
    assert row["bid_px"] == [99.0] + [None] * 9 and row["bid_sz"] == [5] + [0] * 9
    assert row["ask_sz"] == [1] * 10
