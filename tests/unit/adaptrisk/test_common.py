"""The one parser of --db: `conf` (validated by tsdb's parse_conf) and `duckdb_path`."""

from pathlib import Path

import pytest

from adaptrisk.common import conf, duckdb_path
from adaptrisk.errors import UsageError
from tsdb import StoreError, StoreErrorCode


def test_conf_when_bare_path_then_duckdb_file_and_string_kept_otherwise():
    assert conf("data/x.duckdb") == "duckdb::path=data/x.duckdb"
    assert conf("questdb::addr=h:9000") == "questdb::addr=h:9000"


@pytest.mark.parametrize("db", ["duckdb::path", "oracle::x=1", "duckdb::a=1;a=2"])
def test_conf_when_malformed_then_bad_conf_before_anything_opens(db):
    with pytest.raises(StoreError) as e:
        conf(db)
    assert e.value.code is StoreErrorCode.BAD_CONF


def test_conf_when_empty_then_usage_error():
    with pytest.raises(UsageError):
        conf("")


@pytest.mark.parametrize(("db", "want"), [
    ("data/x.duckdb", Path("data/x.duckdb")),
    ("duckdb::path=data/x.duckdb;threads=2", Path("data/x.duckdb")),
    ("duckdb::threads=2;path=/tmp/y.duckdb", Path("/tmp/y.duckdb")),
    ("duckdb::path=:memory:", None),
    ("duckdb::threads=2", None),  # no path: in memory
    ("questdb::addr=h:9000", None),
    ("kdb::host=h;port=5001", None),
])
def test_duckdb_path_when_any_db_then_the_file_or_none(db, want):
    assert duckdb_path(db) == want
