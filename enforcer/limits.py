"""Limits cache: static floor + latest dynamic rows -> one immutable `LimitsSnapshot`.

A snapshot is built off to the side and swapped in with one reference assignment, so a
check never sees half an update. It holds the same limits twice:

* for the single-order path, dicts of plain Python tuples (`Lim`), because indexing a
  numpy array from Python costs more than the whole rule it feeds;
* for the batch path, contiguous numpy arrays indexed [sym_idx, strat_col] (column 0 is
  the '*' row of the symbol, further columns strategies that have their own rows).

Dynamic values are clipped to the static ones (a model may tighten, never loosen), and a
model state is combined with the static state by severity (ACTIVE < REDUCING < HALTED).
A symbol whose rows are out of force (its publisher is dead or behind, see
`enforcer/feed.py`) gets its static limits with risk state 'RiskAlert_StaleLimits'.
Field names are the risk_limits columns (one name per concept, DDL to rule).

Units: the static TOML and the model rows state quantities in venue units (0.1 BTC); a
snapshot holds them in the rules' units, converted once here with the symbols' lots
(`enforcer.lots`): max_order_qty / max_position / fat_finger_max_qty floored to whole lots
(the safe side), max_notional divided by the lot (the rules' notional is lots x price).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from enforcer.config import STATES, StaticLimits, SymLimits
from enforcer.lots import Lots
from enforcer.overrides import Override, apply_overrides

ACTIVE, REDUCING, HALTED = 0, 1, 2
STATE_CODE = {s: i for i, s in enumerate(STATES)}
STALE = "RiskAlert_StaleLimits"


class Lim(NamedTuple):
    """Limits in force for one (sym, strategy). Units: lots, currency, bps, multiple."""

    max_order_qty: int
    max_notional: float
    price_band_bps: float
    max_position: int
    fat_finger_threshold: float
    state: int  # ACTIVE / REDUCING / HALTED
    restricted: bool
    version: str
    risk_state: str  # FIX tag 8011 text before daemon-level flags


class DynRow(NamedTuple):
    """One risk_limits row as read from the store (ts in UTC ns; quantities in venue
    units)."""

    ts: int
    max_order_qty: float
    max_notional: float
    price_band_bps: float
    max_position: float
    fat_finger_threshold: float
    state: int
    reason: str
    model_version: str


class LotLimits(NamedTuple):
    """The five limits of one symbol in the rules' units (lots, currency / lot, bps,
    multiple): a `SymLimits` or a `DynRow` after `in_lots`."""

    max_order_qty: int
    max_notional: float
    price_band_bps: float
    max_position: int
    fat_finger_threshold: float


def in_lots(lots: Lots, sym: str, s: SymLimits | DynRow) -> LotLimits:
    """Limits `s` of `sym` (venue units) in the rules' units (module docstring)."""
    return LotLimits(*(lots.limit(sym, f, getattr(s, f)) for f in LotLimits._fields))


def static_lim(s: SymLimits | LotLimits, restricted: bool, version: str,
               risk_state: str) -> Lim:
    return Lim(s.max_order_qty, float(s.max_notional), float(s.price_band_bps),
               s.max_position, float(s.fat_finger_threshold), ACTIVE, restricted, version,
               risk_state)


def clip(row: DynRow, s: SymLimits | LotLimits, restricted: bool,
         q: LotLimits | None = None) -> Lim:
    """Dynamic row clipped so it never loosens past the static limits `s` (both in the
    rules' units; `q`: the row's limits converted, `in_lots`, when its units differ)."""
    q = row if q is None else q
    lim = Lim(
        min(int(q.max_order_qty), s.max_order_qty),
        min(float(q.max_notional), float(s.max_notional)),
        min(float(q.price_band_bps), float(s.price_band_bps)),
        min(int(q.max_position), s.max_position),
        min(float(q.fat_finger_threshold), float(s.fat_finger_threshold)),
        row.state, restricted, f"{row.model_version}@{row.ts}", "Normal")
    if lim.state == HALTED:
        rs = "RiskAlert_Halted"
    elif lim.state == REDUCING:
        rs = "RiskAlert_Reducing"
    elif (lim.max_order_qty < s.max_order_qty or lim.max_notional < s.max_notional
          or lim.price_band_bps < s.price_band_bps or lim.max_position < s.max_position
          or lim.fat_finger_threshold < s.fat_finger_threshold):
        rs = "RiskAlert_HighAnomaly"  # the model tightened something: it sees trouble
    else:
        rs = "Normal"
    return lim._replace(risk_state=rs)


