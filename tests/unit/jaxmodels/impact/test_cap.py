"""`cap.reissue`: the live publisher's re-issue of limits rows in force when an advice row
lands (issue 15 point 3). Hand-checkable rows."""

import pyarrow as pa

from jaxmodels.impact import cap
from tests.unit.tsdb.helpers import OPEN_NS, limits

S = 10**9


def _lim(rows, version="vae-1"):
    t = limits(rows)
    i = t.schema.get_field_index("model_version")
    return t.set_column(i, "model_version", pa.array([version] * t.num_rows))


def test_reissue_when_cap_below_row_in_force_then_row_again_at_later_ts_with_cap():
    lim = _lim([(OPEN_NS, "AAPL", "*", 500), (OPEN_NS, "MSFT", "*", 300)])
    out = cap.reissue(lim, {"AAPL": (OPEN_NS + 5 * S, 120)}, "vae-1").to_pylist()
    assert len(out) == 1
    r = out[0]
    assert (r["sym"], r["strategy"], r["max_order_qty"]) == ("AAPL", "*", 120)
    assert pa.scalar(r["ts"], pa.timestamp("ns")).cast(pa.int64()).as_py() == OPEN_NS + 5 * S
    assert (r["max_position"], r["price_band_bps"], r["model_version"]) == (5000, 500.0,
                                                                           "vae-1")


def test_reissue_when_cap_older_than_row_then_row_ts_kept():
    lim = _lim([(OPEN_NS + 9 * S, "AAPL", "*", 500)])
    out = cap.reissue(lim, {"AAPL": (OPEN_NS, 0)}, "vae-1")  # a zero cap: one lot
    assert out.column("ts").cast(pa.int64()).to_pylist() == [OPEN_NS + 9 * S]
    assert out.column("max_order_qty").to_pylist() == [1]


def test_reissue_when_cap_not_tighter_or_other_version_then_nothing():
    lim = _lim([(OPEN_NS, "AAPL", "*", 100)])
    assert cap.reissue(lim, {"AAPL": (OPEN_NS, 100)}, "vae-1").num_rows == 0  # never loosens
    assert cap.reissue(lim, {"AAPL": (OPEN_NS, 50)}, "static").num_rows == 0
    assert cap.reissue(lim, {}, "vae-1").num_rows == 0
