"""Files kept beside a data version (``<data>/.cache/``): written whole or not at all, read back by DuckDB.

The aggregates and a plan's first counts (tracker.query.Runner) are kept here; a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from pathlib import Path

import duckdb


def first_counts_name(content: str, key: str, plan: str, suffix: str = "") -> str:
    """A plan's first counts file: keyed by the tables' content, what they read (``key``), and the plan."""
    return f"first_counts-{hashlib.sha1(f'{content}|{key}|{plan}'.encode()).hexdigest()[:16]}{suffix}.parquet"


def sql_text(path: Path) -> str:
    """A path as an SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def load_kept(cur: duckdb.DuckDBPyConnection, table: str, plan: str, path: Path | None) -> bool:
    """Fill a plan's rows of ``table`` from the file they were kept in; False (and nothing loaded) when there is no
    readable file."""
    if path is None or not path.is_file():
        return False
    try:
        cur.execute(
            f"INSERT INTO {table} SELECT * FROM read_parquet({sql_text(path)}) WHERE plan_id = $plan", {"plan": plan}
        )
        return True
    except duckdb.Error:
        cur.execute(f"DELETE FROM {table} WHERE plan_id = $plan", {"plan": plan})
        return False


def keep(cur: duckdb.DuckDBPyConnection, table: str, plan: str, path: Path | None, order: str | None = None) -> None:
    """Keep a plan's rows of ``table`` as Parquet (in ``order``), written whole or not at all. Best effort: a
    read-only data folder simply gets no cache."""
    if path is None:
        return
    ordered = f" ORDER BY {order}" if order else ""
    with contextlib.suppress(OSError, duckdb.Error):
        copy_atomically(cur, f"SELECT * FROM {table} WHERE plan_id = {sql_text(plan)}{ordered}", path, "FORMAT parquet")


def copy_atomically(cur: duckdb.DuckDBPyConnection, select: str, path: Path, options: str) -> None:
    """Write a SELECT's rows to ``path`` whole or not at all: into a temporary file of this process and thread beside
    it, renamed when complete (removed on any failure, which is raised)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        cur.execute(f"COPY (\n{select}\n) TO {sql_text(tmp)} ({options})")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
