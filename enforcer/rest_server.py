"""Old import path of `enforcer.rest.server` (kept for callers; the same module object)."""

import sys

from enforcer.rest.server import __name__ as _name

sys.modules[__name__] = sys.modules[_name]
