"""Models and drift for the console: the registry's manifests read as files (the enforcer
never imports jaxmodels; DESIGN "Layout"), promote / deactivate written to the registry's
``registry.json`` as `jaxmodels.registry.Registry.promote` / `deactivate` do (same file,
same two keys: ``promoted`` {kind: id}, ``deactivated`` [id]), and the drift verdicts from
the ``drift_alerts`` table (`console/drift_recent.sql`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from enforcer.console.commands import ModelAction

_FIGURES = ("train_rows", "n_trees", "final_loss", "valid_logloss", "auc", "recall",
            "fpr", "threshold")


class ModelDesk:
    """root: the registry folder (data/models by default); store: for drift_alerts."""

    def __init__(self, root: str | Path, store: Any | None = None) -> None:
        self.root, self._store = Path(root), store

    def _status(self) -> dict[str, Any]:
        p = self.root / "registry.json"
        st = json.loads(p.read_text()) if p.exists() else {}
        st.setdefault("promoted", {})
        st.setdefault("deactivated", [])
        return st

    def _write(self, st: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".registry.")
        with os.fdopen(fd, "wb") as f:
            f.write(json.dumps(st, indent=1).encode())
        os.replace(tmp, self.root / "registry.json")

    def manifest(self, mid: str) -> dict[str, Any] | None:
        p = self.root / mid / "manifest.json"
        return json.loads(p.read_text()) if p.is_file() else None

    def listing(self) -> list[dict[str, Any]]:
        """One row per model, newest first: id, kind, created, status, figures."""
        if not self.root.is_dir():
            return []
        st = self._status()
        rows = []
        for p in sorted(self.root.iterdir()):
            m = self.manifest(p.name) if p.is_dir() else None
            if m is None:
                continue
            met = m.get("metrics") or {}
            status = ("promoted" if st["promoted"].get(m.get("kind")) == p.name else
                      "deactivated" if p.name in st["deactivated"] else "")
            figs = {k: met[k] for k in _FIGURES if isinstance(met.get(k), int | float)}
            rows.append({"id": p.name, "kind": m.get("kind", "?"),
                         "created": str(m.get("created", ""))[:19], "status": status,
                         "figures": figs})
        return sorted(rows, key=lambda r: r["created"], reverse=True)

    def drift(self, limit: int = 50) -> list[dict[str, Any]]:
        if self._store is None:
            return []
        try:
            return self._store.query_file("console/drift_recent.sql", [limit]).to_pylist()
        except Exception:
            return []

    def act(self, cmd: ModelAction) -> tuple[Any, Any, str | None]:
        """(before, after, None) or (None, None, why refused)."""
        m = self.manifest(cmd.model_id)
        if m is None:
            return None, None, f"no model {cmd.model_id!r} in {self.root}"
        st = self._status()
        before = {"promoted": dict(st["promoted"]), "deactivated": list(st["deactivated"])}
        kind = m.get("kind")
        if cmd.action == "promote":
            st["promoted"][kind] = cmd.model_id
            st["deactivated"] = [d for d in st["deactivated"] if d != cmd.model_id]
        elif cmd.action == "deactivate":
            if st["promoted"].get(kind) == cmd.model_id:
                del st["promoted"][kind]
            if cmd.model_id not in st["deactivated"]:
                st["deactivated"].append(cmd.model_id)
        else:
            return None, None, f"unknown action {cmd.action!r}"
        self._write(st)
        return before, {"promoted": st["promoted"], "deactivated": st["deactivated"]}, None
