"""One conformance suite for every Store backend: same inputs, same rows, same limits, same
rejections. DuckDB always runs; QuestDB on the session's server (``questdb_conf`` in
tests/conftest.py: one started from ../shared/questdb, or QUESTDB_ADDR/QUESTDB_PG); kdb+ when
KDB_HOST and KDB_PORT point at a q process. Otherwise a leg is skipped with that reason.

Server legs truncate the adaptrisk tables first: point them at a scratch instance.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pyarrow as pa
import pytest

from tests.unit.tsdb.helpers import OPEN_NS, limits, trades
from tsdb import BatchRejected, Store, canonical

TABLES = ("trades", "quotes", "book", "orders", "risk_limits", "features", "features_state")


def _conf(backend: str, tmp_path, request) -> str:
    if backend == "duckdb":
        return f"duckdb::path={tmp_path / 'c.duckdb'}"
    if backend == "questdb":
        return request.getfixturevalue("questdb_conf")
    host, port = os.environ.get("KDB_HOST"), os.environ.get("KDB_PORT")
    if not (host and port):
        pytest.skip("kdb+ leg: set KDB_HOST and KDB_PORT to a q process (q -p PORT) to run it")
    return f"kdb::host={host};port={port}"


_TRUNCATE = {"questdb": "TRUNCATE TABLE {t}", "kdb": "delete from `{t}"}


@pytest.fixture(params=["duckdb", "questdb", "kdb"])
def backend_store(request, tmp_path):
    s = Store.from_conf(_conf(request.param, tmp_path, request))
    if request.param in _TRUNCATE:
        for t in (canonical.tables() if request.param == "questdb" else TABLES):
            s.query(_TRUNCATE[request.param].format(t=t))
    yield request.param, s
    s.close()


def _eventually(fn, want, timeout=10.0):
    """QuestDB's WAL tables become visible shortly after the ILP acknowledgement."""
    deadline = time.monotonic() + timeout
    got = fn()
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = fn()
    return got


def _quotes() -> pa.Table:
    return pa.table({
        "ts": pa.array(OPEN_NS + np.arange(3, dtype=np.int64), pa.timestamp("ns")),
        "sym": ["A", "A", "B"], "bid": pa.array([99.5, None, 10.0]), "ask": [100.5, 100.0, 10.1],
        "bid_size": [3, 0, 7], "ask_size": [4, 5, 8],
    })


def _book() -> pa.Table:
    return pa.table({
        "ts": pa.array([OPEN_NS], pa.timestamp("ns")), "sym": ["A"],
        "bid_px": pa.array([[99.0, 98.5] + [None] * 8]), "bid_sz": pa.array([[5, 6] + [0] * 8]),
        "ask_px": pa.array([[100.0 + i for i in range(10)]]), "ask_sz": pa.array([[1] * 10]),
    })


def _orders() -> pa.Table:
    return pa.table({
        "ts": pa.array(OPEN_NS + np.arange(2, dtype=np.int64), pa.timestamp("ns")),
        "order_id": [1, 2], "trader": ["T1", "T2"], "strategy": ["MM", "EXEC"], "sym": ["A", "A"],
        "side": ["B", "S"], "qty": [10, 200], "price": pa.array([99.0, None]),
        "order_type": ["LIMIT", "MARKET"],
    })


def _rows(store, table, order_by):
    """Rows in the logical schema: server legs read back through the store's ``read_table``
    (QuestDB: ts as LONG ns, NaN -> NULL, array sizes stay DOUBLE; kdb+: q nulls -> NULL)."""
    return sorted(_table(store, table).to_pylist(), key=lambda r: r[order_by])


@pytest.mark.parametrize(("table", "make", "order_by"), [
    ("trades", lambda: trades(6), "trade_id"), ("quotes", _quotes, "ts"), ("book", _book, "ts"),
    ("orders", _orders, "order_id"),
])
def test_ingest_when_same_batch_then_same_rows_back(backend_store, table, make, order_by):
    _, store = backend_store
    batch = make()
    assert store.ingest(table, batch) == batch.num_rows
    assert _eventually(lambda: store.count(table), batch.num_rows) == batch.num_rows
    want = store.table_schema(table)
    expected = batch.cast(want) if batch.schema != want else batch
    assert _rows(store, table, order_by) == expected.to_pylist()


