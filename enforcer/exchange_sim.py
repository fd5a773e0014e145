"""Old import path of `enforcer.fix.exchange_sim` (kept for callers; the same module object)."""

import sys

from enforcer.fix.exchange_sim import __name__ as _name

sys.modules[__name__] = sys.modules[_name]
