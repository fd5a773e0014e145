"""The impact size cap in the live chain (issue 15 point 3): the publisher of `adaptrisk live`
folds the newest exec_advice.impact_max_qty per symbol into the model's risk_limits rows as
a batch `models publish` does (only ever tightening), and when an advice row lands while
the limits in force do not change, it issues that symbol's row again, tightened, at the
next cycle. Real DuckDB files, a trained and promoted VAE, cycle by cycle."""

import json
import shutil

import pytest

from adaptrisk.cli import main
from adaptrisk.live.publisher import Publisher
from jaxmodels.config import ModelsConfig
from jaxmodels.registry import Registry
from tests.integration.test_impact_advice import advice
from tests.integration.test_models import CONFIG, PLAN
from tsdb import Store

CAP = 7


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small simulated store and a VAE trained on it, promoted."""
    from adaptrisk import evalstore

    d = tmp_path_factory.mktemp("impact_live")
    cfg = d / "models.json"
    cfg.write_text(json.dumps(CONFIG))
    path = d / "sim.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as s:
        evalstore.build(s, PLAN, n_symbols=2, out=lambda *_: None)
    root = str(d / "models")
    assert main(["models", "train", "--db", str(path), "--root", root, "--config", str(cfg),
                 "--promote"]) == 0
    return path, root


def _copy(trained, tmp_path, name):
    p = tmp_path / name
    shutil.copy(trained[0], p)
    return p


def _cycle_times(s, every: int = 150) -> list[int]:
    ts = s.query("SELECT DISTINCT epoch_ns(ts) AS t FROM features ORDER BY 1").column("t")
    ts = ts.to_pylist()
    return ts[every::every] + [ts[-1] + 1]


def _model_rows(s) -> list[dict]:
    return s.query("SELECT epoch_ns(ts) AS t, sym, max_order_qty AS q FROM risk_limits "
                   "WHERE model_version <> 'static' ORDER BY t").to_pylist()


def _publisher(s, root) -> Publisher:
    return Publisher(s, Registry(root), ModelsConfig.from_dict(CONFIG), wall=lambda: 0,
                     clock=lambda: 0)


def test_live_publisher_when_advice_cap_then_model_limits_never_above_it(trained, tmp_path):
    out = {}
    for name in ("plain", "capped"):
        with Store.from_conf(f"duckdb::path={_copy(trained, tmp_path, name)}") as s:
            times = _cycle_times(s)
            if name == "capped":
                first = s.query("SELECT epoch_ns(min(ts)) AS t FROM features").column("t")
                t0 = first[0].as_py()
                s.ingest("exec_advice", advice([(t0, "SIM00", "TWAP", 5, CAP),
                                                (t0, "SIM01", "POV", 5, CAP)]))
            pub = _publisher(s, trained[1])
            assert sum(pub.cycle(t).limits for t in times) > 0
            out[name] = _model_rows(s)
    assert out["capped"] and all(r["q"] <= CAP for r in out["capped"])
    assert max(r["q"] for r in out["plain"]) > CAP  # the cap did something


def test_live_publisher_when_advice_lands_mid_session_then_row_in_force_reissued_tightened(
        trained, tmp_path):
    with Store.from_conf(f"duckdb::path={_copy(trained, tmp_path, 'mid')}") as s:
        times = _cycle_times(s)
        pub = _publisher(s, trained[1])
        half = len(times) // 2
        for t in times[:half]:
            pub.cycle(t)
        before = {r["sym"]: r for r in s.latest_limits().to_pylist() if r["strategy"] == "*"}
        q0 = before["SIM00"]["max_order_qty"]
        assert before["SIM00"]["model_version"] != "static" and q0 > 1
        cap = q0 // 2
        s.ingest("exec_advice", advice([(times[half - 1], "SIM00", "TWAP", 1, cap)]))
        n = s.count("risk_limits")
        pub.cycle(times[half - 1])  # the same market time: no bucket closes, no scoring
        after = {r["sym"]: r for r in s.latest_limits().to_pylist() if r["strategy"] == "*"}
        assert s.count("risk_limits") > n
        assert after["SIM00"]["max_order_qty"] == cap
        assert after["SIM00"]["model_version"] == before["SIM00"]["model_version"]
        assert after["SIM01"] == before["SIM01"]  # no advice for it: untouched
        n = s.count("risk_limits")
        pub.cycle(times[half - 1])  # the same advice again: nothing more issued
        assert s.count("risk_limits") == n
        for t in times[half:]:
            pub.cycle(t)
        late = [r for r in _model_rows(s) if r["sym"] == "SIM00" and r["t"] >= times[half - 1]]
        assert late and all(r["q"] <= cap for r in late)
