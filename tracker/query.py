"""The query runner: DuckDB over the Parquet extracts, the reference CSVs and the named SQL files.

- ``queries/models/*.sql`` are executed (in file-name order) on every new connection; they create the
  shared views and macros that named queries build on (one definition per metric).
- ``queries/*.sql`` are the named queries (tracker.named_queries reads them and their parameters); parameters are
  bound by DuckDB (``$plan``), never formatted into SQL text. The reference CSVs are tracker.reference's tables.
- Results are cached per (query, parameters, data version) in a bounded LRU; each thread gets its own cursor.
- ``queries/aggregates/NN_<name>.sql`` are the version aggregates: one SELECT each, built when data arrives
  (``tracker.aggregates.build``) into ``<data>/.cache/`` as Parquet (written whole or not at all: tracker.kept),
  keyed by the tables' content, the plan library and what their SQL reads. On a connection each becomes the view
  ``<name>`` over its Parquet file; while a file is not yet built the view is the SELECT itself (same answers, read
  from the raw rows), so nothing breaks, and the dashboard builds what is missing, with a progress bar, before the
  first page answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tracker import QUERIES_DIR, REFERENCE_DIR
from tracker.aggregates import (
    ROWS_PER_COUNT_PART,
    ROWS_PER_PART,
    ROWS_PER_SLICE,
    Aggregate,
    Reads,
    date_pieces,
    list_aggregates,
    model_objects,
    names_in,
    part_pieces,
    piece_file,
)
from tracker.contract import NAME_COLUMNS, TABLES
from tracker.first_counts import FIRST_COUNTS_FILL, PERIOD_COUNTS_FILL, count_firsts, plan_parts
from tracker.kept import copy_atomically, first_counts_name, keep, load_kept, sql_text
from tracker.named_queries import NamedQuery, QueryError, convert_param, list_queries
from tracker.reference import REFERENCE_TABLES, plan_ids, read_reference
from tracker.scope import Scope
from tracker.store import DataError, active_dir, content_key, data_version, resolve_data_dir, table_source

CACHE_SIZE = 256
BUILD_MEMORY_LIMIT = "6GB"  # settings [duckdb] build_memory_limit
CACHE_MB = 256  # the result cache's memory bound (settings [duckdb] result_cache_mb), besides the entry count


def duckdb_config() -> dict[str, Any]:
    """DuckDB's resources from the settings file ([duckdb] memory_limit, threads, temp_directory): defaults fit a
    small 2-core server, and builds spill to disk instead of growing without bound."""
    from tracker import settings

    config: dict[str, Any] = {
        "memory_limit": str(settings.get("duckdb", "memory_limit", "1GB")),
        "threads": int(settings.get("duckdb", "threads", min(4, os.cpu_count() or 2))),
    }
    # spills go to the system's temporary folder unless set (DuckDB's own default is ".tmp" in whatever folder the
    # process runs in: the application's checkout)
    # one folder per process: DuckDB removes the folder it made when it closes, with whatever another process
    # was spilling into it
    temp = settings.get("duckdb", "temp_directory") or Path(tempfile.gettempdir()) / "skills-tracker-duckdb" / str(
        os.getpid()
    )
    # DuckDB makes the folder itself (and removes it on closing) but not the folders above it
    Path(temp).parent.mkdir(parents=True, exist_ok=True)
    config["temp_directory"] = str(temp)
    return config


class Runner:
    """One DuckDB database per served data version; a cursor per thread; a bounded result cache."""

    def __init__(
        self,
        data: str | Path | None = None,
        reference_dir: Path = REFERENCE_DIR,
        queries_dir: Path = QUERIES_DIR,
        cache_size: int = CACHE_SIZE,
        building: bool = False,
    ) -> None:
        self.data_dir = resolve_data_dir(data)
        # a runner that builds aggregates (import, demo, first start) need not keep rows in insertion order, which
        # lets DuckDB stream and spill large INSERT / COPY instead of holding them (every named query orders itself)
        self.building = building
        self.reference_dir = reference_dir
        self.queries_dir = queries_dir
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._con_version: str | None = None
        self._local = threading.local()
        self._cache: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._cache_bytes: dict[tuple, int] = {}
        self._questions: dict[tuple, threading.Lock] = {}
        from tracker import settings

        self.cache_bytes_limit = int(float(settings.get("duckdb", "result_cache_mb", CACHE_MB)) * 1024 * 1024)
        self.rows_per_part = int(settings.get("duckdb", "rows_per_part", ROWS_PER_PART))
        self.rows_per_slice = int(settings.get("duckdb", "rows_per_slice", ROWS_PER_SLICE))
        self.rows_per_count_part = int(settings.get("duckdb", "rows_per_count_part", ROWS_PER_COUNT_PART))
        self._rows: dict[str, int] = {}  # the larger table's rows per data version (sizes the parts)
        self._date_spans: dict[str, tuple] = {}  # the extract's first and last date per large data version
        self._plan_parts: dict[str, dict[str, int]] = {}  # per large data version: the parts each plan is counted in
        self._materialized: dict[str, set[str]] = {}
        self._aggregates_complete: set[str] = set()
        self._plan_locks: dict[tuple[str, str], threading.Lock] = {}
        self.queries = list_queries(queries_dir)
        self.aggregates = list_aggregates(queries_dir)
        self._built: dict[str, set[str]] = {}
        self._aggregate_locks: dict[tuple[str, str], threading.Lock] = {}
        self._aggregate_keys: dict[str, str] = {}
        self.plans = plan_ids(reference_dir)
        # what a kept file depends on besides the data: the plan library and the text of every model object and
        # aggregate its SQL reads, followed through the others (tracker.aggregates.Reads) — a changed model rebuilds
        # only what reads it, a new or changed aggregate only itself and what reads it
        models = sorted((queries_dir / "models").glob("*.sql"))
        models_text = "\n".join(f.read_text(encoding="utf-8") for f in models)
        read_by_models = set(names_in(models_text, [a.name for a in self.aggregates]))
        self.read_by_models = read_by_models  # built before the first counts, which read them
        objects = model_objects(models_text)
        self._reads = Reads(objects, self.aggregates)
        # (whitespace and comments are not changes: the texts are compared word by word)
        texts = {
            name: " ".join(text.split())
            for name, text in {**objects, **{a.name: a.sql for a in self.aggregates}}.items()
        }
        reference = hashlib.sha1()
        for f in sorted(reference_dir.glob("*.csv")):
            reference.update(f.name.encode() + f.read_bytes())

        def key_of(sql: str) -> str:
            digest = hashlib.sha1(reference.digest())
            for name in sorted(self._reads.names(sql)):
                digest.update(name.encode() + b"\0" + texts[name].encode() + b"\0")
            return digest.hexdigest()

        self._first_counts_key = key_of(FIRST_COUNTS_FILL)
        self._period_counts_key = key_of(PERIOD_COUNTS_FILL)
        for agg in self.aggregates:
            self._aggregate_keys[agg.name] = key_of(agg.name)

    # -- data version ------------------------------------------------------------------------
    def version(self) -> str:
        if not self.data_dir.is_dir():
            raise DataError(f"数据目录不存在：{self.data_dir}")
        return data_version(self.data_dir)

    def _connection(self) -> tuple[duckdb.DuckDBPyConnection, str]:
        version = self.version()
        with self._lock:
            if self._con is None or self._con_version != version:
                self._con = self._open(version)
                self._con_version = version
                self._local = threading.local()
                self._materialized = {}
            return self._con, version

    def cursor(self) -> duckdb.DuckDBPyConnection:
        con, version = self._connection()
        cur = getattr(self._local, "cursor", None)
        if cur is None or getattr(self._local, "version", None) != version:
            cur = con.cursor()
            self._local.cursor, self._local.version = cur, version
        return cur

    def _open(self, version: str) -> duckdb.DuckDBPyConnection:
        folder = active_dir(self.data_dir)
        config = {**duckdb_config(), "autoinstall_known_extensions": False, "autoload_known_extensions": False}
        if self.building:
            # builds (import worker, CLI, demo, a first start) get their own, larger limit: person-level aggregates
            # of a 10M extract do not fit the serving limit; they spill beyond it
            config["preserve_insertion_order"] = False
            from tracker import settings

            config["memory_limit"] = str(settings.get("duckdb", "build_memory_limit", BUILD_MEMORY_LIMIT))
        con = duckdb.connect(config=config)
        # every view over an extract reads its files' footers when it is bound: with an extract of many files (a
        # hive-partitioned 100M one) and views nested in views, re-reading them took 42 s and 8.7 GB before one build
        # step (a setting of the Parquet reader, so set once it is loaded; GLOBAL: for every cursor too)
        con.execute("SET GLOBAL parquet_metadata_cache = true")
        rows = 0
        for table in TABLES:
            source = table_source(folder, table)
            if source is None:
                raise DataError(f"数据目录 {folder} 中没有 {table}.parquet 或 {table}/ 文件夹")
            try:
                rel = con.read_parquet(source.glob, hive_partitioning=source.hive, union_by_name=True)
                name_column = NAME_COLUMNS[table].name  # CONTRACT §4: optional; NULL where the extract has none
                if name_column not in rel.columns:
                    rel = rel.project(f"*, CAST(NULL AS VARCHAR) AS {name_column}")
                rel.create_view(f"{table}_raw")
                rows = max(rows, con.execute(f"SELECT count(*) FROM {table}_raw").fetchall()[0][0])
            except duckdb.Error as exc:
                raise DataError(f"无法读取 {table} 数据（{folder}）：{str(exc).splitlines()[0]}") from exc
        for name in REFERENCE_TABLES:
            con.register(f"{name}_arrow", read_reference(name, self.reference_dir))
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
            con.unregister(f"{name}_arrow")
        self._rows[version] = rows
        if rows > self.rows_per_slice:  # the aggregates built in slices of the dates cut them over this span
            self._date_spans[version] = con.execute(
                "SELECT min(d), max(d) FROM (SELECT CAST(end_date AS DATE) AS d FROM training_raw "
                "UNION ALL SELECT CAST(issue_date AS DATE) FROM certificates_raw)"
            ).fetchone()
        if rows > self.rows_per_count_part:  # each plan's person-level work is done part by part of the persons
            self._plan_parts[version] = plan_parts(con, self.rows_per_count_part)
        self._run_models(con, folder, version)
        return con

    def _run_models(self, con: duckdb.DuckDBPyConnection, folder: Path, version: str) -> None:
        """Execute the models statement by statement; each aggregate's view is installed just before the first
        statement that names it (its own SELECT reads only what earlier statements made), because DuckDB binds a view
        or table macro's tables when it is created."""
        try:
            content: str | None = content_key(folder)
        except (DataError, OSError):
            content = None
        pending = {agg.name: agg for agg in self.aggregates}

        def install_named_in(sql: str) -> None:
            for name in names_in(sql, list(pending)):
                agg = pending.pop(name, None)
                if agg is not None:
                    install_named_in(agg.sql)  # an aggregate read by this one first
                    self._install_aggregate(con, agg, folder, content, version)

        for model in sorted((self.queries_dir / "models").glob("*.sql")):
            try:
                for statement in con.extract_statements(model.read_text(encoding="utf-8")):
                    install_named_in(statement.query)
                    con.execute(statement.query)
            except duckdb.Error as exc:
                raise QueryError(f"模型 {model.name} 出错：{exc}") from exc
        for agg in list(pending.values()):
            install_named_in(agg.name)

    # -- version aggregates ------------------------------------------------------------------
    def _aggregate_path(self, folder: Path, name: str, content: str | None = None, piece: str | None = None) -> Path:
        """An aggregate's file (a split aggregate's piece: a file in the aggregate's folder), keyed by the tables'
        content, the plan library and the model objects and aggregates its SQL reads (``_aggregate_keys``)."""
        key = content if content is not None else content_key(folder)
        digest = hashlib.sha1(f"{key}|{self._aggregate_keys[name]}|{name}".encode()).hexdigest()[:16]
        if piece is None:
            return folder / ".cache" / f"agg-{name}-{digest}.parquet"
        return folder / ".cache" / f"agg-{name}-{digest}" / piece_file(piece)

    def piece_path(self, name: str, piece: str | None = None) -> Path:
        """Where aggregate ``name`` (or one piece of it) is kept for the data being served."""
        folder = active_dir(self.data_dir)
        return self._aggregate_path(folder, name, content_key(folder), piece)

    def aggregate_pieces(self, name: str) -> list[str | None]:
        """The pieces aggregate ``name`` is built in: plan ids (``"*"``, every plan in one piece, for an extract of
        at most ``rows_per_part`` rows), ``"k/n"`` parts, ``"a..b"`` slices of the dates, or ``[None]`` (one file)."""
        _, version = self._connection()
        return self._pieces(self._aggregate(name), version)

    def _pieces(self, agg: Aggregate, version: str) -> list[str | None]:
        rows = self._rows.get(version, 0)
        if agg.split_by == "plan":
            if rows <= self.rows_per_part:
                return ["*"]
            # an aggregate with $part too: a large plan's piece is built part by part of the persons
            parts = self._plan_parts.get(version, {}) if agg.parted else {}
            return [
                f"{plan}@{k}/{parts.get(plan, 1)}" if parts.get(plan, 1) > 1 else plan
                for plan in self.plans
                for k in range(parts.get(plan, 1))
            ]
        if agg.split_by == "part":
            return list(part_pieces(rows, self.rows_per_part))
        if agg.split_by == "dates":
            return list(date_pieces(*self._date_spans.get(version, (None, None)), rows, self.rows_per_slice))
        return [None]

    def _piece_sql(self, agg: Aggregate, piece: str | None) -> str:
        """One piece's SELECT; ``"*"``: every plan's, one after the other."""
        if piece == "*":
            return "\nUNION ALL BY NAME\n".join(f"SELECT * FROM (\n{agg.piece_sql(p)}\n)" for p in self.plans)
        return agg.piece_sql(piece)

    def _aggregate(self, name: str) -> Aggregate:
        agg = next((a for a in self.aggregates if a.name == name), None)
        if agg is None:
            raise QueryError(f"未知汇总表 {name}")
        return agg

    def _aggregate_view(self, agg: Aggregate, folder: Path, content: str | None, version: str) -> tuple[str, bool]:
        """The SELECT of an aggregate's view and whether every piece is on disk: built pieces are read from their
        files, the others through their own SELECT (same answers, from the raw rows)."""
        files = self._piece_files(agg, folder, content, version)
        if all(done for _, _, done in files):
            return f"SELECT * FROM read_parquet([{', '.join(sql_text(path) for _, path, _ in files if path)}])", True
        if agg.split_by is None or (agg.split_by in ("part", "dates") and not any(done for _, _, done in files)):
            return agg.piece_sql(None), False  # the whole SELECT at once
        parts = [
            f"SELECT * FROM read_parquet({sql_text(path)})"
            if done and path is not None
            else f"SELECT * FROM (\n{self._piece_sql(agg, p)}\n)"
            for p, path, done in files
        ]
        return "\nUNION ALL BY NAME\n".join(parts), False

    def _piece_files(
        self, agg: Aggregate, folder: Path, content: str | None, version: str
    ) -> list[tuple[str | None, Path | None, bool]]:
        """Each piece of aggregate ``agg`` with its file and whether that file is on disk (no file without a
        content key)."""
        paths = [
            (p, self._aggregate_path(folder, agg.name, content, p) if content is not None else None)
            for p in self._pieces(agg, version)
        ]
        return [(p, path, path is not None and path.is_file()) for p, path in paths]

    def _install_aggregate(
        self, con: duckdb.DuckDBPyConnection, agg: Aggregate, folder: Path, content: str | None, version: str
    ) -> None:
        """An aggregate as a view: over its built Parquet file(s), or over its own SELECT where not built yet."""
        sql, complete = self._aggregate_view(agg, folder, content, version)
        try:
            con.execute(f"CREATE OR REPLACE VIEW {agg.name} AS\n{sql}\n")
        except duckdb.Error as exc:
            raise QueryError(f"汇总表 {agg.name} 出错：{str(exc).splitlines()[0]}") from exc
        if complete:  # (no lock: a connection being opened holds it)
            self._built.setdefault(version, set()).add(agg.name)

    def build_aggregate(self, name: str, piece: str | None = None) -> None:
        """Build version aggregate ``name`` (or one piece of a split one) into Parquet (once per data version;
        streamed by DuckDB, which spills to disk under its memory limit) and point the view at it. A read-only folder
        keeps the live view."""
        agg = self._aggregate(name)
        con, version = self._connection()
        with self._lock:
            if name in self._built.setdefault(version, set()):
                return
            lock = self._aggregate_locks.setdefault((version, name), threading.Lock())
        pieces = [piece] if piece is not None else self.aggregate_pieces(name)
        with lock:
            with self._lock:
                if name in self._built.setdefault(version, set()):
                    return
            folder = active_dir(self.data_dir)
            content = content_key(folder)
            cur = con.cursor()
            for p in pieces:
                path = self._aggregate_path(folder, name, content, p)
                if path.is_file():
                    continue
                try:
                    copy_atomically(cur, self._piece_sql(agg, p), path, "FORMAT parquet, COMPRESSION zstd")
                except OSError:
                    pass
                except duckdb.Error as exc:
                    where = f"（{p}）" if p is not None else ""
                    raise QueryError(f"汇总表 {name}{where} 计算出错：{str(exc).splitlines()[0]}") from exc
            # one piece of many (tracker.aggregates.build's steps): the view is pointed at the files once, when the
            # last piece is on disk; until then it answers the same through its SELECT. Re-binding it after every
            # piece (a union of every piece, most still SELECTs) took 3.1 s per piece at 100M (446 pieces: 23 min)
            if piece is None or self._on_disk(agg, folder, content, version):
                self._install_aggregate(cur, agg, folder, content, version)

    def _on_disk(self, agg: Aggregate, folder: Path, content: str, version: str) -> bool:
        """Whether every piece of aggregate ``agg`` has its file."""
        return all(done for _, _, done in self._piece_files(agg, folder, content, version))

    def bind(self, query: NamedQuery, params: dict[str, Any]) -> dict[str, Any]:
        known = {p.name: p for p in query.params}
        unknown = set(params) - set(known)
        if unknown:
            raise QueryError(f"查询 {query.name} 没有参数 {', '.join(sorted(unknown))}（可用：{', '.join(known)}）")
        bound: dict[str, Any] = {}
        for p in query.params:
            value = params.get(p.name)
            if value in (None, ""):
                if p.required:
                    raise QueryError(f"查询 {query.name} 需要参数 {p.name}")
                value = p.default
            bound[p.name] = None if value is None else convert_param(p, value)
        if "plan" in bound and bound["plan"] is not None and bound["plan"] not in self.plans:
            raise QueryError(f"未知计划 {bound['plan']}（可用：{', '.join(self.plans)}）")
        if "level" in bound and bound["level"] not in (None, "province", "city", "county", "school"):
            raise QueryError(f"未知层级 {bound['level']}（可用：province, city, county, school）")
        return {k: v for k, v in bound.items() if k in query.bound_names}

    def _default_as_of(self, query: NamedQuery, params: dict[str, Any]) -> dict[str, Any]:
        """A query that takes an as-of date gets the latest date in the data when none is given."""
        if "as_of" in {p.name for p in query.params} and params.get("as_of") in (None, ""):
            return {**params, "as_of": self.latest_date()}
        return params

    # -- running -----------------------------------------------------------------------------
    def run(self, name: str, scope: Scope | None = None, **params: Any) -> pd.DataFrame:
        """The result of named query ``name`` (cached per parameters and data version), as ``scope`` may see it
        (tracker/scope.py: a parameter naming a unit out of scope raises ScopeError; rows out of scope are dropped).
        """
        query = self.queries.get(name)
        if query is None:
            raise QueryError(f"未知查询 {name}（python -m tracker query --list 列出全部查询）")
        if scope is not None:
            scope.check(name, params)
        bound = self.bind(query, self._default_as_of(query, params))
        version = self.version()
        key = (name, tuple(sorted(bound.items())), version)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is None:
            # one question computed once: sessions asking what another is computing wait for its answer (then in
            # the cache) instead of computing it beside it — 20 officials opening 总览 at 9:00 on a fresh server
            with self._asking(key):
                with self._lock:
                    cached = self._cache.get(key)
                if cached is None:
                    cached = self._remember(key, self.execute(query, bound))
        # the cache holds the whole answer; every caller gets it through its own scope, never another's
        return cached.copy() if scope is None else scope.filter(name, cached.copy())

    def _asking(self, key: tuple) -> threading.Lock:
        """The lock of one question (query, parameters, data version)."""
        with self._lock:
            if len(self._questions) > 10_000:  # forgotten questions (a held lock stays with its holder)
                self._questions.clear()
            return self._questions.setdefault(key, threading.Lock())

    def _remember(self, key: tuple, answer: pd.DataFrame) -> pd.DataFrame:
        """Keep an answer, bounded by entries and by memory: the oldest go first (never the one just computed)."""
        size = int(answer.memory_usage(index=True, deep=True).sum())
        with self._lock:
            self._cache[key] = answer
            self._cache_bytes[key] = size
            while len(self._cache) > 1 and (
                len(self._cache) > self.cache_size or sum(self._cache_bytes.values()) > self.cache_bytes_limit
            ):
                old, _ = self._cache.popitem(last=False)
                self._cache_bytes.pop(old, None)
        return answer

    def build_read_by(self, sql: str) -> None:
        """Build the aggregates ``sql`` reads (through the models too) that are not built yet, before it runs.

        Data that arrives through import, ``python -m tracker demo`` or the dashboard's first start has them built
        already; a folder nobody built (a test's, a hand-made extract) builds them on first look, once. Reading them
        through their SELECTs instead nests every plan's SELECT inside every other's: minutes and out of memory on
        20,000 rows. A folder that cannot be written keeps the live views."""
        _, version = self._connection()
        built = self._built.get(version, set())
        if len(built) == len(self.aggregates):
            return
        wanted = [a for a in self._reads.aggregates(sql) if a.name not in built]
        if wanted and self._writable():
            for agg in wanted:
                self.build_aggregate(agg.name)

    def _writable(self) -> bool:
        folder = active_dir(self.data_dir)
        cache = folder / ".cache"
        return os.access(cache if cache.is_dir() else folder, os.W_OK)

    def materialize(self, plan: str) -> None:
        """Fill unit_first_counts (and its biweekly sums, unit_period_counts) for a plan once per data version
        (idempotent, thread-safe).

        Both are also kept as Parquet beside the data (``.cache/``), keyed by the tables' content, the plan library
        and the model objects they read, so a restarted dashboard reads them instead of recomputing.
        """
        con, version = self._connection()
        with self._lock:
            if plan in self._materialized.setdefault(version, set()):
                return
            plan_lock = self._plan_locks.setdefault((version, plan), threading.Lock())
        # each plan is filled once, under its own lock: other plans and other sessions' queries go on meanwhile
        with plan_lock:
            with self._lock:
                if plan in self._materialized.setdefault(version, set()):
                    return
            cur = con.cursor()
            cache = self._first_counts_cache(version, plan)
            periods = self._first_counts_cache(version, plan, periods=True)
            for table in ("unit_first_counts", "unit_period_counts"):
                cur.execute(f"DELETE FROM {table} WHERE plan_id = $plan", {"plan": plan})
            # a plan's daily counts in date order (their file is written so): the counts of the period holding a
            # figure's date skip to it
            if not load_kept(cur, "unit_first_counts", plan, cache):
                self.build_read_by(FIRST_COUNTS_FILL)  # the aggregates the first counts read
                count_firsts(cur, plan, self._plan_parts.get(version, {}).get(plan, 1))
                keep(cur, "unit_first_counts", plan, cache, order="first_date")
            # the biweekly periods' sums (queries/models/30_unit_progress.sql), kept beside the daily counts
            if not load_kept(cur, "unit_period_counts", plan, periods):
                cur.execute(PERIOD_COUNTS_FILL, {"plan": plan})
                keep(cur, "unit_period_counts", plan, periods)
            with self._lock:
                self._materialized.setdefault(version, set()).add(plan)

    def _first_counts_cache(self, version: str, plan: str, periods: bool = False) -> Path | None:
        """Where a plan's first counts (``periods``: their biweekly period sums) are kept beside the data: keyed by
        the tables' content (not the folder's path, so aggregates built in a new version's folder before the switch
        serve it after), the plan library, the model objects they read, and the plan."""
        try:
            folder = active_dir(self.data_dir)
            content = content_key(folder)
        except (DataError, OSError):
            return None
        return folder / ".cache" / self._first_counts_file(content, plan, periods)

    def _first_counts_file(self, content: str, plan: str, periods: bool = False) -> str:
        if periods:
            return first_counts_name(content, self._period_counts_key, plan, "-periods")
        return first_counts_name(content, self._first_counts_key, plan)

    def aggregate_files(self) -> set[Path]:
        """Every file (or folder of pieces) of ``.cache`` that serves the current tables: each plan's first counts
        and their period sums, and each aggregate, under their present keys."""
        folder = active_dir(self.data_dir)
        content = content_key(folder)
        files = {
            folder / ".cache" / self._first_counts_file(content, plan, periods)
            for plan in self.plans
            for periods in (False, True)
        }
        for agg in self.aggregates:
            path = self._aggregate_path(folder, agg.name, content, None if agg.split_by is None else "*")
            files.add(path if agg.split_by is None else path.parent)
        return files

    def aggregates_missing(self) -> list[str]:
        """The plans whose first counts, and the version aggregates that, are neither loaded nor on disk for the
        served data.

        Asked on every page run: once a data version is found complete it is remembered, so the check costs
        one version lookup instead of a content key per plan."""
        version = self.version()
        if version in self._aggregates_complete:
            return []
        done = self._materialized.get(version, set())
        folder = active_dir(self.data_dir)
        key = content_key(folder)
        missing = [
            plan
            for plan in self.plans
            if plan not in done and not (folder / ".cache" / self._first_counts_file(key, plan)).is_file()
        ]
        built = self._built.get(version, set())
        for agg in self.aggregates:
            if agg.name in built:
                continue
            _, opened = self._connection()  # a split aggregate's pieces depend on the opened tables' rows
            if self._on_disk(agg, folder, key, opened):
                self.build_aggregate(agg.name)  # built by another process (import, CLI): point the view at it
            else:
                missing.append(agg.name)
        if not missing:
            self._aggregates_complete.add(version)
        return missing

    def execute(self, query: NamedQuery, bound: dict[str, Any]) -> pd.DataFrame:
        """Run without the cache (the benchmark uses this)."""
        try:
            self.build_read_by(query.sql)
            if bound.get("plan"):
                self.materialize(bound["plan"])
            return self.cursor().execute(query.sql, bound).df()
        except duckdb.Error as exc:
            raise QueryError(f"查询 {query.name} 执行出错：{str(exc).splitlines()[0]}") from exc

    def latest_date(self) -> dt.date:
        """The latest date in the data: the last completion, certificate or entry."""
        cached = getattr(self, "_latest", None)
        version = self.version()
        if cached and cached[0] == version:
            return cached[1]
        row = (
            self.cursor()
            .execute(
                """SELECT greatest(
                   (SELECT max(end_date) FROM training WHERE status = 'completed'),
                   (SELECT max(issue_date) FROM certificates))"""
            )
            .fetchall()[0][0]
        )
        latest = row or dt.date.today()
        self._latest = (version, latest)
        return latest

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            self._cache_bytes.clear()

    def timed(self, name: str, **params: Any) -> tuple[pd.DataFrame, float]:
        """Execute bypassing the cache; returns the result and milliseconds taken."""
        query = self.queries[name]
        bound = self.bind(query, self._default_as_of(query, params))
        t0 = time.perf_counter()
        df = self.execute(query, bound)
        return df, (time.perf_counter() - t0) * 1000


_RUNNERS: dict[str, Runner] = {}
_RUNNERS_LOCK = threading.Lock()


def get_runner(data: str | Path | None = None) -> Runner:
    """The shared runner for a data folder (one per process, so the cache is shared)."""
    key = str(resolve_data_dir(data).resolve())
    with _RUNNERS_LOCK:
        if key not in _RUNNERS:
            _RUNNERS[key] = Runner(data)
        return _RUNNERS[key]


def run_query(name: str, data: str | Path | None = None, **params: Any) -> pd.DataFrame:
    return get_runner(data).run(name, **params)