def test_latest_limits_when_versions_then_same_rows_in_force(backend_store):
    _, store = backend_store
    store.append_limits(limits([(OPEN_NS + 10, "A", "*", 500), (OPEN_NS + 20, "A", "*", 50),
                                (OPEN_NS + 15, "A", "MM", 100), (OPEN_NS + 30, "B", "*", 300)]))
    _eventually(lambda: store.count("risk_limits"), 4)
    got = {(r["sym"], r["strategy"]): r["max_order_qty"] for r in store.latest_limits().to_pylist()}
    assert got == {("A", "*"): 50, ("A", "MM"): 100, ("B", "*"): 300}
    newer = store.latest_limits(since_ns=OPEN_NS + 20).to_pylist()
    assert [(r["sym"], r["max_order_qty"]) for r in newer] == [("B", 300)]


def test_ingest_when_bad_batch_then_same_rejection_and_table_unchanged(backend_store):
    _, store = backend_store
    store.ingest("trades", trades(3))
    _eventually(lambda: store.count("trades"), 3)
    bad = trades(5)
    bad = bad.set_column(2, "price", pa.array([1.0, 2.0, 3.0, float("nan"), 5.0]))
    with pytest.raises(BatchRejected) as e:
        store.ingest("trades", bad)
    assert (e.value.table, e.value.row, e.value.column) == ("trades", 3, "price")
    assert store.count("trades") == 3


FEATURE_TOL = {"rel": 1e-9, "abs": 1e-12}  # floats; counts, flags and timestamps exact


def test_build_features_when_same_market_then_rows_match_numpy_reference(backend_store):
    """The features leg: a 20 s two-symbol market, built on the backend, equals the numpy twin
    (``features.reference``) within FEATURE_TOL."""
    from features.build import build
    from features.config import FeatureConfig
    from features.reference import market_state_ref
    from features.synthetic import synth_day

    _, store = backend_store
    cfg = FeatureConfig()
    day = synth_day(syms=["AAA", "BBB"], start_ns=OPEN_NS, seconds=20, quotes_per_s=20,
                    trades_per_s=5, seed=3)
    for name, tbl in day.items():
        store.ingest(name, tbl)
    _eventually(lambda: store.count("book"), day["book"].num_rows)
    rep = build(store, cfg)
    assert rep.rows > 0
    _eventually(lambda: store.count("features"), rep.rows)
    got = _table(store, "features")
    t1 = max(got.column("ts").cast(pa.int64()).to_pylist())
    want = market_state_ref(day["trades"], day["quotes"], day["book"], t0=OPEN_NS, t1=t1,
                            w=cfg.bucket_ns, emit_after=OPEN_NS, ref_sym="AAA", n1s=cfg.n1s,
                            n10s=cfg.n10s, n1m=cfg.n1m)
    rows = sorted(got.to_pylist(), key=lambda r: (r["ts"], r["sym"]))
    assert len(rows) == len(want) == rep.rows
    for g, w in zip(rows, want, strict=True):
        for col in got.column_names:
            gv = g[col] if col != "ts" else pa.scalar(g[col], pa.timestamp("ns")).value
            assert gv == (pytest.approx(w[col], **FEATURE_TOL) if isinstance(w[col], float)
                          else w[col]), (col, g["sym"], g["ts"])
    assert build(store, cfg).rows == 0  # a second build adds nothing


def _table(store, table):
    if store.dialect == "duckdb":
        return store.query(f"SELECT * FROM {table}")
    return store.read_table(table)


# -- command legs: each command on DuckDB and on the session's QuestDB server, same inputs,
# -- the rows it wrote (or read) compared row by row: floats within FEATURE_TOL, the rest exact.
# Two simulated 10-minute days x 2 symbols (a normal day, then a flash crash), features built
# in DuckDB and copied to QuestDB (the features leg above covers the build itself), and a tiny
# VAE fitted once on the first day.
CMD_PLAN = [("normal", 41, 10, None, 0.02), ("flash_crash", 42, 10, 6.0, 0.02)]
CMD_TABLES = ("trades", "quotes", "book", "orders", "labels_orders", "labels_events", "features")
CMD_WALL = 1_800_000_000_000_000_000
DAY_NS = 86_400_000_000_000


