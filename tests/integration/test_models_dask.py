"""``adaptrisk retrain --dask``: the same tiny retrain in-process and through a 2-worker
distributed.LocalCluster registers models with the same content hash."""

import pytest

from jaxmodels.config import GBDTConfig, ModelsConfig, VAEConfig

CFG = ModelsConfig(vae=VAEConfig(epochs=1, max_steps=200, hidden=16, holdout_block=600,
                                 online_warm=300, online_half_life=3000.0),
                   gbdt=GBDTConfig(max_trees=20))
PLAN = [("normal", 91, 15, None, 0.03), ("flash_crash", 92, 15, 9.0, 0.03)]


@pytest.mark.slow
def test_retrain_when_fanned_out_to_local_cluster_then_same_model_hash(tmp_path):
    from adaptrisk import evalstore
    from jaxmodels import retrain
    from jaxmodels.registry import Registry
    from tsdb import Store

    hashes = {}
    with Store.from_conf(f"duckdb::path={tmp_path / 'db.duckdb'}") as s:
        evalstore.build(s, PLAN, n_symbols=1, out=lambda *_: None)
        for mode in (None, "local"):
            reg = Registry(tmp_path / f"models_{mode}")
            out = retrain.retrain(s, reg, CFG, folds=2, dask=mode)
            assert out["action"] == "promoted" and out["dask"] == mode
            hashes[mode] = {k: reg.manifest(v)["hash"] for k, v in out["new"].items()}
    assert set(hashes[None]) == {"vae", "gbdt"}
    assert hashes["local"] == hashes[None]
