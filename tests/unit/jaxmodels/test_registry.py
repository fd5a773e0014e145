import json

import numpy as np
import pytest

from jaxmodels.errors import RegistryError
from jaxmodels.registry import Registry


def test_save_when_loaded_back_then_arrays_equal_and_hash_verified(tmp_path):
    reg = Registry(tmp_path / "m")
    arrays = {"params/w": np.arange(6, dtype=np.float32).reshape(2, 3)}
    mid = reg.save("vae", arrays, {"inputs": ["a"], "metrics": {"train_rows": 3}})
    got, man = reg.load(mid)
    np.testing.assert_array_equal(got["params/w"], arrays["params/w"])
    assert man["kind"] == "vae" and "jax" in man["libraries"] and len(man["hash"]) == 64


def test_load_when_manifest_tampered_then_hash_mismatch(tmp_path):
    reg = Registry(tmp_path)
    mid = reg.save("gbdt", {"leaf": np.zeros(4, np.float32)}, {"threshold": 1.0})
    p = tmp_path / mid / "manifest.json"
    man = json.loads(p.read_text())
    man["threshold"] = 9.0
    p.write_text(json.dumps(man))
    with pytest.raises(RegistryError):
        reg.load(mid)


def test_promote_then_deactivate_when_listed_then_status_follows(tmp_path):
    reg = Registry(tmp_path)
    mid = reg.save("vae", {"w": np.ones(1)}, {})
    reg.promote(mid)
    assert reg.promoted("vae") == mid and reg.listing()[0]["status"] == "promoted"
    reg.deactivate(mid)
    assert reg.promoted("vae") is None and reg.listing()[0]["status"] == "deactivated"
    with pytest.raises(RegistryError):
        reg.promote("vae-nope")