@pytest.fixture(scope="module")
def cmd_source(tmp_path_factory):
    """(DuckDB file with the two days, registry root, fitted model id, second day's open)."""
    from adaptrisk import evalstore
    from jaxmodels import model, persist
    from jaxmodels.data import market_rows
    from jaxmodels.registry import Registry

    root = tmp_path_factory.mktemp("cmd")
    path = root / "src.duckdb"
    with Store.from_conf(f"duckdb::path={path}") as s:
        evalstore.build(s, CMD_PLAN, n_symbols=2, out=lambda *_: None)
        rows = market_rows(s, _cmd_config().vae.inputs)
    day2 = int(rows.ts.min()) + DAY_NS // 2
    first = rows.take(rows.ts < day2)
    mm, met = model.fit_market(first, np.ones(len(first.ts), bool), _cmd_config().vae)
    reg = Registry(str(root / "models"))
    return path, reg, persist.save_market(reg, mm, met), day2


def _cmd_config():
    from jaxmodels.config import ModelsConfig

    return ModelsConfig.from_dict({"vae": {
        "epochs": 2, "hidden": 16, "latent": 4, "holdout_block": 600, "online_warm": 300,
        "online_half_life": 3000.0, "tail_window": 3000, "tail_warm": 600, "tail_block": 600}})


@pytest.fixture
def cmd_pair(cmd_source, questdb_conf, tmp_path):
    """(DuckDB store, QuestDB store) holding the same two days; the registry has no model
    promoted."""
    import shutil

    path, reg, mid, day2 = cmd_source
    if reg.promoted("vae") == mid:
        reg.deactivate(mid)
    shutil.copy(path, tmp_path / "d.duckdb")
    with Store.from_conf(f"duckdb::path={tmp_path / 'd.duckdb'}") as d, \
            Store.from_conf(questdb_conf) as q:
        for t in canonical.tables():
            q.query(f"TRUNCATE TABLE {t}")
        for t in CMD_TABLES:
            q.ingest(t, d.query(f"SELECT * FROM {t}"), session=None)
        yield d, q


def _same_rows(a: list[dict], b: list[dict]) -> list:
    """Differences between two row lists in the same order (FEATURE_TOL on floats)."""
    import math

    def same(x, y):
        if isinstance(x, float) and isinstance(y, float):
            return (math.isnan(x) and math.isnan(y)) or math.isclose(
                x, y, rel_tol=FEATURE_TOL["rel"], abs_tol=FEATURE_TOL["abs"])
        return x == y

    bad = [("rows", len(a), len(b))] if len(a) != len(b) else []
    return bad + [(i, k, x[k], y.get(k)) for i, (x, y) in enumerate(zip(a, b, strict=False))
                  for k in x if k not in y or not same(x[k], y[k])][:5]


def _stored(store, table: str, key: tuple[str, ...]) -> list[dict]:
    rows = _table(store, table).to_pylist()
    return sorted(rows, key=lambda r: tuple(r[k] for k in key))


def _same_tables(d, q, *tables: tuple[str, tuple[str, ...]]) -> None:
    for table, key in tables:
        got, want = _stored(q, table, key), _stored(d, table, key)
        assert want and _same_rows(want, got) == [], table


def _publish_both(reg, mid: str, day2: int, *stores) -> list[dict]:
    """`models publish` on each store: static limits for the first day (no model), then the
    promoted VAE over the second; the registry is left with nothing promoted."""
    from jaxmodels import publish

    cfg = _cmd_config()
    outs = [publish.publish(s, reg, cfg, since=day2 - DAY_NS, until=day2,
                             wall=lambda: CMD_WALL) for s in stores]
    reg.promote(mid)
    try:
        outs += [publish.publish(s, reg, cfg, since=day2, until=2**62,
                                  wall=lambda: CMD_WALL + 1) for s in stores]
    finally:
        reg.deactivate(mid)
    return outs


