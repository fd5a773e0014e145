"""Mount the risk officer's console (enforcer.console) on a daemon's REST app.

Users come from a JSON file (`--console-users PATH`, else the file named by the
ADAPTRISK_CONSOLE_USERS environment variable): {"users": [{"name", "role", "token"}]}, roles
viewer / operator / approver; keep it 0600. Without one, the REST bearer token (if any)
signs in as user 'admin' with role approver (a second approver is needed for loosenings).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from adaptrisk.errors import UsageError

ENV = "ADAPTRISK_CONSOLE_USERS"


def add_console_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--console-users", metavar="PATH",
                   help=f"console users JSON (default: ${ENV}; without it the REST token "
                   "signs in as 'admin', an approver)")


def console_config(path: str | None, token: str | None, models_root: str | None):
    from enforcer.console.config import ConsoleConfig
    from enforcer.errors import ConfigError

    path = path or os.environ.get(ENV)
    try:
        if path:
            cfg = ConsoleConfig.load(path)
        else:
            users = [{"name": "admin", "role": "approver", "token": token}] if token else []
            cfg = ConsoleConfig.from_dict({"users": users})
    except ConfigError as e:
        raise UsageError(str(e)) from None
    if models_root and cfg.registry is None:
        cfg = ConsoleConfig.from_dict({**cfg.to_dict(), "registry": models_root})
    return cfg


def mount(app: Any, enforcer: Any, store: Any, gateway: Any, *, users: str | None,
          token: str | None, models_root: str | None = "data/models") -> Any:
    """Build the Console over the engine, its store and the FIX gateway's venue cancel path
    and serve it at /console on `app`; returns the Console."""
    from enforcer.console.app import mount_console
    from enforcer.console.models import ModelDesk
    from enforcer.console.service import Console

    cfg = console_config(users, token, models_root)
    models = ModelDesk(Path(cfg.registry), store) if cfg.registry else None
    console = Console(enforcer, config=cfg, store=store, models=models,
                      cancel_open=gateway.cancel_open if gateway is not None else None)
    mount_console(app, console)
    return console
