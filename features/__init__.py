"""Features computed inside the store, as query files; Python passes parameters only.

    from features import FeatureConfig, build_features, order_features, registry
    with Store.from_conf("duckdb::path=data/adaptrisk.duckdb") as store:
        build_features(store, FeatureConfig())  # extend the features table (incremental)
        orders = order_features(store)          # one row per order, ASOF-joined (Arrow)

Queries: sql/duckdb/features/*.sql (first-class), sql/questdb/features/*.sql, sql/q/features*.q.
"""

from features.build import BuildReport, market_state, market_step
from features.build import build as build_features  # features.build stays the module
from features.config import DEFAULT_CONFIG, FeatureConfig
from features.errors import DegenerateFeatureWarning, FeatureError, StaleFeaturesWarning
from features.orders import order_features

__all__ = [
    "DEFAULT_CONFIG",
    "BuildReport",
    "DegenerateFeatureWarning",
    "FeatureConfig",
    "FeatureError",
    "StaleFeaturesWarning",
    "build_features",
    "market_state",
    "market_step",
    "order_features",
]
