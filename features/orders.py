"""Order-level features: one row per OMS order, as-of joined onto the stored market state.

Run ``features.build.build`` first: the order query reads the ``features`` table (market
state) and ``risk_scores``; it never reads the labels tables.
"""

from __future__ import annotations

import warnings

import pyarrow as pa

from features.config import DEFAULT_CONFIG, FeatureConfig
from features.errors import MSG_NO_MARKET_STATE, StaleFeaturesWarning
from tsdb.store import Store

ORDER_SQL = "features/order_features.sql"


def order_params(config: FeatureConfig, *, since_ns: int, until_ns: int) -> dict:
    """Bound parameters of ``order_features.sql``."""
    s = config.session
    return {
        "since": int(since_ns), "until": int(until_ns), "tz": s.tz,
        "open_s": float(s.open.hour * 3600 + s.open.minute * 60 + s.open.second),
        "n_hist": config.trader_history, "min_hist": config.trader_min_history,
    }


def order_features(
    store: Store, config: FeatureConfig = DEFAULT_CONFIG, *, since_ns: int | None = None,
    until_ns: int | None = None,
) -> pa.Table:
    """Order features for orders with ``since_ns < ts <= until_ns`` (None: unbounded).

    Returns one row per order, sorted by (ts, order_id): the order's own columns, the as-of
    ``mid`` and every registered ``order`` feature (see ``features.registry.ORDER``).
    """
    lo = -(2**62) if since_ns is None else int(since_ns)
    hi = 2**62 if until_ns is None else int(until_ns)
    if store.dialect == "duckdb":
        tbl = store.query_file(ORDER_SQL, order_params(config, since_ns=lo, until_ns=hi))
    else:  # QuestDB / kdb+: their own query text and bind arguments
        from features import dialect

        tbl = dialect.run(store, dialect.order_features_call(store.dialect, config,
                                                              since_ns=lo, until_ns=hi))
    if tbl.num_rows and tbl.column("mid").null_count == tbl.num_rows:
        warnings.warn(MSG_NO_MARKET_STATE.format(n=tbl.num_rows), StaleFeaturesWarning,
                      stacklevel=2)
    return tbl
