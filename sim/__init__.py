"""Seeded market + OMS order-flow simulator with labelled stress scenarios.

Usage::

    from sim import simulate, SimConfig, SCENARIOS
    res = simulate(SimConfig(scenario="flash_crash", n_symbols=3, minutes=60.0, seed=7))
    res.tables()        # {"trades", "quotes", "book", "orders", "labels_orders", "labels_events"}
    res.n_book_events   # limit / market / cancel events the LOB engine processed

Same config => bit-identical tables. Schemas equal ``sql/duckdb/*.sql`` (``sim.SCHEMAS``).
The session opens at 09:30 America/New_York on ``session_date`` (a weekday); every
timestamp is UTC ns in ``[open, open + minutes]``.

Model (per symbol)
------------------
* **Order book.** An event-by-event limit order book on a tick grid with aggregate queue
  sizes per level (``sim.engine``, one numba loop, ~4M events/s). Zero-intelligence flow
  in the Santa Fe tradition (Farmer, Patelli & Zovko 2005): limit orders on each side at
  ``limit_rate``/s, priced ``dmin + floor(Exp(place_scale_ticks))`` ticks behind the far
  touch (never crossing; they may improve the spread), lognormal sizes around
  ``limit_size_median`` lots; market orders at ``market_rate``/s per side, lognormal around
  ``market_size_median``, sweeping level by level (one trade print per level, at that
  level's price); cancellations with hazard ``cancel_rate`` per resting lot, the level drawn
  in proportion to its volume. A side thinner than ``refill_lots`` gets up to
  ``1 + refill_boost`` times the limit inflow (providers refill a thin book). With the
  defaults, level-1 queues hold ~40 lots and the best five bid levels ~230 lots, the spread
  is 1 tick most of the time, and a 100-lot market order is big but survivable.
* **Latent state.** A log-activity factor ``h`` (Gaussian AR(1) on a 1-s grid, stationary
  sd ``vol_of_vol``, half-life ``vol_half_life_s``) and an order-flow imbalance factor
  ``f`` (half-life ``flow_half_life_s``): ``P(market buy) = 0.5 + flow_imbalance *
  tanh(f)``. Both are ``sqrt(c) * common + sqrt(1 - c) * own`` with ``c`` =
  ``common_vol_share`` / ``common_flow_share``, so symbols share volatility regimes and
  part of their direction (returns are cross-correlated).
* **Intraday U-shape.** ``U(m) = 1 + u_open_amp * exp(-m / tau) + u_close_amp *
  exp(-(390 - m) / tau)`` for minute ``m`` of the full session (``tau`` = ``u_tau_minutes``;
  a 24/7 session longer than 390 minutes, up to 1,440, has its close term at its end).
* **Rates.** With activity ``A = U * exp(h - vol_of_vol**2 / 2)``, market orders scale
  with ``A`` and limit inflow and cancel hazard with ``A**0.6``: busy periods eat the book
  faster than it refills, so spreads widen with volatility. Mixing over ``h`` gives
  heavy-tailed 1-minute returns; its persistence gives volatility clustering.
* **Firm OMS flow** (``sim.oms``): ``oms_orders_per_min`` per symbol (times the U-shape)
  from 8 traders in 4 strategies (MM, MOMO, STATARB, EXEC), each with its own lognormal size
  law (medians 5-45 lots), MARKET share and habit of pricing limits behind or through the
  touch in force. A share ``fat_finger_rate`` of orders is replaced (same order_id) by an
  error: qty x10 / x100 / x1000, price shifted a decimal place, a limit 5-20 % through the
  far touch, or the notional typed as quantity; the truth goes to ``labels_orders`` only.
  Ordinary firm orders do not hit the simulated book.

Scenarios (``SCENARIOS``; the regime applies to ``stress_symbol``, others stay normal;
onset ``onset_minute``, default 60 % through the session):

* ``normal``: no overlay.
* ``volatile``: activity x3 for ``stress_minutes`` (label ``high_volatility``).
* ``liquidity_withdrawal``: limit inflow x0.45, cancel hazard x3, placements 3x deeper for
  ``stress_minutes`` (label ``liquidity_withdrawal``): thin depth, wide spread.
* ``flash_crash`` (the stress symbol opens at ``stress_open_price``, calibrated at 40.00):
  trader ``T_SELLER`` / ``EXEC_SELL`` sends 100-lot MARKET sell clips every 1.0-2.0 s for
  25 s and one 200-lot MARKET sell 20-45 s after onset; they are OMS orders *and* hit the
  book. Over the first 30 s providers flicker quotes (limit inflow x12, cancel hazard
  x45/x22) and lean them down (bids >= 4 ticks, asks >= 3 ticks from the far touch), other
  takers step back and lean to selling; 30-60 s stressed; 60-180 s a buy-leaning recovery.
  Measured on seeds 1-30 (``n_symbols=2, minutes=60``): the mid falls 1.2-3.2 % (median
  2.0 %), the low reached 29-59 s after onset (median 38 s); 30-90 % of the loss is back by
  180 s; spread 1 -> 3 ticks; bid top-5 depth ~225 -> ~85 lots; the onset minute's realized
  vol 3-14x (median 6x) the prior 20 minutes'; trades per top-of-book update 0.35 -> 0.12
  (medians). Labels: ``flash_crash``, ``aggressive_seller``, ``large_order``.

``sim.measure`` holds the numpy measurements (minute bars, book arrays) the tests use.
"""

from sim.config import SCENARIOS, SimConfig
from sim.errors import SimCapacityWarning, SimConfigError
from sim.simulate import SimResult, session_open_ns, simulate
from sim.tables import SCHEMAS, TABLE_NAMES

__all__ = [
    "SCENARIOS", "SCHEMAS", "TABLE_NAMES", "SimCapacityWarning", "SimConfig", "SimConfigError",
    "SimResult", "session_open_ns", "simulate",
]
