"""PNG plots and the self-contained HTML page of a demo run (matplotlib, Agg backend)."""

from __future__ import annotations

import base64
import html
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from adaptrisk import report  # noqa: E402

NS = report.NS


def _rel(ts: np.ndarray, onset: int) -> np.ndarray:
    return (np.asarray(ts, np.float64) - onset) / NS


ONSET_LABEL = "seconds from the crash onset"


def price_plot(path, mk: dict, onset: int, end: int, sym: str, blocked: dict | None = None,
               xlabel: str = ONSET_LABEL) -> None:
    """Mid price around the stress with its window shaded; blocked orders marked if given."""
    fig, ax = plt.subplots(figsize=(10, 3.6))
    ax.plot(_rel(mk["ts"], onset), mk["mid"], lw=0.8, color="#1f4e79", label=f"{sym} mid")
    if end > onset:
        ax.axvspan(0, (end - onset) / NS, color="#f4b183", alpha=0.35, label="labelled stress")
    if blocked:
        for name, (t, px, style) in blocked.items():
            if len(t):
                ax.scatter(_rel(t, onset), px, s=28, label=name, **style)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("price")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def anomaly_plot(path, mk: dict, onset: int, thresholds, xlabel: str = ONSET_LABEL) -> None:
    """Smoothed anomaly score with the tier thresholds of the promoted model."""
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.plot(_rel(mk["ts"], onset), mk["anomaly_score"], lw=0.8, color="#7030a0", label="anomaly score")
    for thr, name, c in zip(thresholds, ("Elevated", "High alert", "Critical"),
                            ("#bf9000", "#c55a11", "#c00000"), strict=False):
        ax.axhline(thr, ls="--", lw=0.8, color=c, label=f"{name} ({thr:.3g})")
    ax.axvline(0, color="k", lw=0.6)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def max_qty_plot(path, ts: np.ndarray, dynamic: np.ndarray, static_qty: int, onset: int, *,
                 label: str = "adaptive", xlabel: str = "seconds from the crash onset",
                 legend: str = "lower right") -> None:
    """Max order quantity in force: the static cap against the adaptive limit."""
    fig, ax = plt.subplots(figsize=(10, 3.0))
    x = _rel(ts, onset)
    ax.step(x, np.full(len(x), static_qty), where="post", color="#404040", label="static")
    ax.step(x, dynamic, where="post", color="#c00000", label=label)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_ylabel("max order qty (lots)")
    ax.set_xlabel(xlabel)
    ax.set_ylim(0, static_qty * 1.15)
    ax.legend(loc=legend, fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _img(path: pathlib.Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _table(rows: list[dict]) -> str:
    if not rows:
        return "<p>(none)</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in r.values()) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(v) -> str:
    if isinstance(v, float):
        return "" if np.isnan(v) else f"{v:.4g}"
    return str(v)


def html_page(path, *, title: str, text: str, tables: dict[str, list[dict]],
              images: list[pathlib.Path]) -> None:
    """One self-contained page: the printed summary, tables and the plots inlined as data URIs."""
    parts = [f"<h1>{html.escape(title)}</h1>", f"<pre>{html.escape(text)}</pre>"]
    for name, rows in tables.items():
        parts += [f"<h2>{html.escape(name)}</h2>", _table(rows)]
    parts += ["<h2>Plots</h2>"] + [_img(p) for p in images]
    style = ("body{font-family:sans-serif;margin:2em;max-width:1100px}"
             "pre{background:#f4f4f4;padding:1em;font-size:12px}"
             "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;"
             "padding:2px 6px;text-align:right}img{max-width:100%;margin:0.5em 0}")
    pathlib.Path(path).write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")


def live_plot(path, series: list, onset: int, static_qty: int) -> None:
    """Max order size in force in the live daemon at each limits swap, against event time
    (``series``: (heartbeat ts, max qty, risk state) per swap)."""
    ts = np.array([t for t, _, _ in series], np.int64)
    q = np.array([v for _, v, _ in series], float)
    max_qty_plot(path, ts, q, static_qty, onset, label="in force in the live daemon",
                 xlabel="seconds from the crash onset (event time, replayed at 10x)",
                 legend="center right")


def append_section(path, *, title: str, text: str, images: list[pathlib.Path]) -> None:
    """Add a section (heading, text, inlined plots) at the end of a page from ``html_page``."""
    p = pathlib.Path(path)
    body = (f"<h2>{html.escape(title)}</h2><pre>{html.escape(text)}</pre>"
            + "".join(_img(i) for i in images))
    p.write_text(p.read_text().replace("</body>", body + "</body>", 1))
