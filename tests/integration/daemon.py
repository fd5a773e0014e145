"""Start an `adaptrisk` daemon as a real subprocess and wait for its ready line."""

from __future__ import annotations

import re
import select
import subprocess
import sys
import time


def start(args: list[str], ready: re.Pattern, env: dict,
          timeout: float = 120.0) -> tuple[subprocess.Popen, re.Match]:
    """Run ``python -m adaptrisk ARGS``; return the process and the match of ``ready`` on its
    first stdout line that matches. A process that exits or stays silent fails the test with
    the tail of its stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "adaptrisk", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        readable, _, _ = select.select([proc.stdout], [], [], 1.0)
        if readable:
            m = ready.search(proc.stdout.readline().decode())
            if m:
                return proc, m
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"{args[0]} did not start: {proc.stderr.read()[-3000:]!r}")
