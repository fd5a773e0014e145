"""Lot counts inside the enforcer, venue units at its edges (issue 17, fractional orders).

The engine, the rules, the jit kernel, positions and the decision log count quantities as
int64 numbers of the instrument's lot, so no sum is ever a float. Everything that crosses
the enforcer's edge is in VENUE units (0.05 BTC): FIX tag 38 / REST qty in, the
ExecutionReport quantities out, `orders.qty` and `decisions.qty`, and the limits the model
layer and the static TOML state (`risk_limits.max_order_qty` / `max_position`,
`fat_finger_limits.fat_finger_max_qty`). `Lots` converts at those edges with each symbol's
`lot_size` from a `tsdb.instruments.Instruments` table; a symbol not listed (and every
symbol without a table) has lot 1, where every conversion is the identity: a whole-lot
desk sees exactly what it saw before.

Rules of the conversions:
* inbound (`to_lots`): qty / lot is a lot count when it is within `tsdb.validate`'s grid
  tolerance of a whole number (the ingest check's rule, `grid_steps`); otherwise the
  quotient stays a float, which the BAD_QTY rule rejects (`why_bad` names the lot);
* outbound (`to_venue`): count x lot rounded to the lot's decimals (0.05, not
  0.05000000000000001), an int when whole;
* limits (`floor_lots`): maxima are floored to whole lots (the safe side) and capped at
  `QTY_MAX`; a notional cap is divided by the lot (`notional_cap`), because the rules
  compute notional as lots x price (price per venue unit).
"""

from __future__ import annotations

import decimal
import math
from pathlib import Path
from typing import Any

import numpy as np

from tsdb.instruments import Instruments
from tsdb.validate import grid_steps

QTY_MAX = 2**62  # a lot count at or above this is malformed (int64 sums cannot overflow)
# limits that are quantities: stated in venue units, held in whole lots (floored)
QTY_LIMITS = frozenset({"max_order_qty", "max_position", "fat_finger_max_qty"})


def lot_decimals(lot: float) -> int:
    """Decimals of the lot as written (1e-08 -> 8, 0.25 -> 2, 1.0 -> 0)."""
    exp = decimal.Decimal(repr(float(lot))).normalize().as_tuple().exponent
    return max(0, -int(exp))


