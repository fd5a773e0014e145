"""The demo's impact part (issue 15) on a small real DuckDB store: a normal and a flash-crash
day for training, the crash day again as the session; tiny training."""

import numpy as np
import pytest

from adaptrisk import evalstore, impact_story
from tsdb import Store

PLAN = [("normal", 5, 15, None, 0.0), ("flash_crash", 6, 15, 8.0, 0.0)]


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    d = tmp_path_factory.mktemp("story")
    for name in ("train", "demo"):
        with Store.from_conf(f"duckdb::path={d / name}.duckdb") as s:
            evalstore.build(s, PLAN, n_symbols=2, out=lambda *_: None)
    return str(d / "train.duckdb"), str(d / "demo.duckdb")


def _facts(store) -> dict:
    ev = store.query("SELECT sym, epoch_ns(start_ts) AS t FROM labels_events "
                     "WHERE event = 'flash_crash'").to_pylist()[0]
    return {"sym": ev["sym"], "onset_ns": ev["t"]}


@pytest.mark.parametrize("write", [False, True])
def test_story_when_crash_session_then_advice_before_and_after_and_seller_clips_priced(
        stores, write):
    train_db, demo_db = stores
    lines = []
    with Store.from_conf(f"duckdb::path={demo_db}") as s:
        before = s.count("exec_advice")
        f = impact_story.run(train_db, s, _facts(s), out=lines.append, steps=40, write=write)
        written = s.count("exec_advice") - before
    assert written == (4 if write else 0)  # 2 symbols x (before, after)
    for k in ("advice_before", "advice_after"):
        assert f[k]["algo"] in ("TWAP", "VWAP", "POV") and f[k]["clip_qty"] >= 1
    # the crash seller's market sells of 100 and 200 lots walk the book: a real cost
    assert f["seller_clips"] >= 10 and f["seller_realised_bps"] > 0
    assert np.isfinite(f["seller_predicted_bps"])
    assert len(lines) == 3 and lines == f["lines"]
