"""Run benchmarks and write their medians to bench/results/<name>.json and README.md.

``python -m bench`` runs every ``bench/bench_*.py``; ``python -m bench store sim`` runs those.
Each module exposes ``run() -> list[dict]`` with keys bench, metric, value, unit, goal, met,
note. The README table between the BENCH markers is rebuilt from all result files, so a
partial run keeps the other benchmarks' last figures (each row carries its own date).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import pathlib
import platform
import subprocess
import sys

os.environ.setdefault("PYKX_UNLICENSED", "true")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

HERE = pathlib.Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE.parent / "README.md"
START, END = "<!-- BENCH:START -->", "<!-- BENCH:END -->"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def run_one(name: str) -> int:
    """Run one benchmark module in this process and write its result file."""
    rows = importlib.import_module(f"bench.bench_{name}").run()
    stamp = {"date": dt.date.today().isoformat(), "machine": machine()}
    for r in rows:
        r.update(stamp)
        print(f"  {r['metric']}: {r['value']:.4g} {r['unit']} (goal {r['goal']}: "
              f"{_met(r['met'])}) {r.get('note', '')}", flush=True)
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


def _met(met) -> str:
    """yes / **no** for a goal; n/a for an informational row (met is None)."""
    return "n/a" if met is None else ("yes" if met else "**no**")


def write_readme() -> None:
    rows = []
    for f in sorted(RESULTS.glob("*.json")):
        rows += json.loads(f.read_text())
    lines = ["| benchmark | metric | median | goal | met | date | machine | note |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['bench']} | {r['metric']} | {r['value']:.4g} {r['unit']} | {r['goal']} | "
                     f"{_met(r['met'])} | {r['date']} | {r['machine']} | {r.get('note', '')} |")
    text = README.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        README.write_text(f"{head}{START}\n" + "\n".join(lines) + f"\n{END}{tail}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
