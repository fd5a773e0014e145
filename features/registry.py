"""The feature registry: one definition per feature, and where its query lives per dialect.

Every feature has a name (its column), a description, a unit, a window and a query file per
dialect (paths relative to ``sql/<dialect>/``; q scripts live in ``sql/q/``). Market-state
features are computed together by one query per dialect (a shared dense bucket grid is what
makes them fast); order-level features by another. ``FEATURES`` keeps table column order.
"""

from __future__ import annotations

import dataclasses
import pathlib

from features.errors import MSG_UNKNOWN_FEATURE, FeatureError

SQL_ROOT = pathlib.Path(__file__).resolve().parent.parent / "sql"
DIALECTS = ("duckdb", "questdb", "q")

MARKET_FILES = {
    "duckdb": "features/market_state.sql",
    "questdb": "features/market_state.sql",
    "q": "features_market_state.q",
}
ORDER_FILES = {
    "duckdb": "features/order_features.sql",
    "questdb": "features/order_features.sql",
    "q": "features_orders.q",
}


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Feature:
    """One registered feature. ``kind`` is ``market`` (per sym per bucket) or ``order``."""

    name: str
    description: str
    unit: str
    window: str
    kind: str
    files: dict[str, str]

    def path(self, dialect: str) -> pathlib.Path:
        """Absolute path of this feature's query file in ``dialect``."""
        return SQL_ROOT / dialect / self.files[dialect]


def _m(name: str, description: str, unit: str, window: str) -> Feature:
    return Feature(name=name, description=description, unit=unit, window=window,
                   kind="market", files=MARKET_FILES)


def _o(name: str, description: str, unit: str, window: str) -> Feature:
    return Feature(name=name, description=description, unit=unit, window=window,
                   kind="order", files=ORDER_FILES)


MARKET: tuple[Feature, ...] = (
    _m("best_bid", "latest quote bid as of the bucket end (NULL: bid side empty)", "price", "as-of"),
    _m("best_ask", "latest quote ask as of the bucket end (NULL: ask side empty)", "price", "as-of"),
    _m("mid", "mid of the latest valid (two-sided, uncrossed) quote", "price", "as-of"),
    _m("locked_crossed", "latest quote has bid >= ask; such a quote sets no mid or spread",
       "flag", "as-of"),
    _m("spread_bps", "(ask - bid) / mid of the latest quote; NULL if locked, crossed or "
       "one-sided", "bps", "as-of"),
    _m("imbalance_l1", "(bid_sz1 - ask_sz1) / (bid_sz1 + ask_sz1) of the latest book snapshot",
       "ratio in [-1, 1]", "as-of"),
    _m("imbalance_l5", "same over the summed sizes of levels 1-5", "ratio in [-1, 1]", "as-of"),
    _m("book_pressure", "depth-weighted imbalance over 10 levels, weight 1/level: "
       "(sum b_i/i - sum a_i/i) / (sum b_i/i + sum a_i/i)", "ratio in [-1, 1]", "as-of"),
    _m("depth5_bid", "lots resting on bid levels 1-5", "lots", "as-of"),
    _m("depth5_ask", "lots resting on ask levels 1-5", "lots", "as-of"),
    _m("trade_count", "prints in the bucket", "count", "bucket"),
    _m("volume", "lots traded in the bucket", "lots", "bucket"),
    _m("signed_volume", "buyer- minus seller-initiated lots in the bucket", "lots", "bucket"),
    _m("quote_updates", "quote (top-of-book) rows in the bucket", "count", "bucket"),
    _m("quote_rate_1s", "quote updates per second over the trailing 1 s (fewer buckets at the "
       "open)", "1/s", "1 s"),
    _m("trade_to_order_1s", "trade-to-order ratio: prints per quote update over the trailing "
       "1 s; NULL without quote updates", "ratio", "1 s"),
    _m("ret_1s", "log return of mid over the last 1 s", "log-return", "1 s"),
    _m("ret_10s", "log return of mid over the last 10 s", "log-return", "10 s"),
    _m("rv_1m", "realized volatility: sqrt(sum r^2 / (n * width_s)) of the bucket mid "
       "log-returns r over the trailing 60 s (n returns present); x sqrt(23400*252) annualises",
       "1/sqrt(s)", "60 s"),
    _m("corr_ref_1m", "Pearson correlation of ret_1s with the reference symbol's ret_1s over "
       "the trailing 60 s of buckets (overlapping 1 s returns); NULL with < 2 pairs or a "
       "series that is exactly constant (a nearly constant one may round to +-1)",
       "ratio in [-1, 1]", "60 s"),
    _m("large_trade", "the bucket has a print larger than the 95th percentile of print sizes in "
       "the previous calendar minute", "flag", "1 min"),
    _m("liq_recovery_rate", "after the latest large trade within 10 s (bucket s): (depth5_t - "
       "depth5_s) / (depth5_{s-1} * elapsed_s), depth5 = bid + ask top-5 lots; how fast top-5 "
       "depth comes back", "fraction of pre-trade depth per s", "10 s"),
)

