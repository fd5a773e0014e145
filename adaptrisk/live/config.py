"""Configuration of ``adaptrisk live``: one frozen, keyword-only dataclass."""

from __future__ import annotations

import dataclasses
from pathlib import Path

ROLES = ("all", "intake", "calibrator", "enforcer")
MODES = ("enforce", "shadow", "ab")


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class LiveConfig:
    """One live process.

    db: store connection string (``duckdb::path=FILE``: this process owns the file).
    feed: ``replay:PATH`` (a recorded session: a DuckDB file or a folder of parquet files,
        replayed in event time at ``speed`` x real time) or ``push`` (rows are posted to
        ``/store/ingest/{table}``; the market clock is the newest row pushed).
    role: ``all`` (intake, calibrator and enforcer in this process: the only role on DuckDB)
        or one part alone against a server store (QuestDB, kdb+).
    ports: 0 picks a free port; ``pg_port`` None serves no PG wire.
    exit_at_end: stop once a replay has been judged to its last bucket.
    """

    db: str
    feed: str = "push"
    speed: float = 1.0
    role: str = "all"
    mode: str = "enforce"
    fix_port: int = 9878
    http_port: int = 8080
    pg_port: int | None = 5433
    token: str | None = None
    token_env: str | None = None  # named in <file>.live.json so local clients find the token
    log: Path | None = None
    static_limits: Path | None = None
    instruments: Path | None = None  # the enforcer's lot sizes (EnforcerConfig.instruments_path)
    models_root: str = "data/models"
    downstream: str = "sim"
    exit_at_end: bool = False
    symbol: str | None = None
    start_ns: int | None = None  # replay clock start (None: the first event)
    fix: object | None = None  # enforcer FixConfig (None: fix_port and downstream alone)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {self.role!r}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if not self.speed > 0:
            raise ValueError(f"speed must be > 0, got {self.speed}")
        if not (self.feed == "push" or self.feed.startswith("replay:")):
            raise ValueError(f"feed must be 'push' or 'replay:PATH', got {self.feed!r}")
        for name in ("fix_port", "http_port", "pg_port"):
            v = getattr(self, name)
            if v is not None and not 0 <= v <= 65535:
                raise ValueError(f"{name.replace('_', '-')} must be in [0, 65535], got {v}")

    @property
    def replay_source(self) -> str | None:
        return self.feed.removeprefix("replay:") if self.feed.startswith("replay:") else None

    @property
    def runs(self) -> frozenset[str]:
        """The parts this process runs: {'intake', 'calibrator', 'enforcer'}."""
        return frozenset(ROLES[1:]) if self.role == "all" else frozenset({self.role})
