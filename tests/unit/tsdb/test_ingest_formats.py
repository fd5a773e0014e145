"""Ingest of the timestamp forms people have, and errors that name the right row and value."""

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from tests.unit.tsdb.helpers import OPEN_NS, trades
from tsdb import BatchRejected, Store
from tsdb.instruments import Instrument, Instruments
from tsdb.timestamps import ACCEPTED_FORMS, TimeFormat

HEADER = "ts,sym,price,size,side,trade_id\n"
NS = 1_000_000_000


def _csv(tmp_path, ts_values, *, size=None, name="t.csv"):
    sizes = size or ["3"] * len(ts_values)
    body = "".join(f"{t},AAA,100.5,{s},B,{i}\n" for i, (t, s) in enumerate(zip(ts_values, sizes, strict=True)))
    path = tmp_path / name
    path.write_text(HEADER + body)
    return path


def _stored_ns(store) -> list[int]:
    return store.query("SELECT epoch_ns(ts) AS ns FROM trades ORDER BY trade_id").column("ns").to_pylist()


# 2026-06-22 13:30:00.645 UTC = 09:30:00.645 New York (EDT, UTC-4)
WANT = OPEN_NS + 645_000_000


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("2026-06-22 13:30:00.645000000Z", TimeFormat()),  # pyarrow's CSV writer
        ("2026-06-22 13:30:00.645000+00:00", TimeFormat()),  # pandas, tz-aware
        ("2026-06-22T13:30:00.645Z", TimeFormat()),
        ("2026-06-22T09:30:00.645-04:00", TimeFormat()),
        ("2026-06-22T09:30:00.645-0400", TimeFormat()),
        ("2026-06-22T15:30:00.645+02", TimeFormat()),
        ("2026-06-22 13:30:00.645", TimeFormat()),  # pandas, naive: UTC by default
        ("2026-06-22 09:30:00.645", TimeFormat(tz="America/New_York")),  # naive, declared zone
        (str(WANT), TimeFormat()),  # integer epoch ns (the default unit)
        (str(WANT // 1_000), TimeFormat(unit="us")),
        (str(WANT // 1_000_000), TimeFormat(unit="ms")),
    ],
)
def test_ingest_csv_when_timestamp_form_accepted_then_stored_as_utc_ns(store, tmp_path, text, fmt):
    path = _csv(tmp_path, [text, text])
    assert store.ingest_csv("trades", path, time_format=fmt) == 2
    assert _stored_ns(store) == [WANT, WANT]


def test_ingest_csv_when_epoch_seconds_then_unit_scales(store, tmp_path):
    path = _csv(tmp_path, [str(OPEN_NS // NS), str(OPEN_NS // NS + 1)])
    store.ingest_csv("trades", path, time_format=TimeFormat(unit="s"))
    assert _stored_ns(store) == [OPEN_NS, OPEN_NS + NS]


def test_ingest_csv_when_pyarrow_writes_the_csv_then_it_reads_back(store, tmp_path):
    t = trades(5)
    pcsv.write_csv(t.set_column(0, "ts", t.column("ts").cast(pa.timestamp("ns", "UTC"))),
                   tmp_path / "pa.csv")
    assert "Z" in (tmp_path / "pa.csv").read_text().splitlines()[1]
    store.ingest_csv("trades", tmp_path / "pa.csv")
    assert _stored_ns(store) == t.column("ts").cast(pa.int64()).to_pylist()


def test_ingest_when_integer_epoch_ms_column_then_unit_applies(store):
    t = trades(3)
    ms = t.column("ts").cast(pa.int64()).to_numpy() // 1_000_000
    t = t.set_column(0, "ts", pa.array(ms))
    store.ingest("trades", t, time_format=TimeFormat(unit="ms"))
    assert _stored_ns(store) == [int(v) * 1_000_000 for v in ms]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("22/06/2026 13:30:00", "unparseable timestamp '22/06/2026 13:30:00'"),
        ("2026-06-22 13:30:00 EDT", "unparseable timestamp"),
        ("2026-13-22 13:30:00Z", "unparseable timestamp '2026-13-22 13:30:00Z'"),
        ("2026-06-22 13:30:01", "is naive but row 0 is zoned"),
    ],
)
def test_ingest_csv_when_bad_timestamp_at_row_115_then_row_value_and_forms_named(
    store, tmp_path, bad, reason
):
    ts = ["2026-06-22T13:30:00Z"] * 200
    ts[115] = bad
    path = _csv(tmp_path, ts)
    with pytest.raises(BatchRejected) as e:
        store.ingest_csv("trades", path)
    assert (e.value.row, e.value.column) == (115, "ts")
    assert reason in str(e.value) and ACCEPTED_FORMS in str(e.value)
    assert store.count("trades") == 0


def test_ingest_csv_when_size_off_the_lot_at_row_115_then_that_row_and_value_named(tmp_path):
    """Sizes are DOUBLE (issue 17): 0.05 is refused only where the symbol's instrument has a
    lot it is not a multiple of (whole shares here), naming row 115 and the value."""
    sizes = ["3"] * 200
    sizes[115] = "0.05"
    path = _csv(tmp_path, ["2026-06-22T13:30:00Z"] * 200, size=sizes)
    whole = Instruments(instruments=(Instrument(sym="AAA", lot_size=1.0),))
    with Store.from_conf(f"duckdb::path={tmp_path / 'w.duckdb'}", session=whole) as s:
        with pytest.raises(BatchRejected) as e:
            s.ingest_csv("trades", path)
        assert (e.value.row, e.value.column) == (115, "size")
        assert "0.05 is not a multiple of AAA's lot_size 1.0" in str(e.value)
        assert s.count("trades") == 0


def test_ingest_csv_when_fractional_size_and_no_lot_listed_then_lands_exactly(store, tmp_path):
    sizes = ["3"] * 200
    sizes[115] = "0.05"
    store.ingest_csv("trades", _csv(tmp_path, ["2026-06-22T13:30:00Z"] * 200, size=sizes))
    got = store.query("SELECT size FROM trades ORDER BY trade_id").column("size").to_pylist()
    assert got[115] == 0.05 and got[114] == 3.0 and len(got) == 200


def test_ingest_when_int_column_overflows_at_row_7_then_row_7(store):
    t = trades(10)
    big = pa.array([1.0] * 7 + [1e30] + [1.0] * 2)
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", t.set_column(5, "trade_id", big))
    assert (e.value.row, e.value.column) == (7, "trade_id") and "1e+30" in str(e.value)


def test_ingest_when_epoch_overflows_ns_then_row_named(store):
    t = trades(4)
    secs = pa.array([OPEN_NS // NS] * 3 + [2**62])
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", t.set_column(0, "ts", secs), time_format=TimeFormat(unit="s"))
    assert (e.value.row, e.value.column) == (3, "ts") and "out of range" in str(e.value)


def test_ingest_when_wrong_type_then_first_value_named(store):
    t = trades(4).set_column(2, "price", pa.array([None, "1.5", "2", "3"]))
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", t)
    assert (e.value.row, e.value.column) == (1, "price") and "'1.5'" in str(e.value)


def test_ingest_parquet_when_text_timestamps_with_offset_then_parsed(store, tmp_path):
    t = trades(2)
    text = pa.array(["2026-06-22T09:30:00-04:00", "2026-06-22T09:30:01-04:00"])
    pq.write_table(t.set_column(0, "ts", text), tmp_path / "x.parquet")
    store.ingest_parquet("trades", tmp_path / "x.parquet", parse_strings=True)
    assert _stored_ns(store) == [OPEN_NS, OPEN_NS + NS]


def test_time_format_when_unknown_unit_or_zone_then_error():
    with pytest.raises(ValueError, match="unknown timestamp unit"):
        TimeFormat(unit="minutes")
    with pytest.raises(KeyError):
        TimeFormat(tz="Mars/Olympus")


def test_ingest_when_negative_size_at_row_5_then_plain_value_in_message(store):
    sizes = pa.array([1, 2, 3, 4, 5, -7, 1, 1, 1, 1])
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", trades(10).set_column(3, "size", sizes))
    assert (e.value.row, e.value.column) == (5, "size") and "must be > 0, got -7 " in str(e.value)