ORDER: tuple[Feature, ...] = (
    _o("qty_over_avg_trade", "qty / average print size over the 5 min before the order",
       "ratio", "5 min"),
    _o("qty_over_vol_20m", "qty / lots traded in the 20 min before the order", "ratio", "20 min"),
    _o("notional", "qty * limit price (the as-of mid for MARKET and CANCEL)", "currency", "-"),
    _o("price_dev_bps", "side-signed (price - mid) / mid; > 0 is more aggressive", "bps", "as-of"),
    _o("price_dev_vol", "side-signed ln(price / mid) / (rv_1m * sqrt(60 s)): deviation in "
       "1-minute standard deviations", "sigmas", "60 s"),
    _o("cross_bps", "how far a limit price crosses the book: buy max(price - ask, 0) / mid, "
       "sell max(bid - price, 0) / mid", "bps", "as-of"),
    _o("qty_z", "(qty - median) / (1.4826 MAD) over the trader's previous orders in the symbol "
       "(NULL with too little history or MAD 0)", "robust z", "previous N orders"),
    _o("price_z", "(price - median) / (1.4826 MAD) over the trader's previous limit prices in "
       "the symbol", "robust z", "previous N orders"),
    _o("qty_over_trader_median", "qty / median qty of the trader's previous orders in the "
       "symbol", "ratio", "previous N orders"),
    _o("qty_over_trader_max", "qty / largest qty of the trader's previous orders in the symbol "
       "(its own high quantile: a block trader's blocks are in it)", "ratio",
       "previous N orders"),
    _o("touch_dev_spreads", "side-signed distance of the limit price from the order's own "
       "touch (buy: price - bid, sell: ask - price) in quoted spreads: 0 joins the touch, 1 "
       "reaches the far touch, > 1 goes through the book (NULL: MARKET, no two-sided quote)",
       "spreads", "as-of"),
    _o("secs_since_open", "seconds since the session's latest open (exchange-local clock; "
       "an overnight session opened the evening before)", "s", "-"),
    _o("anomaly_score", "latest risk_scores.anomaly_score of the symbol at or before the order "
       "(NULL if none)", "score", "as-of"),
)

FEATURES: tuple[Feature, ...] = MARKET + ORDER
_BY_NAME = {f.name: f for f in FEATURES}


def get(name: str) -> Feature:
    """The registered feature called ``name``; raise FeatureError if there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise FeatureError(MSG_UNKNOWN_FEATURE.format(name=name, known=sorted(_BY_NAME))) from None


def names(kind: str | None = None) -> list[str]:
    """Registered feature names in table order, optionally only one ``kind``."""
    return [f.name for f in FEATURES if kind is None or f.kind == kind]
