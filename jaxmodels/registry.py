"""Model registry: one folder per trained model under a root (default ``data/models/``).

A model folder holds ``arrays.npz`` (parameters, flattened by pytree path) and
``manifest.json`` (kind, inputs, normalisation, training window, metrics, configuration,
library versions, content hash). ``registry.json`` at the root records which model of each
kind is promoted and which are deactivated. The content hash is SHA-256 over the arrays and
the manifest without its ``id``, ``created`` and ``hash`` fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import pathlib
import platform
import tempfile
from importlib import metadata
from typing import Any

import numpy as np

from jaxmodels.errors import MSG_HASH_MISMATCH, MSG_NO_MODEL, RegistryError

_VOLATILE = ("id", "created", "hash")
_LIBS = ("jax", "jaxlib", "flax", "optax", "numpy", "duckdb", "pyarrow")


def flatten(tree: dict, prefix: str = "") -> dict[str, np.ndarray]:
    """Nested dict of arrays -> {"a/b/c": array}."""
    out = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "/"))
        else:
            out[key] = np.asarray(v)
    return out


def unflatten(flat: dict[str, np.ndarray]) -> dict:
    out: dict = {}
    for key, v in flat.items():
        node = out
        *path, leaf = key.split("/")
        for p in path:
            node = node.setdefault(p, {})
        node[leaf] = v
    return out


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in _LIBS:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            pass
    return out


def _hash(arrays: dict[str, np.ndarray], manifest: dict) -> str:
    h = hashlib.sha256()
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(k.encode())
        h.update(str(a.dtype).encode() + str(a.shape).encode())
        h.update(a.tobytes())
    body = {k: v for k, v in manifest.items() if k not in _VOLATILE}
    h.update(json.dumps(body, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _atomic_write(path: pathlib.Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Registry:
    """Models on disk under ``root``; safe for one writer at a time."""

    def __init__(self, root: str | os.PathLike = "data/models") -> None:
        self.root = pathlib.Path(root)

    # -- writing --------------------------------------------------------------------------
    def save(self, kind: str, arrays: dict[str, np.ndarray], manifest: dict[str, Any]) -> str:
        """Store a model; return its id ``<kind>-<UTC time>-<hash[:10]>``."""
        self.root.mkdir(parents=True, exist_ok=True)
        body = {"kind": kind, **manifest, "libraries": library_versions()}
        digest = _hash(arrays, body)
        now = dt.datetime.now(dt.UTC)
        mid = f"{kind}-{now:%Y%m%dT%H%M%S}-{digest[:10]}"
        folder = self.root / mid
        folder.mkdir(exist_ok=True)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        _atomic_write(folder / "arrays.npz", buf.getvalue())
        full = {"id": mid, "created": now.isoformat(), "hash": digest, **body}
        _atomic_write(folder / "manifest.json",
                      json.dumps(full, indent=1, sort_keys=True, default=str).encode())
        return mid

    def promote(self, mid: str) -> dict:
        """Make ``mid`` the model in force for its kind (and no longer deactivated)."""
        man = self.manifest(mid)
        st = self._status()
        st["promoted"][man["kind"]] = mid
        st["deactivated"] = [d for d in st["deactivated"] if d != mid]
        self._write_status(st)
        return st

    def deactivate(self, mid: str) -> dict:
        """Take ``mid`` out of service; its kind falls back to the static limits."""
        man = self.manifest(mid)
        st = self._status()
        if st["promoted"].get(man["kind"]) == mid:
            del st["promoted"][man["kind"]]
        if mid not in st["deactivated"]:
            st["deactivated"].append(mid)
        self._write_status(st)
        return st

    # -- reading --------------------------------------------------------------------------
    def ids(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "manifest.json").exists())

    def manifest(self, mid: str) -> dict:
        path = self.root / mid / "manifest.json"
        if not path.exists():
            raise RegistryError(MSG_NO_MODEL.format(id=mid, root=self.root))
        return json.loads(path.read_text())

    def load(self, mid: str, *, verify: bool = True) -> tuple[dict[str, np.ndarray], dict]:
        """(arrays, manifest) of ``mid``; ``verify`` checks the content hash."""
        man = self.manifest(mid)
        with np.load(self.root / mid / "arrays.npz") as z:
            arrays = {k: z[k] for k in z.files}
        if verify:
            got = _hash(arrays, man)
            if got != man["hash"]:
                raise RegistryError(MSG_HASH_MISMATCH.format(id=mid, got=got[:10],
                                                             want=man["hash"][:10]))
        return arrays, man

    def promoted(self, kind: str) -> str | None:
        """Id of the promoted model of ``kind``, or None (then the static limits apply)."""
        return self._status()["promoted"].get(kind)

    def listing(self) -> list[dict]:
        """One summary row per model, oldest first."""
        st = self._status()
        rows = []
        for mid in self.ids():
            m = self.manifest(mid)
            status = ("promoted" if st["promoted"].get(m["kind"]) == mid else
                      "deactivated" if mid in st["deactivated"] else "")
            rows.append({"id": mid, "kind": m["kind"], "created": m["created"][:19],
                         "status": status, "window": _window(m), "metrics": _headline(m)})
        return rows

    def _status(self) -> dict:
        path = self.root / "registry.json"
        st = json.loads(path.read_text()) if path.exists() else {}
        st.setdefault("promoted", {})
        st.setdefault("deactivated", [])
        return st

    def _write_status(self, st: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.root / "registry.json", json.dumps(st, indent=1).encode())


def _window(m: dict) -> str:
    w = m.get("training_window") or {}
    if not w:
        return ""
    f = lambda ns: dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    return f"{f(w['start_ns'])}..{f(w['end_ns'])}"


def _headline(m: dict) -> str:
    met = m.get("metrics") or {}
    keys = ("train_rows", "n_trees", "final_loss", "valid_logloss")
    return " ".join(f"{k}={met[k]:.4g}" if isinstance(met[k], float) else f"{k}={met[k]}"
                    for k in keys if k in met)