class LimitsSnapshot:
    """Immutable view of the limits in force. Never mutate one that has been published.

    source: 'dynamic' (model rows of at least one symbol in force, clipped) or 'static'
    (fallback for every symbol / no store).
    dyn[sym] / dyn_pair[(sym, strategy)]: effective limits ('*' row / strategy row);
    a symbol without any row uses its static limits. static[sym]: static alone.
    `default_static` serves symbols not listed (None if not allowed).
    stale: symbols that have rows but whose rows are out of force (static limits with
    risk state 'RiskAlert_StaleLimits'). heartbeats[sym]: ts (bucket end, UTC ns) of the
    newest publisher heartbeat of sym this snapshot was built from.
    fat_finger_max_qty[(sym, trader)]: layer 1's largest order (fat_finger_limits, venue
    units as given, held floored to lots),
    kept only for symbols whose model rows are in force (absent: the static rule alone).
    overrides: the manual overrides in force, applied to dyn / dyn_pair / static
    (`enforcer.overrides.apply_overrides`).
    """

    __slots__ = ("source", "static_cfg", "dyn", "dyn_pair", "static", "default_static",
                 "newest_ts", "rows", "sym_idx", "strat_col", "arrays", "static_arrays",
                 "has_pairs", "stale", "heartbeats", "fat_finger_max_qty", "overrides", "lots")

    def __init__(self, static_cfg: StaticLimits, rows: dict[tuple[str, str], DynRow],
                 *, source: str, static_risk_state: str = "Normal",
                 stale: frozenset[str] = frozenset(),
                 heartbeats: dict[str, int] | None = None,
                 fat_finger: dict[tuple[str, str], int] | None = None,
                 overrides: tuple[Override, ...] = (), lots: Lots | None = None) -> None:
        lots = self.lots = lots or Lots()
        self.source = source
        self.overrides = overrides  # manual overrides in force (enforcer.overrides)
        self.static_cfg = static_cfg
        self.rows = rows
        self.stale = stale
        self.heartbeats: dict[str, int] = heartbeats or {}
        sc = static_cfg
        ver = sc.version
        self.static = _static_lims(sc, lots, static_risk_state)
        self.default_static = (static_lim(sc.defaults, False, ver, static_risk_state)
                               if sc.allow_unknown_symbols else None)
        self.dyn: dict[str, Lim] = dict(self.static)
        self.dyn_pair: dict[tuple[str, str], Lim] = {}
        self.newest_ts = max((r.ts for (sym, _), r in rows.items() if sym not in stale),
                             default=None)
        if source == "dynamic":
            for sym in stale:
                s = sc.for_sym(sym)
                if s is not None:  # one object for both: the order path checks it once
                    self.static[sym] = self.dyn[sym] = static_lim(
                        in_lots(lots, sym, s), sym in sc.restricted, ver, STALE)
            for (sym, strat), row in rows.items():
                s = sc.for_sym(sym)
                if s is None or sym in stale:
                    continue  # a model row cannot make an unknown symbol tradable
                s = in_lots(lots, sym, s)
                lim = clip(row, s, sym in sc.restricted, in_lots(lots, sym, row))
                if strat == "*":
                    self.dyn[sym] = lim
                    if sym not in self.static:
                        self.static[sym] = static_lim(s, sym in sc.restricted, ver,
                                                      static_risk_state)
                else:
                    self.dyn_pair[(sym, strat)] = lim
            for sym, _ in self.dyn_pair:
                if sym not in self.static:
                    s = in_lots(lots, sym, sc.for_sym(sym))
                    self.static[sym] = static_lim(s, sym in sc.restricted, ver,
                                                  static_risk_state)
                    self.dyn.setdefault(sym, self.static[sym])
        if overrides:
            apply_overrides(self, overrides, lots)
        self.has_pairs = bool(self.dyn_pair)
        in_force = {s for s, _ in rows if s not in stale and s in self.static}
        self.fat_finger_max_qty: dict[tuple[str, str], float] = (
            {k: float(lots.limit(k[0], "fat_finger_max_qty", v))
             for k, v in (fat_finger or {}).items()
             if k[0] in in_force}
            if source == "dynamic" else {})
        self.sym_idx: dict[str, int] = {}
        self.strat_col: dict[str, int] = {}
        self.arrays: dict[str, np.ndarray] = {}
        self.static_arrays: dict[str, np.ndarray] = {}
        self._build_arrays()

    def lookup(self, sym: str, strategy: str) -> tuple[Lim | None, Lim | None]:
        """(effective dynamic, static) limits of (sym, strategy); (None, None) if unknown."""
        st = self.static.get(sym)
        if st is None:
            st = self.default_static
            return st, st
        lim = self.dyn_pair.get((sym, strategy)) if self.has_pairs else None
        return (lim or self.dyn[sym]), st

    def _build_arrays(self) -> None:
        syms = sorted(self.static)
        self.sym_idx = {s: i for i, s in enumerate(syms)}
        strats = sorted({k for _, k in self.dyn_pair})
        self.strat_col = {k: i + 1 for i, k in enumerate(strats)}
        n, m = len(syms), len(strats) + 1
        cols = {name: np.zeros((n, m), dtype=dt) for name, dt in _ARRAY_FIELDS}
        scols = {name: np.zeros(n, dtype=dt) for name, dt in _ARRAY_FIELDS}
        for s, i in self.sym_idx.items():
            _put(scols, i, None, self.static[s])
            for j in range(m):
                _put(cols, i, j, self.dyn[s])
        for (s, k), lim in self.dyn_pair.items():
            _put(cols, self.sym_idx[s], self.strat_col[k], lim)
        for a in list(cols.values()) + list(scols.values()):
            a.setflags(write=False)
        self.arrays, self.static_arrays = cols, scols

    def describe(self, sym: str, strategy: str = "*") -> dict[str, Any]:
        """The limits of (sym, strategy) for people (REST /limits, the console), in venue
        units like the tables they came from."""
        dyn, st = self.lookup(sym, strategy)
        if dyn is None:
            return {"sym": sym, "strategy": strategy, "known": False}
        row = self.rows.get((sym, strategy)) or self.rows.get((sym, "*"))
        in_force = self.source == "dynamic" and row is not None and sym not in self.stale
        return {"sym": sym, "strategy": strategy, "known": True, "source": self.source,
                "in_force": in_force, "heartbeat_ts": self.heartbeats.get(sym),
                "effective": _lim_dict(dyn if self.source == "dynamic" else st, sym,
                                       self.lots),
                "dynamic": _lim_dict(dyn, sym, self.lots),
                "static": _lim_dict(st, sym, self.lots),
                "model_row": None if row is None else {**row._asdict(),
                                                       "state": STATES[row.state]}}


