"""Tests find ``../shared`` relative to the repository, and a missing shared file fails in CI.

A GOOG feature test once read ``/work/shared/...``: in a clone anywhere else (as CI clones)
it skipped with "file not present" although ``../shared`` was there. These checks catch that
whole class: no test or benchmark spells a path into shared data itself, and the one helper
that does (``tests.conftest.shared_file``) is repo-relative and fails under ``CI=true``.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

from tests import conftest

REPO = pathlib.Path(__file__).resolve().parents[2]


def _string_literals(path: pathlib.Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant in ``path`` that is not a docstring."""
    tree = ast.parse(path.read_text())
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docs.add(id(body[0].value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def _sources() -> list[pathlib.Path]:
    return sorted([*(REPO / "tests").rglob("*.py"), *(REPO / "bench").glob("*.py")])


def test_sources_when_scanned_then_no_absolute_path_into_shared():
    bad = [f"{p.relative_to(REPO)}:{line}: {s!r}" for p in _sources()
           for line, s in _string_literals(p) if s.startswith("/") and "shared" in s]
    assert bad == []


def test_tests_when_scanned_then_only_conftest_names_shared_data_files():
    """Every test reaches a shared data file through the conftest fixtures (``goog_zip``,
    ``aapl_zip``) or ``shared_file``, so the skip-or-fail rule applies everywhere."""
    bad = [f"{p.relative_to(REPO)}:{line}: {s!r}" for p in sorted((REPO / "tests").rglob("*.py"))
           if p not in (REPO / "tests" / "conftest.py", pathlib.Path(__file__).resolve())
           for line, s in _string_literals(p)
           if "LOBSTER_SampleFile" in s or "shared/data" in s]
    assert bad == []


def test_conftest_when_imported_then_shared_is_beside_the_repo():
    assert conftest.REPO == REPO and (REPO / "pyproject.toml").is_file()
    assert conftest.SHARED == REPO.parent / "shared"
    assert conftest.GOOG_ZIP.is_relative_to(conftest.SHARED)


def test_shared_file_when_missing_and_ci_then_fails(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: nope.zip not found"):
        conftest.shared_file(tmp_path / "nope.zip")


def test_shared_file_when_missing_outside_ci_then_skips(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="nope.zip not found"):
        conftest.shared_file(tmp_path / "nope.zip")


def test_shared_file_when_present_then_returned(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    f = tmp_path / "here.zip"
    f.write_bytes(b"x")
    assert conftest.shared_file(f) == f