@pytest.mark.questdb
def test_models_publish_when_static_then_promoted_then_questdb_writes_duckdb_rows(
        cmd_source, cmd_pair):
    """`models publish`: static limits without a model, then the promoted VAE's scores, limits
    and one heartbeat per (sym, bucket): the same rows on both stores."""
    _, reg, mid, day2 = cmd_source
    d, q = cmd_pair
    outs = _publish_both(reg, mid, day2, d, q)
    assert outs[0] == outs[1] and outs[2] == outs[3] and outs[2]["scores"] > 0
    _same_tables(d, q, ("risk_limits", ("sym", "strategy", "ts", "model_version")),
                 ("risk_scores", ("sym", "ts")), ("publisher_heartbeat", ("sym", "ts")))
    assert _same_rows(d.latest_limits().to_pylist(), q.latest_limits().to_pylist()) == []


@pytest.mark.questdb
def test_enforcer_replay_when_limits_published_then_same_decisions_and_rerun_lands_once(
        cmd_source, cmd_pair):
    """`enforcer replay`: every order of both days through the batch path against the limits
    and heartbeats published above; the same summary and decisions. On QuestDB a rerun
    replaces its rows (dedup key (ts, order_id)) instead of adding them."""
    from enforcer.config import EnforcerConfig
    from enforcer.replay import replay

    _, reg, mid, day2 = cmd_source
    d, q = cmd_pair
    _publish_both(reg, mid, day2, d, q)
    outs = [replay(s, EnforcerConfig()) for s in (d, q)]
    assert outs[0] == outs[1] and outs[0]["rejected"] > 0
    _same_tables(d, q, ("decisions", ("ts", "order_id")))
    n = q.count("decisions")
    assert replay(q, EnforcerConfig()) == outs[1] and q.count("decisions") == n


@pytest.mark.questdb
def test_models_drift_when_crash_day_against_normal_training_then_same_alerts_and_limits(
        cmd_source, cmd_pair):
    """`models drift`: the crash day against the model's normal training day; the same
    drift_alerts rows and (when drifting) the same static limits on both stores."""
    from jaxmodels import drift

    _, reg, mid, day2 = cmd_source
    d, q = cmd_pair
    reg.promote(mid)
    try:
        outs = [drift.check(s, reg, _cmd_config(), since=day2) for s in (d, q)]
    finally:
        reg.deactivate(mid)
    assert outs[0] == outs[1] and outs[0]["rows_written"] > 0
    _same_tables(d, q, ("drift_alerts", ("kind", "name", "ts")))
    if outs[0]["static_rows"]:
        _same_tables(d, q, ("risk_limits", ("sym", "strategy", "ts")))


@pytest.mark.questdb
def test_sim_when_run_then_rerun_on_both_stores_then_same_rows_and_rerun_refused(
        questdb_conf, tmp_path, capsys):
    """`adaptrisk sim`: the same session lands row for row on both stores (and the same
    landed summary); a rerun on the same day is refused with one line, exit 2, nothing added."""
    from adaptrisk.cli import main

    duck = f"duckdb::path={tmp_path / 's.duckdb'}"
    with Store.from_conf(questdb_conf) as q:
        for t in canonical.tables():
            q.query(f"TRUNCATE TABLE {t}")
    args = ["sim", "--scenario", "flash_crash", "--symbols", "2", "--minutes", "2", "--seed", "5"]
    outs = []
    for conf in (duck, questdb_conf):
        assert main([*args, "--db", conf]) == 0
        outs.append([ln for ln in capsys.readouterr().out.splitlines() if not ln.startswith("[")])
    assert outs[0] == outs[1] and "Labelled events" in "\n".join(outs[0])  # the summary
    tables = (("trades", ("sym", "trade_id")), ("quotes", ("sym", "ts", "bid", "ask")),
              ("book", ("sym", "ts")), ("orders", ("order_id",)),
              ("labels_orders", ("order_id",)), ("labels_events", ("sym", "event")))
    with Store.from_conf(duck) as d, Store.from_conf(questdb_conf) as q:
        _same_tables(d, q, *tables)
        assert _same_rows(d.query_file("queries/landed_summary.sql").to_pylist(),
                          q.query_file("queries/landed_summary.sql").to_pylist()) == []
        before = {t: q.count(t) for t, _ in tables}
    for conf in (duck, questdb_conf):
        assert main([*args, "--seed", "6", "--db", conf]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "already holds market data or orders in 2026-06-22 13:30 to 2026-06-22 13:32 UTC" in err
    with Store.from_conf(questdb_conf) as q:
        assert {t: q.count(t) for t, _ in tables} == before


@pytest.mark.questdb
@pytest.mark.slow
def test_models_train_when_same_store_then_same_order_rows_and_same_models(
        cmd_source, cmd_pair, tmp_path):
    """`models train`: the layer-1 inputs (features.order_features, models/order_history: the
    traders' exact median / MAD histories, the as-of market state and risk score) equal
    DuckDB's row by row, and both layers trained on each store come out the same."""
    from jaxmodels import training
    from jaxmodels.data import order_rows
    from jaxmodels.registry import Registry

    _, reg, mid, day2 = cmd_source
    d, q = cmd_pair
    _publish_both(reg, mid, day2, d, q)  # risk_scores for the orders' as-of score
    want, got = (order_rows(s).to_pylist() for s in (d, q))
    assert len(want) > 1000 and _same_rows(want, got) == []
    cfg = _cmd_config()
    ids = [training.train_and_register(s, Registry(str(tmp_path / s.dialect)), cfg,
                                       since=-(2**62), until=2**62) for s in (d, q)]
    assert "gbdt" in ids[0] and ids[0]["vae_metrics"] == ids[1]["vae_metrics"]
    assert ids[0].get("gbdt_metrics") == ids[1].get("gbdt_metrics")
    for kind in ("vae", "gbdt"):
        if kind in ids[0]:
            a, b = (Registry(str(tmp_path / s.dialect)).load(i[kind])[0]
                    for s, i in zip((d, q), ids, strict=True))
            assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a), kind


