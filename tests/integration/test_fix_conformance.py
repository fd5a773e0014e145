"""Conformance: a real third-party FIX engine (QuickFIX 1.16, the `quickfix` package, a
test extra) as the initiator, with its default settings: persistent message store, sequence
numbers kept across logons (no ResetOnLogon), the stock FIX 4.4 data dictionary. Only the
acceptor is told to leave our custom tags 8011-8013 off this counterparty's reports
(`FixConfig.standard_only`), because the stock dictionary rejects unknown tags -- or the
initiator gets the stock dictionary merged with ours (`enforcer.fix.dictionary`), and then
validates reports that carry them.

Covered: logon with kept sequence numbers; fills during a disconnect delivered on
reconnect (QuickFIX asks for the resend itself); a PossDupFlag=Y resend of a decided order
gets the original decision; kill -9 of the daemon mid-stream and a restart with QuickFIX
reconnecting on its own, after which an OrderStatusRequest for every order it sent is
answered and the decision log holds exactly one decision per ClOrdID.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from enforcer.decision_log import read_log
from enforcer.fix.acceptor import FixAcceptor
from enforcer.fix.config import FixConfig
from enforcer.fix.dictionary import merge
from tests.unit.enforcer_fe.helpers import make_enforcer, quote_all, static_limits

fix = pytest.importorskip("quickfix", reason="quickfix (test extra) not installed")

ROOT = Path(__file__).resolve().parents[2]
SENDER = "QFIX"
SPEC = Path(fix.__file__).resolve().parents[3] / "share" / "quickfix" / "FIX44.xml"


def _spec() -> Path:
    for p in (SPEC, Path(sys.prefix) / "share" / "quickfix" / "FIX44.xml"):
        if p.exists():
            return p
    pytest.skip("quickfix's FIX44.xml not found")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App(fix.Application):
    """Collects every application message QuickFIX hands up, as {tag: value} dicts."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.msgs: list[dict[int, str]] = []
        self.logons = 0
        self.session = None

    def onCreate(self, sid):  # noqa: N802 -- QuickFIX's names
        self.session = sid

    def onLogon(self, sid):  # noqa: N802
        with self.lock:
            self.logons += 1

    def onLogout(self, sid):  # noqa: N802
        pass

    def toAdmin(self, msg, sid):  # noqa: N802
        pass

    def fromAdmin(self, msg, sid):  # noqa: N802
        pass

    def toApp(self, msg, sid):  # noqa: N802
        pass

    def fromApp(self, msg, sid):  # noqa: N802
        d = {int(t): v for t, _, v in (f.partition("=") for f in
                                       msg.toString().split("\x01") if f)}
        with self.lock:
            self.msgs.append(d)

    def reports(self, cl: str | None = None) -> list[dict[int, str]]:
        with self.lock:
            return [m for m in self.msgs if m.get(35) == "8" and (cl is None or m[11] == cl)]

    def wait(self, pred, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return True
            time.sleep(0.02)
        return pred()


class Initiator:
    """A QuickFIX SocketInitiator with default settings and a file store under `d`."""

    def __init__(self, d: Path, port: int, *, sender: str = SENDER,
                 dictionary: Path | None = None) -> None:
        d.mkdir(parents=True, exist_ok=True)
        cfg = d / "initiator.cfg"
        cfg.write_text(textwrap.dedent(f"""\
            [DEFAULT]
            ConnectionType=initiator
            ReconnectInterval=1
            FileStorePath={d / 'store'}
            FileLogPath={d / 'log'}
            StartTime=00:00:00
            EndTime=00:00:00
            HeartBtInt=30
            SocketConnectHost=127.0.0.1
            SocketConnectPort={port}
            DataDictionary={dictionary or _spec()}
            [SESSION]
            BeginString=FIX.4.4
            SenderCompID={sender}
            TargetCompID=ADAPTRISK
            """))
        self.app = App()
        settings = fix.SessionSettings(str(cfg))
        self._init = fix.SocketInitiator(self.app, fix.FileStoreFactory(settings), settings,
                                         fix.FileLogFactory(settings))

    def start(self, logons: int = 1) -> Initiator:
        self._init.start()
        assert self.app.wait(lambda: self.app.logons >= logons), "QuickFIX did not log on"
        return self

    def stop(self) -> None:
        """Stop and free it: QuickFIX keeps one Session object per SessionID registered
        until its initiator is destroyed, and sendToTarget would find the stale one."""
        if self._init is not None:
            self._init.stop()
            self._init = None
            gc.collect()

    def send(self, msg_type: str, fields: list[tuple[int, object]], header=()) -> None:
        m = fix.Message()
        m.getHeader().setField(35, msg_type)
        for t, v in header:
            m.getHeader().setField(t, str(v))
        for t, v in fields:
            m.setField(t, str(v))
        assert fix.Session.sendToTarget(m, self.app.session)


def _order(qf: Initiator, cl, qty=1, price=95.0, header=()) -> None:
    qf.send("D", [(11, cl), (55, "AAPL"), (54, "1"), (38, qty), (40, "2"), (44, price),
                  (60, time.strftime("%Y%m%d-%H:%M:%S.000", time.gmtime()))], header)


def _status_request(qf: Initiator, cl) -> None:
    qf.send("H", [(11, cl), (55, "AAPL"), (54, "1")])


def _decisions(log: Path) -> list:
    return [r for r in read_log(log) if r[0] == "D"]


@pytest.fixture
def daemon(tmp_path):
    """An in-process engine + acceptor with a decision log (sessions persist beside it)."""
    enf = make_enforcer(tmp_path, decision_log_path=tmp_path / "d.log")
    acc = FixAcceptor(enf, config=FixConfig(port=_free_port(),
                                            standard_only=frozenset({SENDER})))
    acc.start()
    quote_all(acc.gateway.on_quote)
    yield enf, acc
    acc.stop()
    enf.stop()


def test_quickfix_when_reconnecting_with_kept_seqnums_then_logon_accepted_and_trading_goes_on(
        daemon, tmp_path):
    _enf, acc = daemon
    qf = Initiator(tmp_path / "qf", acc.port).start()
    _order(qf, "K-1", price=102.0)  # marketable: new + fill
    assert qf.app.wait(lambda: len(qf.app.reports("K-1")) == 2)
    qf.stop()
    qf2 = Initiator(tmp_path / "qf", acc.port).start()  # same store: seqnums kept
    assert acc.session_for(SENDER).store.next_in > 2  # no reset happened
    _order(qf2, "K-2")
    assert qf2.app.wait(lambda: [m[150] for m in qf2.app.reports("K-2")] == ["0"])
    qf2.stop()


def test_quickfix_when_filled_while_disconnected_then_fill_delivered_on_reconnect(
        daemon, tmp_path):
    _enf, acc = daemon
    qf = Initiator(tmp_path / "qf", acc.port).start()
    _order(qf, "F-1", qty=3, price=100.0)  # rests below the ask (101)
    assert qf.app.wait(lambda: len(qf.app.reports("F-1")) == 1)
    qf.stop()
    acc.gateway.on_quote("AAPL", 98.0, 99.5, time.time_ns())  # crosses while away
    acc.venue.drain()
    qf2 = Initiator(tmp_path / "qf", acc.port).start()
    assert qf2.app.wait(lambda: any(m[150] == "F" for m in qf2.app.reports("F-1")))
    fill = next(m for m in qf2.app.reports("F-1") if m[150] == "F")
    assert (fill[43], fill[39], fill[14]) == ("Y", "2", "3") and 122 in fill
    qf2.stop()


def test_quickfix_when_decided_order_resent_possdup_then_original_decision(daemon, tmp_path):
    _enf, acc = daemon
    qf = Initiator(tmp_path / "qf", acc.port).start()
    _order(qf, "P-1", qty=5000)  # MAX_QTY
    assert qf.app.wait(lambda: len(qf.app.reports("P-1")) == 1)
    now = time.strftime("%Y%m%d-%H:%M:%S.000", time.gmtime())
    _order(qf, "P-1", qty=1, header=[(43, "Y"), (122, now)])  # a resend, new MsgSeqNum
    assert qf.app.wait(lambda: len(qf.app.reports("P-1")) == 2)
    first, again = qf.app.reports("P-1")
    assert (first[39], again[39]) == ("8", "8") and "MAX_QTY" in again[58]
    assert again[38] == "5000"  # the original order, not the resent fields
    assert len(_decisions(tmp_path / "d.log")) == 1
    qf.stop()


def test_quickfix_when_given_our_dictionary_then_validates_reports_with_8011_to_8013(
        daemon, tmp_path):
    _enf, acc = daemon  # "QFIXDD" is not in standard_only: its reports carry 8011-8013
    dd = merge(_spec(), tmp_path / "FIX44-adaptrisk.xml")
    qf = Initiator(tmp_path / "qf", acc.port, sender="QFIXDD", dictionary=dd).start()
    _order(qf, "D-1", price=102.0)  # new + fill
    _order(qf, "D-2", qty=5000)  # MAX_QTY
    assert qf.app.wait(lambda: len(qf.app.reports()) == 3)
    new, fill, rej = (next(m for m in qf.app.reports() if (m[11], m[150]) == k)
                      for k in (("D-1", "0"), ("D-1", "F"), ("D-2", "8")))
    assert (new[8011], new[8013], rej[8011]) == ("Normal", "enforce", "Normal")
    assert fill[8011] == "Normal" and new[8012]
    qf.stop()


def test_quickfix_when_stock_dictionary_and_custom_tags_then_reports_refused(daemon,
                                                                              tmp_path):
    _enf, acc = daemon  # why standard_only or our dictionary is needed: the stock one
    qf = Initiator(tmp_path / "qf", acc.port, sender="QFIXDD").start()
    _order(qf, "S-1", price=102.0)
    assert not qf.app.wait(lambda: len(qf.app.reports()) > 0, timeout=2.0)
    qf.stop()


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from enforcer.config import EnforcerConfig
    from enforcer.engine import Enforcer
    from enforcer.fix.acceptor import FixAcceptor
    from enforcer.fix.config import FixConfig
    d, port, static = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    enf = Enforcer(EnforcerConfig(static_limits_path=static, decision_log_path=d / "d.log",
                                  breaker_rejects_per_s=0))
    acc = FixAcceptor(enf, config=FixConfig(port=port, standard_only=frozenset({"QFIX"})))
    acc.start()
    now = time.time_ns()
    acc.gateway.on_quote("AAPL", 99.0, 101.0, now)
    print("ready", flush=True)
    while True:
        time.sleep(1)
""")


def _spawn(d: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu"}
    p = subprocess.Popen([sys.executable, "-c", CHILD, str(d), str(port),
                          str(static_limits(d))], env=env, stdout=subprocess.PIPE, cwd=ROOT)
    assert p.stdout.readline().strip() == b"ready"
    return p


@pytest.mark.slow
def test_quickfix_when_daemon_killed_and_restarted_then_every_order_status_and_one_decision_each(
        tmp_path):
    n = 1000
    port = _free_port()
    child = _spawn(tmp_path, port)
    qf = None
    try:
        qf = Initiator(tmp_path / "qf", port).start()
        for i in range(n):
            _order(qf, f"C-{i}", price=95.0 + (i % 50) / 100)
        qf.app.wait(lambda: len(qf.app.reports()) >= n // 4, timeout=30)
        child.send_signal(signal.SIGKILL)  # mid-stream
        child.wait()
        answered_before = {m[11] for m in qf.app.reports()}
        child = _spawn(tmp_path, port)
        assert qf.app.wait(lambda: qf.app.logons >= 2, timeout=30), "no reconnect"
        # QuickFIX resends what the daemon never processed (PossDupFlag=Y); then ask
        # for the status of every order it sent
        qf.app.wait(lambda: len({m[11] for m in qf.app.reports()}) >= n, timeout=30)
        for i in range(n):
            _status_request(qf, f"C-{i}")
        assert qf.app.wait(lambda: len({m[11] for m in qf.app.reports() if m[150] == "I"})
                           >= n, timeout=60)
        status = {m[11]: m for m in qf.app.reports() if m[150] == "I"}
        unknown = [c for c, m in status.items() if m.get(103) == "5"]
        assert unknown == [] and len(status) == n
        decided = _decisions(tmp_path / "d.log")
        ids = [r[17] for r in decided]
        assert len(ids) == len(set(ids)) == n  # one decision per ClOrdID, none lost
        verdict = {r[17].split("\x01")[1]: "0" if r[11] == 0 else "8" for r in decided}
        assert {c: m[39] for c, m in status.items()} == verdict  # the status is the log's
        assert len(answered_before) < n  # the kill did land mid-stream
    finally:
        if qf is not None:
            qf.stop()
        child.send_signal(signal.SIGKILL)
        child.wait()
