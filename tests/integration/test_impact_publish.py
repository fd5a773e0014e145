"""The impact size cap reaches risk_limits through `adaptrisk models publish` (issue 15): with
an exec_advice row per symbol in the store, every model limits row issued after it has
max_order_qty at most the cap, where the same publish without the advice goes above it."""

import json

import pytest

from adaptrisk.cli import main
from tests.integration.test_models import CONFIG, PLAN
from tsdb import Store

CAP = 7


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Two copies of one small simulated store, a model trained on it, promoted."""
    from adaptrisk import evalstore

    d = tmp_path_factory.mktemp("impact_publish")
    cfg = d / "models.json"
    cfg.write_text(json.dumps(CONFIG))
    paths = [d / "plain.duckdb", d / "capped.duckdb"]
    for p in paths:
        with Store.from_conf(f"duckdb::path={p}") as s:
            evalstore.build(s, PLAN, n_symbols=2, out=lambda *_: None)
    root = str(d / "models")
    assert main(["models", "train", "--db", str(paths[0]), "--root", root, "--config",
                 str(cfg), "--promote"]) == 0
    return paths, root, str(cfg)


def _limits(path) -> list[dict]:
    with Store.from_conf(f"duckdb::path={path}") as s:
        return s.query("SELECT epoch_ns(ts) AS t, sym, strategy, max_order_qty, model_version "
                       "FROM risk_limits WHERE model_version <> 'static' "
                       "ORDER BY t, sym, strategy").to_pylist()


def test_publish_when_advice_cap_then_model_limits_never_above_it(pair):
    (plain, capped), root, cfg = pair
    with Store.from_conf(f"duckdb::path={capped}") as s:
        first = s.query("SELECT epoch_ns(min(ts)) AS t FROM features").column("t")[0].as_py()
        from tests.integration.test_impact_advice import advice

        s.ingest("exec_advice", advice([(first, "SIM00", "TWAP", 5, CAP),
                                        (first, "SIM01", "POV", 5, CAP)]))
    for p in (plain, capped):
        assert main(["models", "publish", "--db", str(p), "--root", root, "--config",
                     cfg]) == 0
    rows_plain, rows_capped = _limits(plain), _limits(capped)
    assert rows_capped and all(r["max_order_qty"] <= CAP for r in rows_capped)
    assert max(r["max_order_qty"] for r in rows_plain) > CAP  # the cap did something
