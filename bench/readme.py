"""The generated blocks of README.md: the benchmark table and the demo's headline.

Both are rebuilt from files, never typed: the table from ``bench/results/*.json`` (one list
of rows per benchmark), the demo block from ``bench/results/demo/summary.json`` (the
``summary.json`` of the demo run that ``python -m bench demo`` made, with its date). The
tests compare the README with what these functions render (``tests/unit/bench``) and the
demo block with a fresh run of the same seed (``tests/acceptance/test_demo.py``).
"""

from __future__ import annotations

import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
RESULTS = HERE / "results"
DEMO_SUMMARY = RESULTS / "demo" / "summary.json"
README = HERE.parent / "README.md"
BENCH = ("<!-- BENCH:START -->", "<!-- BENCH:END -->")
DEMO = ("<!-- DEMO:START -->", "<!-- DEMO:END -->")
NO_GOAL = ("", "-", "(info)", "(none set)")


def met_text(met) -> str:
    """yes / **no** for a goal; n/a for an informational row (met is None)."""
    return "n/a" if met is None else ("yes" if met else "**no**")


def result_rows() -> list[dict]:
    rows: list[dict] = []
    for f in sorted(RESULTS.glob("*.json")):
        rows += json.loads(f.read_text())
    return rows


def bench_table(rows: list[dict]) -> str:
    lines = ["| benchmark | metric | median | goal | met | date | machine | note |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        value = "-" if r["value"] is None else f"{r['value']:.4g}"
        lines.append(f"| {r['bench']} | {r['metric']} | {value} {r['unit']} | {r['goal'] or '-'} | "
                     f"{met_text(r['met'])} | {r['date']} | {r['machine']} | {r.get('note', '')} |")
    return "\n".join(lines)


def demo_block(summary: dict) -> str:
    """The README's demo block from a demo run's ``summary.json`` (plus the ``date`` and
    ``machine`` the benchmark stamped on it): the same headline lines ``make demo`` prints."""
    from adaptrisk.demo_text import format_headline

    return (f"From `make demo` (seed {summary['demo_seed']}; training seeds "
            f"{', '.join(str(s) for s in summary['train_seeds'])}), run by `python -m bench demo` "
            f"on {summary['date']} ({summary['machine']}):\n\n"
            f"```\n{format_headline(summary)}\n```")


def block(text: str, markers: tuple[str, str]) -> str | None:
    """What lies between the markers (without the newlines next to them), or None."""
    start, end = markers
    if start not in text or end not in text:
        return None
    return text.split(start, 1)[1].split(end, 1)[0].strip("\n")


def replace_block(text: str, markers: tuple[str, str], body: str) -> str:
    start, end = markers
    if start not in text or end not in text:
        raise ValueError(f"README has no {start} ... {end} block")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def write_readme(readme: pathlib.Path = README) -> None:
    text = replace_block(readme.read_text(), BENCH, bench_table(result_rows()))
    if DEMO_SUMMARY.exists():
        text = replace_block(text, DEMO, demo_block(json.loads(DEMO_SUMMARY.read_text())))
    readme.write_text(text)
