"""``adaptrisk hedge train|eval|run`` end to end: a tiny training registered, evaluated out
of sample, and its schedule run through the enforcer into a real DuckDB file."""

from __future__ import annotations

import json

import duckdb

from adaptrisk.cli import main


def test_hedge_cli_when_train_eval_run_then_registry_figures_and_tables(tmp_path, capsys):
    root, db = tmp_path / "models", tmp_path / "a.duckdb"
    assert main(["hedge", "train", "--root", str(root), "--steps", "10", "--seeds", "2",
                 "--eval-paths", "300", "--promote", "--json", str(tmp_path / "t.json")]) == 0
    tr = json.loads((tmp_path / "t.json").read_text())
    assert tr["id"].startswith("hedge-") and len(tr["val_objective"]) == 2
    assert set(tr["evaluation"]) >= {"agent", "bs_delta", "no_hedge", "ww_equal_std", "ww_best"}
    man = json.loads((root / tr["id"] / "manifest.json").read_text())
    assert man["kind"] == "hedge" and man["metrics"]["agent"] == tr["evaluation"]["agent"]

    assert main(["hedge", "eval", "--root", str(root), "--paths", "300",
                 "--json", str(tmp_path / "e.json")]) == 0
    ev = json.loads((tmp_path / "e.json").read_text())
    assert ev["id"] == tr["id"] and ev["evaluation"]["n_paths"] == 300

    book = {"sym": "XYZ", "spot": 50.0, "position": 0,
            "options": [{"qty": 100, "strike": 50, "expiry_days": 10, "call": True},
                        {"qty": -100, "strike": 52, "expiry_days": 10, "call": True}]}
    (tmp_path / "book.json").write_text(json.dumps(book))
    assert main(["hedge", "run", "--db", str(db), "--root", str(root), "--book",
                 str(tmp_path / "book.json"), "--seed", "3", "--first-order-id", "100",
                 "--json", str(tmp_path / "r.json")]) == 0
    run = json.loads((tmp_path / "r.json").read_text())
    assert run["model"] == tr["id"] and run["steps"] == 50
    assert run["written"] == {"hedge_orders": run["orders"], "hedge_schedule": 50}
    con = duckdb.connect(str(db), read_only=True)
    n_dec = con.execute("SELECT count(*) FROM decisions d JOIN hedge_orders h "
                    "ON d.order_id = h.order_id AND d.verdict = h.verdict").fetchone()[0]
    last = con.execute("SELECT cum_cost, position FROM hedge_schedule ORDER BY step DESC "
                   "LIMIT 1").fetchone()
    con.close()
    assert n_dec == run["orders"] > 0
    assert abs(last[0] - run["total_cost"]) < 1e-6 and last[1] == run["final_position"]


def test_hedge_cli_when_book_is_bad_then_one_line_error(tmp_path, capsys):
    (tmp_path / "book.json").write_text(json.dumps({"sym": "X", "spot": 10, "options": [],
                                                    "colour": 1}))
    rc = main(["hedge", "run", "--db", str(tmp_path / "a.duckdb"), "--model", "bs_delta",
               "--book", str(tmp_path / "book.json")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err and "unknown keys ['colour']" in err