def _drop(d: dict, *keys: str) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


@pytest.mark.questdb
@pytest.mark.slow
def test_retrain_and_backtest_when_same_store_then_same_verdicts_and_report(
        cmd_source, cmd_pair, tmp_path):
    """`retrain` (incumbent: the model fitted on day 1, promoted; newest fold: day 2) decides
    the same with the same quality figures on both stores, and `backtest` (2 folds) writes
    the same report."""
    import shutil

    from jaxmodels import walkforward
    from jaxmodels.registry import Registry
    from jaxmodels.retrain import retrain

    _, reg, mid, _ = cmd_source
    d, q = cmd_pair
    cfg = _cmd_config()
    outs = []
    for s in (d, q):
        root = tmp_path / s.dialect
        shutil.copytree(reg.root, root)
        r = Registry(str(root))
        r.promote(mid)
        outs.append(retrain(s, r, cfg, folds=2))
    assert outs[0]["incumbent_id"] == mid and outs[0]["newest_fold_rows"] > 0
    assert _drop(outs[0], "new") == _drop(outs[1], "new")
    reports = [walkforward.run(s, cfg, folds=2) for s in (d, q)]
    assert reports[0] == reports[1]


@pytest.mark.questdb
def test_report_queries_when_published_and_replayed_then_same_rows(cmd_source, cmd_pair):
    """The report's queries (report/*.sql: the market window with scores, the limits series,
    the decisions with their orders, labels and touch, events, spans) after publish and
    replay: the same rows on both stores."""
    from enforcer.config import EnforcerConfig
    from enforcer.replay import replay

    _, reg, mid, day2 = cmd_source
    d, q = cmd_pair
    _publish_both(reg, mid, day2, d, q)
    for s in (d, q):
        replay(s, EnforcerConfig())
    sym = "SIM00"
    span = d.query_file("report/session_span.sql", {"sym": sym}).to_pylist()[0]
    calls = [("report/decisions.sql", {"mode": "replay"}), ("report/events.sql", None),
             ("report/session_span.sql", {"sym": sym}), ("report/symbol_rows.sql", {"sym": sym}),
             ("report/limits_series.sql", {"sym": sym, "t1": span["last_ns"]}),
             ("report/market_window.sql", {"sym": sym, "t0": day2, "t1": span["last_ns"]})]
    for rel, params in calls:
        want, got = (s.query_file(rel, params).to_pylist() for s in (d, q))
        assert want and _same_rows(want, got) == [], rel


