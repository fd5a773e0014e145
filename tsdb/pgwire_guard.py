"""Which SQL the PG-wire endpoint runs: DuckDB's own parser decides, never a regex.

:func:`plan` splits a query string with ``extract_statements`` and gives each statement an
action:

- ``query``: SELECT (with WITH, VALUES, TABLE, FROM-first, SHOW, DESCRIBE, SUMMARIZE) and
  EXPLAIN [ANALYZE] of such a SELECT. Each runs in a ``BEGIN TRANSACTION READ ONLY``
  (the server's job), so DuckDB itself refuses a write that got this far (``nextval``);
- ``set``: SET / RESET, acknowledged and not applied: DuckDB settings such as ``threads``
  or ``memory_limit`` are global and would reach the writer; PostgreSQL clients send
  ``SET application_name``, ``DateStyle``, ``extra_float_digits`` and the like;
- ``begin`` / ``commit`` / ``rollback``: tracked for the client's transaction state only;
- anything else (INSERT, UPDATE, DELETE, MERGE, CREATE, DROP, ALTER, COPY, ATTACH, DETACH,
  INSTALL, LOAD, PRAGMA, CALL (CHECKPOINT parses as CALL), EXPORT, VACUUM, PREPARE, EXECUTE,
  USE, SET VARIABLE, ...) is refused with SQLSTATE 25006.

File and network access: a SELECT's parse tree (``json_serialize_sql``) is walked and every
table function must be on :data:`SAFE_TABLE_FUNCTIONS` (``range``, ``unnest``, the
``duckdb_*`` catalog functions, ...), so ``read_csv``, ``read_parquet``, ``read_text``,
``glob``, ``query()`` and extension scanners are refused; a table name that looks like a
path or URL (``FROM 'x.csv'``, a replacement scan) is refused too. A SELECT DuckDB cannot
serialise (PIVOT) is refused with 0A000 rather than run unchecked. The global
``enable_external_access = false`` would be simpler, but it is global and one-way: it
would take file access from the owning process too.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import duckdb

READ_ONLY = "25006"
SYNTAX = "42601"
NOT_SUPPORTED = "0A000"

SAFE_TABLE_FUNCTIONS = frozenset({
    "range", "generate_series", "unnest", "generate_subscripts", "json_each", "json_tree",
    "duckdb_columns", "duckdb_constraints", "duckdb_databases", "duckdb_dependencies",
    "duckdb_extensions", "duckdb_functions", "duckdb_indexes", "duckdb_keywords",
    "duckdb_optimizers", "duckdb_schemas", "duckdb_sequences", "duckdb_settings",
    "duckdb_tables", "duckdb_types", "duckdb_views", "pragma_database_size",
    "pragma_metadata_info", "pragma_platform", "pragma_show", "pragma_storage_info",
    "pragma_table_info", "pragma_user_agent", "pragma_version", "test_all_types",
})
_PATH_CHARS = frozenset("./\\:*?~")
_TXN = {"begin": "begin", "start": "begin", "commit": "commit", "end": "commit",
        "rollback": "rollback", "abort": "rollback"}


class Refused(Exception):
    """A statement the endpoint will not run; ``code`` is its SQLSTATE."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """One statement and what to do with it; ``tag`` is the CommandComplete word."""

    action: str  # "query" | "set" | "begin" | "commit" | "rollback"
    sql: str
    tag: str
    n_params: int = 0


def _keywords(sql: str) -> Iterator[tuple[int, str]]:
    """(offset, lower-case word) of the leading keyword tokens, comments skipped."""
    for offset, kind in duckdb.tokenize(sql):
        if kind == duckdb.token_type.comment:
            continue
        if kind != duckdb.token_type.keyword:
            return
        end = offset
        while end < len(sql) and (sql[end].isalnum() or sql[end] == "_"):
            end += 1
        yield offset, sql[offset:end].lower()


def _first_keyword(sql: str) -> str:
    return next((w for _, w in _keywords(sql)), "")


def _walk(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def check_select(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise Refused when a SELECT names a table function off the safe list or a path-like
    table; ``con`` is any DuckDB connection (only its parser runs)."""
    tree = json.loads(con.execute("SELECT json_serialize_sql($1::VARCHAR)", [sql]).fetchone()[0])
    if tree.get("error"):
        raise Refused(NOT_SUPPORTED, "this form of SELECT cannot be checked for file access "
                                     f"here ({tree.get('error_message', '')}); "
                                     "rewrite it as a plain SELECT")
    for node in _walk(tree):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = (node.get("function") or {}).get("function_name", "").lower()
            if name not in SAFE_TABLE_FUNCTIONS:
                raise Refused(READ_ONLY, f"table function {name}() is not allowed over the "
                                         "read-only endpoint (no file or network access)")
        elif kind == "BASE_TABLE":
            name = node.get("table_name", "")
            if _PATH_CHARS & set(name):
                raise Refused(READ_ONLY, f"reading {name!r} as a file is not allowed over the "
                                         "read-only endpoint")


def _n_params(stmt: Any) -> int:
    names = stmt.named_parameters
    return max((int(n) for n in names if n.isdigit()), default=len(names))


def _explain_inner(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The statement an EXPLAIN [ANALYZE] wraps, or Refused for the option-list form."""
    start = 0
    for offset, word in _keywords(sql):
        if word not in ("explain", "analyze", "analyse"):
            start = offset
            break
    inner = sql[start:] if start else ""
    try:
        stmts = con.extract_statements(inner) if inner else []
    except duckdb.Error:
        stmts = []
    if len(stmts) != 1:
        raise Refused(NOT_SUPPORTED, "only EXPLAIN [ANALYZE] <SELECT ...> is supported")
    if stmts[0].type != duckdb.StatementType.SELECT:
        what = _first_keyword(inner).upper() or stmts[0].type.name
        raise Refused(READ_ONLY, f"cannot EXPLAIN {what} over the read-only endpoint")
    return inner


def _step(con: duckdb.DuckDBPyConnection, stmt: Any) -> Step:
    sql, kind = stmt.query, stmt.type
    if kind == duckdb.StatementType.SELECT:
        check_select(con, sql)
        return Step("query", sql, "SELECT", _n_params(stmt))
    if kind == duckdb.StatementType.EXPLAIN:
        check_select(con, _explain_inner(con, sql))
        return Step("query", sql, "EXPLAIN", _n_params(stmt))
    word = _first_keyword(sql)
    if kind == duckdb.StatementType.SET and word in ("set", "reset"):
        return Step("set", sql, word.upper())
    if kind == duckdb.StatementType.TRANSACTION and word in _TXN:
        action = _TXN[word]
        return Step(action, sql, action.upper())
    what = word.upper() or kind.name
    raise Refused(READ_ONLY, f"cannot execute {what} over the read-only endpoint: only SELECT, "
                             "SHOW, DESCRIBE, EXPLAIN and SET are allowed")


def plan(con: duckdb.DuckDBPyConnection, sql: str) -> list[Step]:
    """The steps of a query string, in order; [] for an empty string (only comments).

    Raises ``duckdb.ParserException`` on a syntax error and Refused on the first statement
    that will not run, before anything runs (a simple Query is all or nothing).
    """
    return [_step(con, s) for s in con.extract_statements(sql)]
