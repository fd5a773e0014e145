"""What a kdb+ server would be sent, pinned exactly (no server, unlicensed pykx)."""

import datetime as dt

import pykx as kx

from tests.unit.tsdb.helpers import OPEN_NS, limits, trades
from tsdb import canonical
from tsdb.kdb_encode import UPD_CALL, column_kind, q_function, schema_statements, to_q_columns
from tsdb.validate import conform


def test_latest_limits_q_when_read_then_exact_lambda():
    assert q_function("latest_limits") == (
        "{[since] 0!select by sym,strategy from `ts xasc select from risk_limits where ts>since}")


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
    assert kinds == {"ts": "timestamp", "sym": "symbol", "strategy": "symbol", "max_order_qty": "long",
                     "max_notional": "float", "price_band_bps": "float", "max_position": "long",
                     "fat_finger_threshold": "float", "state": "symbol", "reason": "chars",
                     "model_version": "symbol"}


def test_to_q_when_trades_then_typed_vectors_with_exact_values():
    cols = to_q_columns(conform("trades", trades(2), canonical.table_schema("trades")))
    assert isinstance(cols["ts"], kx.TimestampVector) and isinstance(cols["sym"], kx.SymbolVector)
    assert isinstance(cols["price"], kx.FloatVector) and isinstance(cols["size"], kx.LongVector)
    assert cols["ts"].py() == [dt.datetime(2026, 6, 22, 13, 30), dt.datetime(2026, 6, 22, 13, 30, 0, 1000)]
    assert cols["sym"].py() == ["AAA", "AAA"] and cols["side"].py() == ["B", "S"]
    assert cols["price"].py() == [100.0, 101.0] and cols["trade_id"].py() == [0, 1]
    assert OPEN_NS % 1000 == 0


def test_to_q_when_limits_then_reason_is_char_vectors():
    cols = to_q_columns(conform("risk_limits", limits([(5, "A", "*", 5)]), canonical.table_schema("risk_limits")))
    assert isinstance(cols["reason"], kx.List) and cols["reason"].py() == [b"test"]
    assert isinstance(cols["state"], kx.SymbolVector)
