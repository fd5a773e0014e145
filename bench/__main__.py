"""Run benchmarks and write their medians to bench/results/<name>.json and README.md.

``python -m bench`` runs every ``bench/bench_*.py``; ``python -m bench store sim`` runs those.
Each module exposes ``run() -> list[dict]`` with keys bench, metric, value, unit, goal, met,
note; ``met`` is None for a row without a goal (read n/a). The README table between the
BENCH markers is rebuilt from all result files, so a partial run keeps the other
benchmarks' last figures (each row carries its own date); the demo block between the DEMO
markers from ``results/demo/summary.json`` (``bench.readme``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import subprocess
import sys

os.environ.setdefault("PYKX_UNLICENSED", "true")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

from bench import load, machine, readme  # noqa: E402

HERE = readme.HERE
RESULTS = readme.RESULTS


def run_one(name: str) -> int:
    """Run one benchmark module in this process and write its result file. The machine
    column carries the load average read before and after the run."""
    before = load()
    rows = importlib.import_module(f"bench.bench_{name}").run()
    after = load().removeprefix("load ")
    stamp = {"date": dt.date.today().isoformat(), "machine": f"{machine()}, {before} -> {after}"}
    for r in rows:
        r.update(stamp)
        value = "-" if r["value"] is None else f"{r['value']:.4g}"
        print(f"  {r['metric']}: {value} {r['unit']} (goal {r['goal']}: "
              f"{readme.met_text(r['met'])}) {r.get('note', '')}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


def main(argv: list[str]) -> int:
    """Each benchmark runs in a process of its own: the FIX and enforcer benchmarks leave
    threads and a lowered interpreter switch interval behind, which slowed the next
    benchmark in the same process a thousandfold (a 40 ms feature step measured 33 s)."""
    if argv[:1] == ["--one"]:
        return run_one(argv[1])
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    failed = 0
    for name in names:
        print(f"== bench {name}", flush=True)
        rc = subprocess.call([sys.executable, "-m", "bench", "--one", name], cwd=HERE.parent)
        if rc != 0:  # a broken benchmark must not hide the others' figures
            print(f"   bench {name} failed with exit code {rc}", flush=True)
            failed += 1
    write_readme()
    return 1 if failed else 0


def write_readme() -> None:
    readme.write_readme()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
