"""Arrow schemas of the simulator equal the DuckDB DDL in sql/duckdb exactly."""

import pathlib

import duckdb
import pytest

from sim import SCHEMAS, TABLE_NAMES, SimConfig, simulate

DDL = pathlib.Path(__file__).resolve().parents[3] / "sql" / "duckdb"
DDL_FILES = ("010_trades", "020_quotes", "030_book", "040_orders", "090_labels")


@pytest.fixture(scope="module")
def ddl_schemas():
    con = duckdb.connect()
    for f in DDL_FILES:
        con.execute((DDL / f"{f}.sql").read_text())
    out = {n: con.sql(f"SELECT * FROM {n} LIMIT 0").to_arrow_table().schema for n in TABLE_NAMES}
    con.close()
    return out


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_schema_when_compared_with_ddl_then_names_order_and_types_equal(name, ddl_schemas):
    ours, ddl = SCHEMAS[name], ddl_schemas[name]
    assert ours.names == ddl.names
    for a, b in zip(ours, ddl, strict=True):
        assert a.type.equals(b.type), (name, a.name, a.type, b.type)


def test_simulate_when_small_run_then_every_table_has_the_ddl_schema(ddl_schemas):
    res = simulate(SimConfig(scenario="flash_crash", n_symbols=2, minutes=2.0, seed=1,
                             onset_minute=1.0))
    tables = res.tables()
    assert tuple(tables) == TABLE_NAMES
    for name, tbl in tables.items():
        assert tbl.schema.equals(ddl_schemas[name]), name
        assert tbl.num_rows > 0, name
