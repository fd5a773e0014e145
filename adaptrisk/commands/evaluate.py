"""``adaptrisk evaluate --grid FILE --seeds 1-5 --json OUT [--dask ADDRESS]``: the promoted
model's alerts and limits over a scenario grid on unseen seeds, static against adaptive.
Parsing only; the work is in ``adaptrisk.evaluate``."""

from __future__ import annotations

import argparse
import json
import pathlib


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="scenario x seed grid: static against adaptive",
                       description="Train on the grid's training plan, then run every scenario "
                       "of the grid on every seed (training seeds refused) as one Dask task "
                       "each, and print one table per scenario.")
    p.add_argument("--grid", required=True, help="grid file (TOML or JSON), e.g. "
                   "sim/grids/issue11.toml")
    p.add_argument("--seeds", required=True, help="seeds, e.g. 1-5 or 7,9,11")
    p.add_argument("--json", dest="json_out", default=None, help="write the report here")
    p.add_argument("--dask", default=None, help="Dask scheduler address (default: a "
                   "LocalCluster; 'inproc' runs the tasks in this process)")
    p.add_argument("--workdir", default=None, help="folder of the scratch training store "
                   "(a temporary folder inside it, removed at the end; default: the system's)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from adaptrisk import evaluate as ev

    grid = ev.Grid.load(args.grid)
    rep = ev.run(grid, ev.parse_seeds(args.seeds), dask=args.dask, workdir=args.workdir)
    print(ev.format_report(rep))
    if args.json_out:
        path = pathlib.Path(args.json_out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rep, indent=1, default=float))
    return 0
