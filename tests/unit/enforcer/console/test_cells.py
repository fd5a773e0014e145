"""The board's cells and the per-stream diff: a push names only the cells that changed, and
the whole body only when the set of rows did."""

import json

from enforcer.console.cells import BoardFeed, cells, diff, lim_html, row_id


def _row(sym="AAA", strategy="*", qty="1,000", tight=False, spark_q="0.0,11.0", **kw):
    row = {"sym": sym, "strategy": strategy, "tier": "NORMAL", "score": "0.50",
           "state": "NORMAL", "reason": "static rule set", "position": 0, "open": 0,
           "alerts": 0, "spark_score": "", "spark_qty": spark_q,
           "limits": [("max_order_qty", "1,000", qty, tight),
                      ("max_notional", "1,000,000", "1,000,000", False)]}
    return {**row, **kw}


def test_lim_html_when_tight_then_adaptive_in_bold_and_values_escaped():
    assert lim_html("max_order_qty", "1,000", "120", True) == (
        '<span class="tight" data-f="lim-max_order_qty" data-limit="max_order_qty" '
        'data-value="120">max_order_qty 1,000 → <b>120</b></span>')
    assert "&lt;x&gt;" in lim_html("n", "<x>", "1", False)
    assert "→" not in lim_html("n", "1", "1", False)


def test_diff_when_one_limit_and_the_sparkline_change_then_only_those_two_cells():
    old = {"row-AAA-*": cells(_row())}
    new = {"row-AAA-*": cells(_row(qty="120", tight=True, spark_q="0.0,11.0 60.0,20.0"))}
    got = diff(old, new)
    assert [(rid, f) for rid, f, _ in got] == [("row-AAA-*", "lim-max_order_qty"),
                                                 ("row-AAA-*", "spark-q")]
    assert got[1][2] == "0.0,11.0 60.0,20.0"


def test_cells_when_no_alerts_then_blank_and_class_names_the_tier():
    c = cells(_row(tier="CRITICAL", alerts=0))
    assert c["alerts"] == "" and c["class"] == "tier-CRITICAL"
    assert cells(_row(alerts=3))["alerts"] == "3"


def test_feed_when_first_then_board_when_values_change_then_cells_only():
    feed = BoardFeed(lambda rows: "|".join(row_id(r) for r in rows))
    rows = [_row("AAA"), _row("BBB")]
    assert feed.step(rows) == [("board", "row-AAA-*|row-BBB-*")]
    assert feed.step(rows) == []
    [(event, data)] = feed.step([_row("AAA"), _row("BBB", reason="stress HIGH (m2)")])
    assert event == "cells" and json.loads(data) == [["row-BBB-*", "reason", "stress HIGH (m2)"]]


def test_feed_when_a_row_is_added_then_the_whole_body_again():
    feed = BoardFeed(lambda rows: str(len(rows)))
    feed.step([_row("AAA")])
    assert feed.step([_row("AAA"), _row("AAA", strategy="s1")]) == [("board", "2")]
