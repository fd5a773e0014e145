"""Pre-trade risk enforcer: limits cache, rules (single-order + jit batch), daemon core.

Imports `tsdb` only, never `jaxmodels`: the `risk_limits` table is the only interface.
"""
