"""Old import path of `enforcer.fix.config` (kept for callers; the same module object)."""

import sys

from enforcer.fix.config import __name__ as _name

sys.modules[__name__] = sys.modules[_name]
