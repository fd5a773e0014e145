"""Benchmarks (not timed tests): ``python -m bench [name ...]`` or ``make bench``."""

from __future__ import annotations

import os
import pathlib
import platform

# the real days, read in place from ../shared (never copied): LOBSTER samples of Nasdaq
# 2012-06-21, GOOG with 10 levels and AAPL at level 1
LOBSTER = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "lobster"
GOOG = LOBSTER / "LOBSTER_SampleFile_GOOG_2012-06-21_10.zip"
AAPL = LOBSTER / "LOBSTER_SampleFile_AAPL_2012-06-21_1.zip"


def machine() -> str:
    """Cores, CPU model and Python version, read from this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def load() -> str:
    """The 1-minute load average, read from this machine: on a machine shared with other
    jobs a load above the core count depresses the figures, and the table says so from
    this reading rather than from a typed note."""
    try:
        return f"load {os.getloadavg()[0]:.1f}"
    except OSError:
        return "load unknown"
