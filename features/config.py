"""Configuration of the feature layer: one frozen, keyword-only dataclass.

``FeatureConfig`` fixes the bucket grid and the history windows; durations carry their unit
in the field name (``_ns``). It rejects unknown fields and round-trips through a plain dict.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from features.errors import MSG_BAD_BUCKET, FeatureError
from tsdb.config import DEFAULT_SESSION

NS_PER_S = 1_000_000_000


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class FeatureConfig:
    """How features are bucketed and windowed.

    ``bucket_ns`` is the grid width (it must divide 1 s, so the 1 s / 10 s / 60 s windows are
    whole numbers of buckets). ``ref_sym`` is the reference symbol of ``corr_ref_1m`` (None:
    the alphabetically first symbol of each build day). ``trader_history`` is how many of a
    trader's previous orders (same symbol) feed the rolling median / MAD of the z-scores, and
    ``trader_min_history`` how many are needed before a z-score is given. ``max_grid_rows``
    caps the rows of one market-state query (a build runs in time chunks below it).
    """

    bucket_ns: int = 100_000_000
    ref_sym: str | None = None
    session: Any = DEFAULT_SESSION
    trader_history: int = 50
    trader_min_history: int = 5
    max_grid_rows: int = 4_000_000

    def __post_init__(self) -> None:
        w = self.bucket_ns
        if not isinstance(w, int) or w <= 0 or NS_PER_S % w:
            raise FeatureError(MSG_BAD_BUCKET.format(w=w))
        if self.trader_history < 1 or not 1 <= self.trader_min_history <= self.trader_history:
            raise FeatureError("need 1 <= trader_min_history <= trader_history")
        if self.max_grid_rows < 1_000:
            raise FeatureError("max_grid_rows must be >= 1000")

    # windows in buckets --------------------------------------------------------------------
    @property
    def n1s(self) -> int:
        return NS_PER_S // self.bucket_ns

    @property
    def n10s(self) -> int:
        return 10 * self.n1s

    @property
    def n1m(self) -> int:
        return 60 * self.n1s

    @property
    def lookback_buckets(self) -> int:
        """Buckets of history an emitted bucket's windows reach back: 60 s of 1 s returns."""
        return self.n1m + self.n1s + 1

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["session"] = self.session.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise FeatureError(f"unknown FeatureConfig fields {sorted(unknown)}")
        kw = dict(d)
        if "session" in kw and isinstance(kw["session"], dict):
            kw["session"] = session_from_dict(kw["session"])
        return cls(**kw)


def session_from_dict(d: dict[str, Any]) -> Any:
    """A calendar or an ``Instruments`` from its ``to_dict`` form."""
    from tsdb.calendars import calendar
    from tsdb.instruments import Instruments

    if "default_calendar" in d or "instrument" in d:
        return Instruments.from_dict(d)
    return calendar(d)


DEFAULT_CONFIG = FeatureConfig()
