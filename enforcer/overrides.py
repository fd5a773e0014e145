"""Manual limit overrides: rows of `limit_overrides` honoured by the limits snapshot.

An override in force (its latest row 'active', `expires_ts` ahead; read by the feed with
`queries/overrides_in_force.sql`) replaces ONE limit (`limit_name`, a risk_limits column) of
(sym, strategy) -- strategy '*' reaches every strategy of sym -- in the limits the order
path reads:

* the dynamic (effective) limit takes the override's value, capped at the static limit: a
  human may loosen what a model tightened, never past the static caps (SEC 15c3-5 floor);
* the static limit takes it only where it tightens (a human's tightening holds in shadow
  mode too, where the static verdict is enforced). Strategy overrides reach the dynamic
  side only: the static rule set has no per-strategy rows.

Overrides apply in `ts` order ('*' before strategy rows), so the newest of two on one limit
wins. The limit's version names the override (`<version>+<override_id>`), so each decision
row says which override it was taken under. Pure functions; the four-eyes workflow that
writes the rows lives in `enforcer.console.overrides`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

OVERRIDABLE = ("max_order_qty", "max_notional", "price_band_bps", "max_position")
_INT_FIELDS = frozenset({"max_order_qty", "max_position"})


class Override(NamedTuple):
    """One override in force. value in the limit's unit; ts / expires_ts UTC ns."""

    override_id: str
    sym: str
    strategy: str
    limit_name: str
    value: float
    ts: int
    expires_ts: int


def overrides_from_arrow(tbl: Any) -> tuple[Override, ...]:
    """`queries/overrides_in_force.sql` result -> Overrides sorted by (ts, override_id)."""
    if tbl.num_rows == 0:
        return ()
    d = tbl.to_pydict()
    out = [Override(str(d["override_id"][i]), str(d["sym"][i]), str(d["strategy"][i]),
                    str(d["limit_name"][i]), float(d["value"][i]), int(d["ts_ns"][i]),
                    int(d["expires_ns"][i]))
           for i in range(tbl.num_rows) if d["limit_name"][i] in OVERRIDABLE]
    return tuple(sorted(out, key=lambda o: (o.ts, o.override_id)))


def _value(field: str, v: float) -> float | int:
    return int(v) if field in _INT_FIELDS else float(v)


def _set(lim: Any, o: Override, cap: float, tighten_only: bool) -> Any:
    cur = getattr(lim, o.limit_name)
    v = min(o.value, cap)
    if tighten_only:
        v = min(v, cur)
    return lim._replace(**{o.limit_name: _value(o.limit_name, v),
                           "version": f"{lim.version}+{o.override_id}"})


def apply_overrides(snap: Any, overrides: Iterable[Override], lots: Any = None) -> None:
    """Apply `overrides` to a LimitsSnapshot being built (its `dyn`, `dyn_pair` and
    `static` dicts; before its arrays are built). Overrides of unknown symbols are
    ignored: an override cannot make a symbol tradable. An override's value and the static
    cap are in venue units, like risk_limits; `lots` (`enforcer.lots.Lots`, None: lot 1)
    puts both in the snapshot's units (lots) first."""
    ordered = sorted(overrides, key=lambda o: (o.strategy != "*", o.ts, o.override_id))
    sc = snap.static_cfg
    for o in ordered:
        s = sc.for_sym(o.sym)
        if s is None or o.sym not in snap.static:
            continue
        cap = float(getattr(s, o.limit_name))
        if lots is not None:
            cap = lots.limit(o.sym, o.limit_name, cap)
            o = o._replace(value=lots.limit(o.sym, o.limit_name, o.value))
        if o.strategy == "*":
            st = snap.static[o.sym]
            same = snap.dyn.get(o.sym) is st
            snap.static[o.sym] = _set(st, o, cap, tighten_only=True)
            snap.dyn[o.sym] = snap.static[o.sym] if same else _set(snap.dyn[o.sym], o, cap,
                                                                   tighten_only=False)
            for key in [k for k in snap.dyn_pair if k[0] == o.sym]:
                snap.dyn_pair[key] = _set(snap.dyn_pair[key], o, cap, tighten_only=False)
        else:
            key = (o.sym, o.strategy)
            base = snap.dyn_pair.get(key) or snap.dyn[o.sym]
            snap.dyn_pair[key] = _set(base, o, cap, tighten_only=False)


def in_force(overrides: Iterable[Override], sym: str, strategy: str) -> list[Override]:
    """The overrides reaching (sym, strategy): its own and its symbol's '*' ones."""
    return [o for o in overrides if o.sym == sym and o.strategy in ("*", strategy)]
