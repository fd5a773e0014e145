"""`SessionState`: messages a thread gathers (``hold``) while no connection is attached are
stored, and a connection attached before that batch is written first sees its Logon reply
first; the batch reaches it only by resend. A fill gathered on the venue thread while the
client was away was written on the new connection ahead of the Logon reply (a full-suite
run, 2026-11-30: the client's first message was 35=8, not 35=A)."""

from __future__ import annotations

import threading

from enforcer.fix import codec as C
from enforcer.fix.state import SessionState
from enforcer.fix.store import SessionStore


def _types(chunks: list[bytes]) -> list[bytes]:
    out = []
    for wire in b"".join(chunks).split(b"\x018=")[0:]:
        for field in wire.split(b"\x01"):
            if field.startswith(b"35="):
                out.append(field[3:])
    return out


def _state(tmp_path) -> SessionState:
    return SessionState(comp_id="ADAPTRISK", peer="OMS1", store=SessionStore(tmp_path / "s"),
                        clock=lambda: 1_782_135_000_000_000_000)


def test_held_batch_when_gathered_while_away_then_not_ahead_of_the_new_logon(tmp_path):
    st = _state(tmp_path)
    gathered, logged_on = threading.Event(), threading.Event()

    def venue():  # a batch of reports on the venue thread, released after the new logon
        st.hold()
        st.send("8", [(C.TEXT, "fill while away")])
        gathered.set()
        logged_on.wait(5)
        st.release()

    t = threading.Thread(target=venue)
    t.start()
    assert gathered.wait(5)
    wrote: list[bytes] = []
    with st.exclusive():  # the reader thread logs the client on
        assert st.attach(wrote.append, lambda: None)
        st.send("A", [(C.ENCRYPT_METHOD, 0), (C.HEARTBT_INT, 30)])
    logged_on.set()
    t.join(5)
    assert _types(wrote) == [b"A"]
    assert st.counters["stored_while_down"] == 1
    st.resend(1, 1)  # the client asks: the fill comes as a possible duplicate
    assert _types(wrote) == [b"A", b"8"] and b"\x0143=Y\x01" in wrote[-1]


def test_held_batch_when_gathered_for_the_attached_connection_then_written_in_order(tmp_path):
    st = _state(tmp_path)
    wrote: list[bytes] = []
    assert st.attach(wrote.append, lambda: None)
    st.hold()
    st.send("8", [(C.TEXT, "one")])
    st.send("8", [(C.TEXT, "two")])
    assert wrote == []  # gathered
    st.release()
    assert _types(wrote) == [b"8", b"8"] and st.counters["stored_while_down"] == 0