class Lots:
    """Per-symbol lot sizes (venue units per lot) and the edge conversions. Immutable."""

    __slots__ = ("_lot", "_dec")

    def __init__(self, instruments: Instruments | None = None) -> None:
        ins = () if instruments is None else instruments.instruments
        self._lot: dict[str, float] = {i.sym: float(i.lot_size) for i in ins
                                       if float(i.lot_size) != 1.0}
        self._dec: dict[str, int] = {s: lot_decimals(v) for s, v in self._lot.items()}

    @classmethod
    def load(cls, path: str | Path | None) -> Lots:
        """From an instruments TOML/JSON file (`tsdb.instruments`); None: every lot is 1."""
        return cls(None if path is None else Instruments.load(path))

    def lot(self, sym: Any) -> float:
        """Venue units per lot of `sym` (1.0 when not listed)."""
        return self._lot.get(sym, 1.0) if type(sym) is str else 1.0

    @property
    def identity(self) -> bool:
        """True when every lot is 1 (every conversion is the identity)."""
        return not self._lot

    @property
    def fractional(self) -> dict[str, float]:
        """{sym: lot} of the symbols whose lot is not 1."""
        return dict(self._lot)

    # -- single values (front ends, limits) -------------------------------------------

    def to_lots(self, sym: Any, qty: Any) -> Any:
        """Venue units -> an int lot count; a qty off the lot grid (or not a finite number)
        comes back as a non-int (the BAD_QTY rule rejects it). Lot 1: a whole float becomes
        its int, anything else is returned as it is."""
        lot = self._lot.get(sym) if type(sym) is str else None
        if lot is None:
            if type(qty) is float and qty.is_integer() and abs(qty) < 2.0**53:
                return int(qty)
            return qty
        if type(qty) not in (int, float):
            return qty
        if not math.isfinite(qty):
            return float(qty)
        k, off = grid_steps(qty, lot)
        if off or abs(k) >= QTY_MAX:
            return float(qty) / lot
        return int(k)

    def to_venue(self, sym: Any, lots: Any) -> Any:
        """A lot count -> venue units, rounded to the lot's decimals (an int when whole);
        a non-int count (a BAD_QTY order's quotient) to 15 significant digits. Lot 1:
        unchanged."""
        lot = self._lot.get(sym) if type(sym) is str else None
        if lot is None or type(lots) not in (int, float):
            return lots
        if type(lots) is float:
            return float("%.15g" % (lots * lot))
        v = round(lots * lot, self._dec[sym])
        return int(v) if v.is_integer() and abs(v) < 2.0**53 else v

    def why_bad(self, sym: Any, qty: Any) -> str | None:
        """The lot named, for a finite qty (venue units) that is not a whole number of the
        symbol's lot: "qty 1.5e-08 is not a multiple of BTCUSD's lot_size 1e-08"; None
        otherwise (a lot-1 symbol, NaN or inf: BAD_QTY's own text says it all)."""
        lot = self._lot.get(sym) if type(sym) is str else None
        if (lot is None or type(qty) not in (int, float) or not math.isfinite(qty)
                or type(self.to_lots(sym, qty)) is int):
            return None
        return f"qty {qty!r} is not a multiple of {sym}'s lot_size {lot!r}"

    def floor_lots(self, sym: Any, qty: float) -> int:
        """A maximum in venue units -> whole lots, rounded down (safe side), at most
        `QTY_MAX`; a value on the grid within the ingest tolerance counts as on it."""
        lot = self.lot(sym)
        if lot == 1.0 and type(qty) is int:
            return max(0, min(qty, QTY_MAX))
        if not math.isfinite(qty) or qty >= QTY_MAX * lot:
            return QTY_MAX if qty > 0 else 0
        k, off = grid_steps(qty, lot)
        return int(k) if not off else math.floor(qty / lot)

    def notional_cap(self, sym: Any, max_notional: float) -> float:
        """A notional cap (currency) in the rules' units: lots x price, i.e. cap / lot."""
        lot = self.lot(sym)
        return max_notional if lot == 1.0 else max_notional / lot

    def limit(self, sym: Any, name: str, value: float) -> float | int:
        """Limit `name` (a risk_limits / fat_finger_limits column) of `sym` in the rules'
        units: quantity maxima floored to lots, the notional cap per lot, the rest as is."""
        if name in QTY_LIMITS:
            return self.floor_lots(sym, value)
        if name == "max_notional":
            return self.notional_cap(sym, float(value))
        return float(value)

    # -- columns (the replay) -------------------------------------------------------

    def lot_column(self, names: list[str], codes: np.ndarray) -> np.ndarray:
        """(N,) float64 lot per row of a `Codes` column (names, codes)."""
        per = np.array([self.lot(n) for n in names], np.float64) if names else np.ones(0)
        return per[codes] if len(per) else np.ones(len(codes))

    @staticmethod
    def to_lots_column(qty: np.ndarray, lot: np.ndarray) -> np.ndarray:
        """(N,) venue units -> (N,) int64 lot counts; off the grid, NaN or too large: 0
        (the batch path's malformed qty, BAD_QTY)."""
        k, off = grid_steps(qty, lot)
        ok = ~off & (np.abs(k) < QTY_MAX)
        return np.where(ok, k, 0).astype(np.int64)

    @staticmethod
    def floor_column(qty: np.ndarray, lot: np.ndarray) -> np.ndarray:
        """(N,) maxima in venue units -> (N,) int64 whole lots, floored, in [0, QTY_MAX]."""
        q = np.asarray(qty, np.float64)
        k, off = grid_steps(q, lot)
        with np.errstate(invalid="ignore", over="ignore"):
            n = np.where(off, np.floor(q / lot), k)
        n = np.where(np.isnan(n), 0.0, n)
        return np.clip(n, 0, QTY_MAX).astype(np.int64)
