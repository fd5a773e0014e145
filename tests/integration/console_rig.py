"""A real daemon for the console's browser tests and benchmark: an in-process Enforcer over a
real DuckDB file, its FIX acceptor (real sockets, the built-in venue), the REST app with
the console mounted, served by uvicorn; and headless Chromium driven by selenium through
Debian's chromedriver (never a browser download: without /usr/bin/chromium the tests skip).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import pyarrow as pa

from enforcer.config import EnforcerConfig
from enforcer.console.app import mount_console
from enforcer.console.config import ConsoleConfig
from enforcer.console.service import Console
from enforcer.engine import Enforcer
from enforcer.fix.acceptor import FixAcceptor
from enforcer.fix.config import FixConfig
from enforcer.rest.app import create_app
from enforcer.rest.config import RestConfig
from enforcer.rest.server import RestServer
from tests.unit.enforcer_fe.helpers import static_text
from tsdb import Store

USERS = {"viewer": ("vic", "tok-viewer-0001"), "operator": ("olga", "tok-operator-01"),
         "operator2": ("otto", "tok-operator-02"), "approver": ("anna", "tok-approver-01")}


def chromium_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver) from Debian's packages, or None."""
    b = shutil.which("chromium") or shutil.which("chromium-browser")
    d = shutil.which("chromedriver")
    return (b, d) if b and d else None


def browser(width: int = 1500, height: int = 950):
    """Headless Chromium through Debian's chromedriver (selenium; no Selenium Manager)."""
    from selenium import webdriver

    paths = chromium_paths()
    assert paths is not None, "no chromium / chromedriver"
    opts = webdriver.ChromeOptions()
    opts.binary_location = paths[0]
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              f"--window-size={width},{height}"):
        opts.add_argument(a)
    return webdriver.Chrome(options=opts, service=webdriver.ChromeService(paths[1]))


def limits_rows(ts: int, syms: list[str], max_order_qty: int, reason: str = "test") -> pa.Table:
    n = len(syms)
    return pa.table({
        "ts": pa.array([ts] * n, pa.timestamp("ns")), "sym": syms, "strategy": ["*"] * n,
        "max_order_qty": [max_order_qty] * n, "max_notional": [500_000.0] * n,
        "price_band_bps": [200.0] * n, "max_position": [3000] * n,
        "fat_finger_threshold": [10.0] * n, "state": ["ACTIVE"] * n, "reason": [reason] * n,
        "model_version": ["vae-test"] * n})


def heartbeat_rows(ts: int, syms: list[str]) -> pa.Table:
    n = len(syms)
    t = pa.array([ts] * n, pa.timestamp("ns"))
    return pa.table({"ts": t, "sym": syms, "publisher": ["test"] * n,
                     "model_version": ["vae-test"] * n, "market_ts": t, "published_ts": t})


class Rig:
    """Everything a console test needs; `close()` stops it all."""

    def __init__(self, tmp: Path, syms: list[str], *, mode: str = "enforce",
                 push_interval_s: float = 0.1, history_s: float = 600.0) -> None:
        static = tmp / "static.toml"
        static.write_text(static_text(syms, "console-test"))
        self.syms = syms
        self.store = Store.from_conf(f"duckdb::path={tmp / 'console.duckdb'}")
        self.enf = Enforcer(EnforcerConfig(
            static_limits_path=static, decision_log_path=tmp / "d.log", mode=mode,
            staleness_bound=dt.timedelta(hours=1)), store=self.store.sibling())
        self.acc = FixAcceptor(self.enf, config=FixConfig(port=0))
        self.acc.start()
        now = time.time_ns()
        for s in syms:
            self.acc.gateway.on_quote(s, 99.0, 101.0, now)
        self.acc.venue.drain()
        cfg = ConsoleConfig.from_dict({
            "users": [{"name": n, "role": r.rstrip("2"), "token": t}
                      for r, (n, t) in USERS.items()],
            "push_interval_s": push_interval_s, "history_s": history_s})
        self.console = Console(self.enf, config=cfg, store=self.store,
                               cancel_open=self.acc.gateway.cancel_open)
        app = create_app(self.enf, config=RestConfig(token="rest-token-123"),
                         on_quote=self.acc.gateway.on_quote)
        mount_console(app, self.console)
        self.enf.start()
        self.server = RestServer(app)
        self.port = self.server.start()
        self.base = f"http://127.0.0.1:{self.port}"

    def publish(self, max_order_qty: int, syms: list[str] | None = None,
                reason: str = "test") -> int:
        """A publisher's write: risk_limits rows and heartbeats; returns the row ts."""
        ts = time.time_ns()
        syms = syms or self.syms
        self.store.append_limits(limits_rows(ts, syms, max_order_qty, reason))
        self.store.ingest("publisher_heartbeat", heartbeat_rows(ts, syms), session=None)
        return ts

    def login(self, driver, role: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        driver.get(self.base + "/console/login")
        driver.find_element(By.ID, "token").send_keys(USERS[role][1])
        driver.find_element(By.ID, "signin").click()
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "board"))

    def close(self) -> None:
        self.server.stop()
        self.acc.stop()
        self.enf.stop()
        self.store.close()
