"""The board's rows as cells, and what changed between two pushes.

A push of the live board sends only the cells that changed since the last push on the same
stream (`BoardFeed.step`): SSE event `cells`, a JSON list of [row id, field, value] that
`static/board.js` applies once per animation frame. A changed set of rows (a new symbol or
strategy) sends the whole table body instead (event `board`, swapped by htmx). Swapping
whole rows made the page re-parse and re-process ~1,500 elements at every push; with 100
symbols at 10 updates/s its main thread fell behind (p95 lag 226-611 ms).

Fields (the `data-f` of an element in the row, board_rows.html): `class` is the row's own
class; `lim-<name>` a limit's server-rendered <span> (replaced whole); `spark-s`, `spark-q`
a sparkline's points; every other field a cell's text.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from markupsafe import Markup

TEXT = ("tier", "score", "state", "reason", "position", "open", "alerts")


def row_id(row: dict[str, Any]) -> str:
    return f"row-{row['sym']}-{row['strategy']}"


@lru_cache(maxsize=8192)
def lim_html(name: str, static: str, adaptive: str, tight: bool) -> Markup:
    """One limit's <span>: 'name static', and '-> adaptive' in bold when it is tighter."""
    tail = Markup(" → <b>{}</b>").format(adaptive) if tight else ""
    return Markup('<span class="{}" data-f="lim-{}" data-limit="{}" data-value="{}">'
                  "{} {}{}</span>").format("tight" if tight else "", name, name, adaptive,
                                           name, static, tail)


def cells(row: dict[str, Any]) -> dict[str, str]:
    """field -> value of one board row (see the module's docstring for the fields)."""
    out = {"class": f"tier-{row['tier']}"}
    for k in TEXT:
        v = row[k]
        out[k] = "" if k == "alerts" and not v else str(v)
    for lim in row["limits"]:
        out[f"lim-{lim[0]}"] = lim_html(*lim)
    out["spark-s"] = row["spark_score"]
    out["spark-q"] = row["spark_qty"]
    return out


def diff(old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]) -> list[list[str]]:
    """[row id, field, value] for every field of `new` whose value is not the one in `old`
    (the same row ids in both)."""
    return [[rid, f, v] for rid, c in new.items() for f, v in c.items() if old[rid].get(f) != v]


class BoardFeed:
    """What one SSE stream has sent: `step(rows)` answers the events that bring the page
    from the last pushed state to `rows` (board_html renders a full table body)."""

    def __init__(self, board_html: Any) -> None:
        self._html, self._sent = board_html, None  # None: nothing sent (the page may be old)

    def step(self, rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
        """[(event, data)]: ('board', html) when the rows themselves changed (or first),
        ('cells', json) when only values did, nothing when nothing did."""
        new = {row_id(r): cells(r) for r in rows}
        old, self._sent = self._sent, new
        if old is None or list(old) != list(new):
            return [("board", self._html(rows))]
        changed = diff(old, new)
        return [("cells", json.dumps(changed, separators=(",", ":")))] if changed else []
