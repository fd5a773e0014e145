"""Messages read at once are decided as a batch: one decision-log write, then one journal
write and one socket write; every decision is on disk before its acknowledgement."""

import time

from enforcer.decision_log import read_log
from enforcer.fix import codec as C
from enforcer.fix.acceptor import FixAcceptor
from enforcer.fix.client import new_order_fields
from enforcer.fix.config import FixConfig
from enforcer.fix.parser import FixFramer
from enforcer.fix.session import FixSession
from tests.unit.enforcer_fe.helpers import make_enforcer, quote_all


def _wire(msg_type, body, seq):
    return C.encode(msg_type, body, sender="OMS1", target="ADAPTRISK", seq=seq,
                    ts_ns=time.time_ns())


def test_on_bytes_when_eight_orders_in_one_read_then_decided_on_disk_before_one_write(
        tmp_path):
    log = tmp_path / "d.log"
    enf = make_enforcer(tmp_path, decision_log_path=log)
    acc = FixAcceptor(enf, config=FixConfig(port=0, downstream="none"))
    quote_all(acc.gateway.on_quote)
    writes = []

    def send(data: bytes) -> None:  # the socket: what is on disk when bytes go out
        decided = {r[17] for r in read_log(log, repair=False) if r[0] == "D"}
        acked = [m.get(C.CL_ORD_ID).decode() for m in FixFramer().feed(data)
                 if m.get(C.MSG_TYPE) == b"8"]
        writes.append((acked, all(f"OMS1\x01{a}" in decided for a in acked)))

    s = FixSession(comp_id="ADAPTRISK", send=send, app=acc.gateway, clock=time.time_ns,
                   registry=acc)
    s.on_bytes(_wire("A", [(98, 0), (108, 30), (141, "Y")], 1))
    batch = b"".join(_wire("D", new_order_fields(cl_ord_id=i, sym="AAPL", qty=1 + i,
                                                 price=95.0), 2 + i) for i in range(8))
    s.on_bytes(batch)
    assert writes[1] == ([str(i) for i in range(8)], True)  # one write, all on disk first
    assert len(writes) == 2 and acc.session_for("OMS1").store.next_in == 10
    acc.stop()
