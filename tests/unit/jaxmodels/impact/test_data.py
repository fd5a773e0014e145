"""Input scaling of the impact network (issue 15)."""

import numpy as np

from jaxmodels.impact.data import CLIP, Scaler, size_inputs


def test_scaler_when_column_constant_in_training_then_later_values_map_to_zero():
    sc = Scaler.fit(np.array([[1.0, 0.0], [3.0, 0.0]]))
    out = sc(np.array([[2.0, 5.0], [1e9, -7.0]]))
    assert out[0].tolist() == [0.0, 0.0] and out[1].tolist() == [CLIP, 0.0]


def test_size_inputs_when_qty_grows_then_every_column_non_decreasing():
    q = np.geomspace(1, 1e5, 50)
    s = size_inputs(q, np.full(50, 40.0), np.full(50, 200.0), np.full(50, 3000.0))
    assert (np.diff(s, axis=0) > 0).all()
