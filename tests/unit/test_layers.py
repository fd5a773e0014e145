"""The layers of DESIGN.md, checked on the source: each package imports only the packages
its row of the layout table allows (the enforcer never imports jaxmodels: tables are the
only link between them)."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
OURS = {"tsdb", "features", "jaxmodels", "enforcer", "sim", "adaptrisk"}
MAY_IMPORT = {  # DESIGN.md "Layout"
    "tsdb": set(),
    "sim": set(),
    "features": {"tsdb"},
    "jaxmodels": {"tsdb", "features"},
    "enforcer": {"tsdb"},
    "adaptrisk": OURS,
}


def imported_packages(path: pathlib.Path) -> set[str]:
    """First-party top-level packages a module imports (anywhere in it, lazily included)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out & OURS


def test_imported_packages_when_module_imports_lazily_then_found(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import numpy\nfrom tsdb.store import Store\n"
                 "def f():\n    from jaxmodels import vae\n    import enforcer.rules\n")
    assert imported_packages(f) == {"tsdb", "jaxmodels", "enforcer"}


@pytest.mark.parametrize("pkg", sorted(MAY_IMPORT))
def test_layers_when_package_imports_then_only_what_design_allows(pkg):
    bad = {}
    for path in sorted((ROOT / pkg).rglob("*.py")):
        extra = imported_packages(path) - MAY_IMPORT[pkg] - {pkg}
        if extra:
            bad[str(path.relative_to(ROOT))] = sorted(extra)
    assert not bad, f"{pkg} may import only {sorted(MAY_IMPORT[pkg])}: {bad}"
