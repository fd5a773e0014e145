"""The live scorer on a real simulated session: sim -> DuckDB -> features.build -> a tiny
VAE trained on a normal day -> the crash day published in one batch (``publish.publish``)
and stepped bucket by bucket through a ``LiveScorer``: the same risk_limits rows, the same
scores; publish writes a heartbeat per symbol and bucket judged."""

import shutil

import numpy as np
import pyarrow as pa
import pytest

from jaxmodels.config import ModelsConfig

PLAN = [("normal", 41, 15, None, 0.0), ("flash_crash", 42, 15, 9.0, 0.0)]
CFG = ModelsConfig.from_dict({"vae": {
    "epochs": 2, "hidden": 16, "latent": 4, "holdout_block": 600, "online_warm": 300,
    "online_half_life": 3000.0, "tail_window": 3000, "tail_warm": 600, "tail_block": 600}})
WALL = 1_800_000_000_000_000_000


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory):
    from adaptrisk import evalstore
    from jaxmodels import model, persist
    from jaxmodels.data import market_rows
    from jaxmodels.registry import Registry
    from tsdb import Store

    root = tmp_path_factory.mktemp("live")
    path = root / "sim.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as s:
        evalstore.build(s, PLAN, n_symbols=2, out=lambda *_: None)
        rows = market_rows(s, CFG.vae.inputs)
    day2 = int(rows.ts.min()) + 12 * 3_600_000_000_000
    first = rows.take(rows.ts < day2)
    mm, met = model.fit_market(first, np.ones(len(first.ts), bool), CFG.vae)
    reg = Registry(str(root / "models"))
    mid = persist.save_market(reg, mm, met)
    return path, reg, mid, day2


@pytest.fixture
def db(sim_db, tmp_path):
    path, reg, mid, day2 = sim_db
    p = tmp_path / "db.duckdb"
    shutil.copy(path, p)
    return p, reg, mid, day2


def test_publish_when_stepped_bucket_by_bucket_then_same_limits_rows_and_scores(db):
    from jaxmodels import persist, publish
    from jaxmodels.data import market_rows
    from jaxmodels.live import LiveScorer
    from tsdb import Store

    path, reg, mid, day2 = db
    reg.promote(mid)
    with Store.from_conf(f"duckdb::path={path}") as s:
        out = publish.publish(s, reg, CFG, since=day2, until=2**62, wall=lambda: WALL)
        written = s.query("SELECT * EXCLUDE (ts), epoch_ns(ts) AS t FROM risk_limits "
                          "ORDER BY sym, strategy, t").to_pylist()
        scores = s.query("SELECT sym, epoch_ns(ts) AS t, anomaly_score, tier FROM risk_scores "
                         "ORDER BY sym, t").to_pylist()
        hb = s.query("SELECT sym, epoch_ns(ts) AS t, epoch_ns(market_ts) AS m, "
                     "epoch_ns(published_ts) AS w, publisher, model_version "
                     "FROM publisher_heartbeat ORDER BY sym, t").to_pylist()
        rows = market_rows(s, CFG.vae.inputs, day2, 2**62)
    mm = persist.load_market(reg, mid)
    # the batch twin over the whole range
    _, sm, tier = mm.score(rows)
    twin = publish.limits_for(rows, sm, tier, CFG.calib, mid, {})
    # bucket by bucket, as the live loop does
    sc = LiveScorer(mm, CFG.calib, mid)
    pos = np.concatenate([np.arange((rows.code == c).sum()) for c in range(len(rows.syms))])
    steps = [sc.step(rows.take(pos == b)) for b in range(pos.max() + 1)]
    live = pa.concat_tables([st.limits for st in steps])

    def norm(tbl):
        return [{**{k: v for k, v in r.items() if k != "ts"}, "t": r["ts"].value}
                for r in tbl.sort_by([("sym", "ascending"), ("strategy", "ascending"),
                                      ("ts", "ascending")]).to_pylist()]

    assert out["model"] == mid and out["limits"] == len(written) > 0
    assert {r["state"] for r in written} >= {"ACTIVE", "REDUCING"}  # the crash tightens
    assert norm(live) == norm(twin) == written
    live_sm = np.concatenate([st.smoothed for st in steps])
    order = np.lexsort((np.concatenate([st.scores.column("ts").cast(pa.int64()).to_numpy()
                                        for st in steps]),
                        np.concatenate([st.scores.column("sym").to_numpy(zero_copy_only=False)
                                        for st in steps])))
    assert np.array_equal(live_sm[order], sm)
    assert [r["anomaly_score"] for r in scores] == sm.tolist()
    # one heartbeat per (sym, bucket) scored, as of the bucket, written by the batch publisher
    assert out["heartbeats"] == len(hb) == len(rows.ts)
    assert [(r["sym"], r["t"]) for r in hb] == list(zip(rows.sym.tolist(), rows.ts.tolist(),
                                                        strict=True))
    assert all(r["m"] == r["t"] and r["w"] == WALL and r["publisher"] == "models publish"
               and r["model_version"] == mid for r in hb)


def test_publish_when_no_model_promoted_then_static_limits_and_a_heartbeat_per_bucket(
        db, tmp_path):
    from jaxmodels import publish
    from jaxmodels.registry import Registry
    from tsdb import Store

    path, _, _, day2 = db
    with Store.from_conf(f"duckdb::path={path}") as s:
        out = publish.publish(s, Registry(str(tmp_path / "none")), CFG, since=day2, until=2**62, wall=lambda: WALL)
        n = s.query("SELECT count(*) AS n FROM features WHERE epoch_ns(ts) > $d",
                    {"d": day2}).to_pylist()[0]["n"]
        hb = s.query("SELECT model_version, count(*) AS n, count(DISTINCT sym) AS k "
                     "FROM publisher_heartbeat GROUP BY 1").to_pylist()
    assert out["model"] is None and out["limits"] == 2 and out["heartbeats"] == n
    assert hb == [{"model_version": "static", "n": n, "k": 2}]
