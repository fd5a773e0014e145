"""Option hedging by reinforcement learning (issue 16): a gymnax environment of a book of
options hedged with shares (GBM or Heston paths, Kolm-Ritter costs and reward, a CVaR
objective), a Black-Scholes pricer, the classical hedges, and a no-trade-band agent
trained by analytic policy gradient, many seeds at once."""
