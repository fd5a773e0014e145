"""Shared fixtures. Environment set before anything imports pykx or jax.

Data from ``../shared`` (the LOBSTER samples) is found relative to this repository, so a
clone anywhere with ``shared/`` beside it finds it; every test reads it through
``shared_file``, which skips when the file is missing on a workstation and fails under
``CI=true`` (CI clones with ``../shared`` beside the repo: a missing file there is a broken
set-up, not a reason to skip).
"""

import os
import pathlib

os.environ.setdefault("PYKX_UNLICENSED", "true")
os.environ.setdefault("PYKX_SUPPRESS_WARNINGS", "true")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import pytest  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LOBSTER_DIR = SHARED / "data" / "lobster"
GOOG_ZIP = LOBSTER_DIR / "LOBSTER_SampleFile_GOOG_2012-06-21_10.zip"
AAPL_ZIP = LOBSTER_DIR / "LOBSTER_SampleFile_AAPL_2012-06-21_1.zip"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def shared_file(path: pathlib.Path) -> pathlib.Path:
    """``path`` (under ``../shared``) if it exists; else skip, or fail when ``CI=true``."""
    if not path.exists():
        why = f"{path.name} not found at {path} (../shared beside the repo)"
        if in_ci():
            pytest.fail(f"CI=true: {why}", pytrace=False)
        pytest.skip(why)
    return path


@pytest.fixture
def store(tmp_path):
    """A fresh DuckDB store in a real file."""
    from tsdb import Store

    with Store.from_conf(f"duckdb::path={tmp_path / 't.duckdb'}") as s:
        yield s


@pytest.fixture(scope="session")
def goog_zip():
    return shared_file(GOOG_ZIP)


@pytest.fixture(scope="session")
def aapl_zip():
    return shared_file(AAPL_ZIP)
