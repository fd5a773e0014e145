"""Shared fixtures. Environment set before anything imports pykx or jax."""

import os
import pathlib

os.environ.setdefault("PYKX_UNLICENSED", "true")
os.environ.setdefault("PYKX_SUPPRESS_WARNINGS", "true")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import pytest  # noqa: E402

LOBSTER_DIR = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "lobster"
GOOG_ZIP = LOBSTER_DIR / "LOBSTER_SampleFile_GOOG_2012-06-21_10.zip"
AAPL_ZIP = LOBSTER_DIR / "LOBSTER_SampleFile_AAPL_2012-06-21_1.zip"


@pytest.fixture
def store(tmp_path):
    """A fresh DuckDB store in a real file."""
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={tmp_path / 't.duckdb'}") as s:
        yield s


@pytest.fixture(scope="session")
def goog_zip():
    if not GOOG_ZIP.exists():
        pytest.skip(f"LOBSTER sample not found at {GOOG_ZIP} (../shared/data/lobster)")
    return GOOG_ZIP
