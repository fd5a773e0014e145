"""Concept drift on real simulated days: a live day simulated with the same market
parameters (new seed) vs one with a shifted regime (more aggressive, larger order flow),
each compared with the training day of the promoted model; the fallback to static limits."""

import dataclasses
import datetime as dt

import pytest

from jaxmodels.config import ModelsConfig, VAEConfig

CFG = ModelsConfig(vae=VAEConfig(epochs=1, max_steps=300, hidden=32, holdout_block=600,
                                 online_warm=300, online_half_life=3000.0))
MINUTES = 25.0
SHIFT = {"market_rate": 2.4, "limit_size_median": 10.0, "market_size_median": 12.0}


def _day(store, seed, date, **kw):
    from sim import SimConfig, simulate

    tables = simulate(SimConfig(n_symbols=2, minutes=MINUTES, seed=seed, session_date=date,
                                **kw)).tables()
    for name in ("trades", "quotes", "book"):
        store.ingest(name, tables[name])


@pytest.fixture(scope="module", params=["unshifted", "shifted"])
def drift_db(request, tmp_path_factory):
    from features.build import build as build_features
    from jaxmodels import training
    from jaxmodels.registry import Registry
    from tsdb import Store

    d = tmp_path_factory.mktemp(f"drift_{request.param}")
    path, reg = d / "db.duckdb", Registry(d / "models")
    with Store.from_conf(f"duckdb::path={path}") as s:
        _day(s, 81, dt.date(2026, 6, 22))
        build_features(s)
        ids = training.train_and_register(s, reg, CFG, since=-(2**62), until=2**62)
        reg.promote(ids["vae"])
        train_end = s.query_file("models/data_span.sql").to_pylist()[0]["last_ns"]
        _day(s, 82, dt.date(2026, 6, 23), **(SHIFT if request.param == "shifted" else {}))
        build_features(s)
    return request.param, path, reg, train_end


@pytest.mark.slow
def test_drift_when_live_day_is_simulated_then_only_the_shifted_regime_drifts(drift_db):
    from jaxmodels import drift, publish
    from tsdb import Store

    kind, path, reg, train_end = drift_db
    with Store.from_conf(f"duckdb::path={path}") as s:
        out = drift.check(s, reg, CFG, since=train_end)
        alerts = s.query("SELECT kind, name, drifting FROM drift_alerts").to_pylist()
        static = s.query("SELECT reason FROM risk_limits WHERE model_version = 'static'"
                         ).column("reason").to_pylist()
        pub = publish.publish(s, reg, CFG, since=train_end, until=2**62)
    assert len(alerts) == len(CFG.vae.inputs) + 2
    assert [a["drifting"] for a in alerts if a["kind"] == "summary"] == [out["drifting"]]
    if kind == "shifted":
        assert out["drifting"] and out["n_drifting"] >= CFG.drift.max_drifting_features
        assert static and all(r.startswith("drift") for r in static)
        assert pub["model"] is None and pub.get("drift")  # static limits until retrained
    else:
        assert not out["drifting"], [f for f in out["features"] if f["drifting"]]
        assert static == [] and pub["model"] == reg.promoted("vae")


def test_psi_when_same_sample_then_zero_and_when_shifted_then_large():
    import numpy as np

    from jaxmodels.drift import ks_stat, psi

    x = np.random.default_rng(0).normal(size=20_000)
    assert psi(x, x) == 0.0 and ks_stat(x, x) == 0.0
    # a shift by one sd: KS = 2 Phi(0.5) - 1 = 0.383
    assert abs(ks_stat(x, x + 1.0) - 0.383) < 0.02
    assert psi(x, x + 1.0) > 0.25 > psi(x, x + 0.05)


def test_drift_config_when_round_tripped_then_equal():
    c = dataclasses.replace(CFG.drift, ks_max=0.3)
    assert type(c).from_dict(c.to_dict()) == c
