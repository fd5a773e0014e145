"""``retrain`` promotes a new model only if it is not worse than the promoted incumbent on the
newest fold, tested with an incumbent that is better and with one that is worse.

Three simulated 60-min days x 2 symbols (normal, crash, crash); the newest fold is day 3's
crash. The incumbent is trained on days 1-2 and promoted before ``retrain`` runs. "Good" is
the default VAE configuration (on these days it alerts on day 3's crash with no false HIGH
alert); "blind" is the same with tiers capped at ELEVATED all session (``open_warmup_s``
longer than the session), so it never raises a HIGH alert and detects nothing. Each test
first checks that premise from retrain's own quality figures, then the promotion.
"""

import pytest

from jaxmodels.config import ModelsConfig, VAEConfig

pytestmark = pytest.mark.slow

PLAN = [("normal", 31, 60, None, 0.02), ("flash_crash", 32, 60, 36.0, 0.02),
        ("flash_crash", 33, 60, 33.0, 0.02)]
GOOD = ModelsConfig()
BLIND = ModelsConfig(vae=VAEConfig(open_warmup_s=1e6))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from adaptrisk import evalstore
    from tsdb import Store

    path = tmp_path_factory.mktemp("retrain") / "r.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as store:
        evalstore.build(store, PLAN, n_symbols=2, out=lambda *_: None)
    return path


def _with_incumbent(db, root, cfg):
    """Open the store, train ``cfg`` on days 1-2 and promote it; return (store, registry,
    incumbent ids)."""
    from jaxmodels import training
    from jaxmodels.data import market_rows
    from jaxmodels.registry import Registry
    from jaxmodels.walkforward import fold_bounds
    from tsdb import Store

    store = Store.from_conf(f"duckdb::path={db}")
    reg = Registry(str(root))
    ts = market_rows(store, cfg.vae.inputs).ts
    ids = training.train_and_register(store, reg, cfg, since=-(2**62), until=fold_bounds(ts, 3)[-1][0])
    for kind in ("vae", "gbdt"):
        reg.promote(ids[kind])
    return store, reg, ids


def test_retrain_when_incumbent_is_better_then_candidate_registered_not_promoted(db, tmp_path):
    from jaxmodels.retrain import retrain

    store, reg, inc = _with_incumbent(db, tmp_path / "models", GOOD)
    with store:
        out = retrain(store, reg, BLIND, folds=3)
    assert out["incumbent_id"] == inc["vae"]
    assert out["incumbent"]["detected"] > out["candidate"]["detected"]  # the premise
    assert out["action"] == "registered only"
    assert reg.promoted("vae") == inc["vae"] and reg.promoted("gbdt") == inc["gbdt"]
    assert reg.manifest(out["new"]["vae"])["kind"] == "vae"  # registered, kept out of force
    assert out["new"]["vae"] != inc["vae"]


def test_retrain_when_incumbent_is_worse_then_new_model_promoted_and_rerun_does_nothing(
        db, tmp_path):
    from jaxmodels.retrain import retrain

    store, reg, inc = _with_incumbent(db, tmp_path / "models", BLIND)
    with store:
        out = retrain(store, reg, GOOD, folds=3)
        assert out["incumbent_id"] == inc["vae"]
        assert out["candidate"]["detected"] > out["incumbent"]["detected"]  # the premise
        assert out["candidate"]["false_per_sym_hour"] <= out["incumbent"]["false_per_sym_hour"] + 0.1
        assert out["action"] == "promoted"
        assert reg.promoted("vae") == out["new"]["vae"] != inc["vae"]
        assert reg.promoted("gbdt") == out["new"]["gbdt"]
        again = retrain(store, reg, GOOD, folds=3)  # nothing newer than the new model's window
    assert again["action"] == "none" and "already covers" in again["why"]