@pytest.mark.questdb
@pytest.mark.slow
def test_demo_symbol_when_same_store_then_same_facts_and_report_text(
        cmd_pair, questdb_conf, tmp_path, capsys):
    """`adaptrisk demo --symbol` (features build, the VAE trained on the first half, the day
    scored, the report): the same summary.json and report text from both stores (progress
    lines aside: they carry timings), and the same scores and limits written."""
    import json

    from adaptrisk.cli import main

    d, q = cmd_pair
    confs = (f"duckdb::path={tmp_path / 'd.duckdb'}", questdb_conf)
    d.close()  # the CLI opens the file itself
    facts, texts = [], []
    for i, conf in enumerate(confs):
        assert main(["demo", "--db", conf, "--symbol", "SIM00", "--reports",
                     str(tmp_path / "rep"), "--run-id", str(i)]) == 0
        out = capsys.readouterr().out.replace(conf, "DB")
        texts.append([ln for ln in out.splitlines() if not ln.startswith("[")])
        facts.append(json.loads((tmp_path / "rep" / str(i) / "summary.json").read_text()))
    assert facts[0] == facts[1] and texts[0] == texts[1]
    def rows(store, table, key):  # a model id is its training time, then its content hash
        return [r | {"model_version": r["model_version"].rsplit("-", 1)[-1]}
                for r in _stored(store, table, key)]

    with Store.from_conf(confs[0]) as d2:
        for table, key in (("risk_scores", ("sym", "ts")),
                           ("risk_limits", ("sym", "strategy", "ts", "model_version"))):
            want = rows(d2, table, key)
            assert want and _same_rows(want, rows(q, table, key)) == [], table


@pytest.mark.questdb
def test_features_build_when_same_market_then_same_features_state(questdb_conf, tmp_path):
    """`features build` writes the running terms (features_state: r, ret_1s, ref_ret_1s per
    bucket) on QuestDB as on DuckDB, and a second build adds none."""
    from features.build import build
    from features.synthetic import synth_day

    day = synth_day(syms=["AAA", "BBB"], start_ns=OPEN_NS, seconds=20, quotes_per_s=20,
                    trades_per_s=5, seed=3)
    with Store.from_conf(f"duckdb::path={tmp_path / 'f.duckdb'}") as d, \
            Store.from_conf(questdb_conf) as q:
        for t in canonical.tables():
            q.query(f"TRUNCATE TABLE {t}")
        for s in (d, q):
            for name, tbl in day.items():
                s.ingest(name, tbl)
            build(s)
        _same_tables(d, q, ("features_state", ("ts", "sym")))
        n = q.count("features_state")
        assert build(q).rows == 0 and q.count("features_state") == n


@pytest.mark.questdb
def test_features_build_when_stepped_bucket_by_bucket_then_questdb_steps_equal_duckdb_rows(
        questdb_conf, tmp_path):
    """The live path of `features build` on QuestDB: after the first 65 s, each build one
    bucket later runs market_step.sql (one bucket from its events and the stored rows, not
    the day from the open); features and features_state equal DuckDB's one-shot build."""
    from features.build import build
    from features.synthetic import synth_day

    day = synth_day(syms=["AAA", "BBB"], start_ns=OPEN_NS, seconds=70, quotes_per_s=20,
                    trades_per_s=5, seed=4)
    w = 100_000_000
    with Store.from_conf(f"duckdb::path={tmp_path / 'f.duckdb'}") as d, \
            Store.from_conf(questdb_conf) as q:
        for t in canonical.tables():
            q.query(f"TRUNCATE TABLE {t}")
        for s in (d, q):
            for name, tbl in day.items():
                s.ingest(name, tbl)
        build(d, until_ns=OPEN_NS + 68 * 10**9)
        build(q, until_ns=OPEN_NS + 65 * 10**9)
        sent = []
        insert = q.insert_query
        q.insert_query = lambda table, rel, *a, **k: (sent.append(rel), insert(table, rel, *a, **k))[1]
        for t1 in range(OPEN_NS + 65 * 10**9 + w, OPEN_NS + 68 * 10**9 + 1, w):
            assert build(q, until_ns=t1).rows == 2
        assert set(sent) == {"features/market_step.sql"} and len(sent) == 2 * 30
        _same_tables(d, q, ("features", ("ts", "sym")), ("features_state", ("ts", "sym")))
