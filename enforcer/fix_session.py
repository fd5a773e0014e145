"""Old import path of `enforcer.fix.session` (kept for callers; the same module object)."""

import sys

from enforcer.fix.session import __name__ as _name

sys.modules[__name__] = sys.modules[_name]
