"""The validation rules of the tables the issues added (layer 1's limits, impact labels and
advice, the console's overrides and review labels): a batch with one bad row is refused whole
with a one-line error naming the row and column, and nothing is written; the same batch
without the bad cell lands."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tsdb import BatchRejected
from tsdb.validate import RULES

T0 = 1_782_135_000_000_000_000
CASES = [  # table, column, bad value
    ("fat_finger_limits", "fat_finger_max_qty", -7),
    ("impact_labels", "side", "X"),
    ("impact_labels", "qty", 0),
    ("exec_advice", "algo", "ICEBERG"),
    ("exec_advice", "participation_cap", 0.0),
    ("limit_overrides", "direction", "sideways"),
    ("limit_overrides", "limit_name", "max_everything"),
    ("review_labels", "label", "maybe"),
]


def _valid(store, table: str, n: int = 3) -> pa.Table:
    """n rows that pass the table's rules: enum columns their first allowed value, numbers 1,
    strings 'x', timestamps a second apart."""
    schema = store.query(f"SELECT * FROM {table} LIMIT 0").schema
    enums = RULES[table].enums
    cols = {}
    for f in schema:
        if pa.types.is_timestamp(f.type):
            cols[f.name] = pa.array([T0 + i * 10**9 for i in range(n)], pa.timestamp("ns"))
        elif f.name in enums:
            cols[f.name] = pa.array([sorted(enums[f.name])[0]] * n, f.type)
        elif pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            cols[f.name] = pa.array(["x"] * n, f.type)
        elif pa.types.is_boolean(f.type):
            cols[f.name] = pa.array([False] * n, f.type)
        else:
            cols[f.name] = pa.array([1] * n).cast(f.type)
    return pa.table(cols)


@pytest.mark.parametrize(("table", "col", "bad"), CASES)
def test_ingest_when_new_table_has_bad_row_then_refused_whole_and_nothing_written(
        store, table, col, bad):
    good = _valid(store, table)
    values = good.column(col).to_pylist()
    values[1] = bad
    batch = good.set_column(good.schema.get_field_index(col), col,
                            pa.array(values, good.schema.field(col).type))
    with pytest.raises(BatchRejected) as e:
        store.ingest(table, batch, session=None)
    assert (e.value.table, e.value.row, e.value.column) == (table, 1, col)
    assert "\n" not in str(e.value)
    assert store.count(table) == 0
    assert store.ingest(table, good, session=None) == 3  # the rest of the batch was fine
