"""The README's generated blocks are what the stored results render, and the results say
n/a where a benchmark has no goal.

The demo block was once typed by hand (``+1.0 s`` / ``+0.5 s``) and drifted from what
``make demo`` printed (``+1.6 s`` / ``+0.6 s``); benchmark rows without a goal read ``met:
True``; a note said "CPU shared by other jobs" whatever the machine was doing. The fresh-run
side of the demo block is checked in ``tests/acceptance/test_demo.py``.
"""

from __future__ import annotations

import ast
import json
import re

import pytest

from bench import readme

ROWS = readme.result_rows()


def test_readme_when_read_then_demo_block_is_rendered_from_the_stored_summary():
    summary = json.loads(readme.DEMO_SUMMARY.read_text())
    assert readme.block(readme.README.read_text(), readme.DEMO) == readme.demo_block(summary)


def test_readme_when_read_then_bench_table_is_rendered_from_the_results():
    assert readme.block(readme.README.read_text(), readme.BENCH) == readme.bench_table(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['bench']}-{r['metric']}")
def test_result_when_row_has_no_goal_then_met_is_none(row):
    assert row["met"] is None or isinstance(row["met"], bool)
    if row["goal"].strip() in readme.NO_GOAL:
        assert row["met"] is None, "a row without a goal reads n/a, not met"


def test_met_text_when_no_goal_then_na():
    assert [readme.met_text(m) for m in (None, True, False)] == ["n/a", "yes", "**no**"]


def test_replace_block_when_markers_then_only_the_block_changes():
    text = f"a\n{readme.DEMO[0]}\nold\n{readme.DEMO[1]}\nz\n"
    new = readme.replace_block(text, readme.DEMO, "new")
    assert new == f"a\n{readme.DEMO[0]}\nnew\n{readme.DEMO[1]}\nz\n"
    assert readme.block(new, readme.DEMO) == "new"
    with pytest.raises(ValueError, match="no <!-- BENCH:START -->"):
        readme.replace_block("no markers", readme.BENCH, "x")


MACHINE_STATE = re.compile(r"(?i)other jobs|shared by|quiet machine|busy|\bload(ed)?\b")


def test_bench_sources_when_scanned_then_no_typed_note_about_the_machine():
    """A note about the machine's state is read from the machine (``bench.load``), never
    typed into a benchmark's note."""
    bad = []
    for p in sorted(readme.HERE.glob("bench_*.py")):
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and MACHINE_STATE.search(node.value) and "\n" not in node.value:
                bad.append(f"{p.name}:{node.lineno}: {node.value!r}")
    assert bad == []
