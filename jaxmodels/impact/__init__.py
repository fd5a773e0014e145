"""Market impact (issue 15): realised-slippage labels, a monotone quantile network, the
square-root and Almgren baselines, and the actions written back as tables (the impact size
cap folded into ``risk_limits`` and ``exec_advice``)."""
