"""Shared bits of the front-end tests: a static rule set with two known symbols."""

import time
from pathlib import Path

from enforcer.config import EnforcerConfig
from enforcer.engine import Enforcer

STATIC_BODY = """
[defaults]
allow_unknown_symbols = false
reject_without_reference = true
max_order_qty = 1000
max_notional = 1_000_000.0
price_band_bps = 500.0
max_position = 5000
fat_finger_threshold = 25.0
[throttle]
rate_per_s = 100000
burst = 100000
[restricted]
symbols = []
"""


def static_text(syms: list[str], name: str = "fe-test") -> str:
    """The front-end tests' static rule set (no throttle to speak of) for ``syms``."""
    return f'name = "{name}"\n' + STATIC_BODY + "".join(f"[symbols.{s}]\n" for s in syms)


STATIC = static_text(["AAPL", "MSFT"])


def static_limits(tmp_path: Path) -> Path:
    p = tmp_path / "static_limits.toml"
    p.write_text(STATIC)
    return p


def make_enforcer(tmp_path: Path, store=None, **cfg) -> Enforcer:
    """A real engine over the two-symbol rule set, with AAPL quoted 99/101 and MSFT 199/201."""
    enf = Enforcer(EnforcerConfig(static_limits_path=static_limits(tmp_path), **cfg), store=store)
    return enf


def quote_all(sink) -> None:
    now = time.time_ns()
    sink("AAPL", 99.0, 101.0, now)
    sink("MSFT", 199.0, 201.0, now)
