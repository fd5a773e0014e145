"""The registry pins every feature to a query file per dialect and to the features table."""

from __future__ import annotations

import pathlib
import re

import pytest

from features import registry
from features.errors import FeatureError

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("dialect", registry.DIALECTS)
def test_registry_when_listing_files_then_every_feature_has_a_query_naming_it(dialect):
    for f in registry.FEATURES:
        path = f.path(dialect)
        assert path.is_file(), f"{f.name}: missing {path}"
        assert re.search(rf"\b{f.name}\b", path.read_text()), f"{f.name} not in {path.name}"


def test_q_files_when_read_then_usage_line_first_and_names_in_ar_namespace():
    for path in sorted((ROOT / "sql" / "q").glob("features*.q")):
        text = path.read_text()
        assert text.startswith("/ usage:"), path.name
        defs = re.findall(r"^([.\w]+):\{", text, flags=re.M)
        assert defs and all(d.startswith(".ar.") for d in defs), (path.name, defs)


def test_features_ddl_when_applied_then_columns_are_ts_sym_then_market_features(mem_store):
    cols = mem_store.table_schema("features").names
    assert cols[:2] == ["ts", "sym"]
    assert cols[2:] == registry.names("market")


def test_features_package_when_scanned_then_no_sql_built_with_fstrings():
    pat = re.compile(r"""f["'][^"']*\b(SELECT|FROM|WHERE|INSERT|DELETE)\b""", re.I)
    for path in (ROOT / "features").glob("*.py"):
        assert not pat.search(path.read_text()), path.name


def test_feature_queries_when_scanned_then_labels_never_read():
    for dialect in registry.DIALECTS:
        for path in {f.path(dialect) for f in registry.FEATURES}:
            assert "labels_" not in path.read_text().replace("Labels tables", ""), path


def test_registry_when_unknown_name_then_feature_error():
    assert registry.get("rv_1m").unit == "1/sqrt(s)"
    with pytest.raises(FeatureError, match="unknown feature"):
        registry.get("nope")