def _static_lims(sc: StaticLimits, lots: Lots, risk_state: str) -> dict[str, Lim]:
    """{sym: static Lim} of the listed symbols and, where unknown symbols take the defaults,
    of every symbol whose lot is not 1 (the defaults in its lots)."""
    out = {s: static_lim(in_lots(lots, s, v), s in sc.restricted, sc.version, risk_state)
           for s, v in sc.symbols.items()}
    if sc.allow_unknown_symbols:
        for s in lots.fractional:
            if s not in out:
                out[s] = static_lim(in_lots(lots, s, sc.defaults), False, sc.version,
                                    risk_state)
    return out


_ARRAY_FIELDS = (("max_order_qty", np.int64), ("max_notional", np.float64),
                 ("price_band_bps", np.float64), ("max_position", np.int64),
                 ("fat_finger_threshold", np.float64), ("state", np.int8),
                 ("restricted", np.bool_))


def _put(cols: dict[str, np.ndarray], i: int, j: int | None, lim: Lim) -> None:
    idx = i if j is None else (i, j)
    for name, _ in _ARRAY_FIELDS:
        cols[name][idx] = getattr(lim, name)


def _lim_dict(lim: Lim, sym: str, lots: Lots) -> dict[str, Any]:
    """A Lim for people (REST /limits, the console): quantities back in venue units."""
    d = lim._asdict()
    lot = lots.lot(sym)
    if lot != 1.0:
        d["max_order_qty"] = lots.to_venue(sym, lim.max_order_qty)
        d["max_position"] = lots.to_venue(sym, lim.max_position)
        d["max_notional"] = float("%.15g" % (lim.max_notional * lot))
    d["state"] = STATES[lim.state]
    return d


def rows_from_arrow(tbl: Any) -> dict[tuple[str, str], DynRow]:
    """risk_limits Arrow table -> {(sym, strategy): DynRow}, keeping the latest ts per key."""
    out: dict[tuple[str, str], DynRow] = {}
    if tbl.num_rows == 0:
        return out
    d = tbl.to_pydict()
    ts = tbl.column("ts").cast("int64").to_pylist()
    for i in range(tbl.num_rows):
        key = (d["sym"][i], d["strategy"][i])
        row = DynRow(ts[i], _qty(d["max_order_qty"][i]), float(d["max_notional"][i]),
                     float(d["price_band_bps"][i]), _qty(d["max_position"][i]),
                     float(d["fat_finger_threshold"][i]), STATE_CODE.get(d["state"][i], HALTED),
                     d["reason"][i], d["model_version"][i])
        old = out.get(key)
        if old is None or row.ts >= old.ts:
            out[key] = row
    return out


def _qty(v: Any) -> int | float:
    """A quantity column's value (venue units): whole values as int, as BIGINT gave them."""
    v = float(v)
    return int(v) if v.is_integer() and abs(v) < 2.0**53 else v
