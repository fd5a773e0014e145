import pytest


@pytest.fixture(scope="module")
def mem_store():
    """One in-memory DuckDB store per test module (tables are cleared by ``load``)."""
    from tsdb import Store

    with Store.from_conf("duckdb::path=:memory:;threads=1", session=None) as store:
        yield store
