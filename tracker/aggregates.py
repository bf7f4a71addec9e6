"""Aggregates are built when data arrives, never when someone looks (issue #12).

``build(folder)`` fills, for every plan of the library, the per-plan first counts the pages sum
(``unit_first_counts``), then every version aggregate of ``queries/aggregates/`` (compliance, breakdown, school and
subsidy facts), and writes them beside the tables as Parquet (``<folder>/.cache/``), keyed by the tables' content.
Import (inside the new version's folder, before the version switch), ``python -m tracker demo`` and the dashboard's
first start call it, so the first official to open a page after new data arrives does not pay for it.

An aggregate file holds one SELECT. It may be split into pieces, each built as its own step into its own Parquet
file, so a province-size extract is built in bounded memory and a stopped build goes on where it stopped:

- ``$plan`` in the SELECT: one piece per plan of ``plans.csv``; ``$plan`` becomes the plan id as an SQL literal and
  the SELECT outputs a ``plan_id`` column. An extract of at most ``[duckdb] rows_per_part`` rows builds every plan
  in one piece (``"*"``): small folders (tests, a county's extract) do not pay one step per plan.
- ``$part`` / ``$parts``: one piece per part of the persons (a range of the 1,024 person buckets); the number of
  parts grows with the rows (settings ``[duckdb] rows_per_part``), so every piece reads about that many rows.
- both (``$plan`` and ``$part``): a plan with more than ``[duckdb] rows_per_count_part`` rows within its windows is
  built part by part of its persons (pieces ``"<plan>@k/n"``), like its first counts; its readers sum the persons.
- ``$from_day`` / ``$until_day``: one piece per slice of the dates (``[duckdb] rows_per_slice`` rows each).

A file split by plan may say ``-- @plan_window`` on a line of its own: it reads a plan only through the completed
trainings ending in its window [start, deadline]. Plans whose windows hold the same such trainings (the same first
and last end date within them: 001's and 000's tasks of one year, or a plan whose deadline is past the data) then get
one computed piece; the others are copies of it under their own plan id (:func:`copy_plan_piece`).

The view of a split aggregate reads every piece's file; pieces not built yet are read through their SELECT.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.named_queries import strip_comments

if TYPE_CHECKING:
    from tracker.query import Runner

Progress = Callable[[float, str], None]
ROWS_PER_PART = 250_000  # settings [duckdb] rows_per_part
ROWS_PER_SLICE = 5_000_000  # settings [duckdb] rows_per_slice
ROWS_PER_COUNT_PART = 5_000_000  # settings [duckdb] rows_per_count_part
_PLAN_ID = re.compile(r"[A-Za-z0-9_.-]+")
_DATE_SLICE = re.compile(r"(\d{4}-\d{2}-\d{2})?\.\.(\d{4}-\d{2}-\d{2})?")


@dataclass(frozen=True)
class Aggregate:
    """A table the pages read, built once per data version (``queries/aggregates/NN_<name>.sql``)."""

    name: str
    description: str
    sql: str
    plan_window: bool = False  # ``-- @plan_window``: reads a plan only through the completed trainings of its window

    @property
    def split_by(self) -> str | None:
        """'plan' (one piece per plan), 'part' (one piece per part of the persons), 'dates' (one piece per slice of
        the dates, ``$from_day`` ≤ date < ``$until_day``; NULL: open) or None (one file)."""
        if re.search(r"\$plan\b", self.sql):
            return "plan"
        if re.search(r"\$parts?\b", self.sql):
            return "part"
        if re.search(r"\$(from|until)_day\b", self.sql):
            return "dates"
        return None

    @property
    def parted(self) -> bool:
        """Split by plan, and a large plan's piece by parts of the persons too (``$plan`` with ``$part``/``$parts``:
        piece ``"<plan>@k/n"``)."""
        return self.split_by == "plan" and re.search(r"\$parts?\b", self.sql) is not None

    def piece_sql(self, piece: str | None = None) -> str:
        """The SELECT of one piece: a plan id (``"<plan>@k/n"``: part k of n of its persons), ``"k/n"`` for part k of
        n, ``"a..b"`` a slice of the dates (``None``: the whole, unsplit)."""
        if self.split_by == "plan":
            plan, _, part = (piece or "").partition("@")
            checked_plan_id(self.name, plan, piece)
            return self._parted(re.sub(r"\$plan\b", f"'{plan}'", self.sql), part or "0/1")
        if self.split_by == "part":
            return self._parted(self.sql, piece or "0/1")
        if self.split_by == "dates":
            bounds = _DATE_SLICE.fullmatch(piece or "..")
            if bounds is None:
                raise ValueError(f"汇总表 {self.name} 的日期分段无效：{piece!r}")
            first, until = (f"DATE '{b}'" if b else "CAST(NULL AS DATE)" for b in bounds.groups())
            return re.sub(r"\$from_day\b", first, re.sub(r"\$until_day\b", until, self.sql))
        return self.sql

    def _parted(self, sql: str, piece: str) -> str:
        """``sql`` with ``$part`` / ``$parts`` of piece ``"k/n"``."""
        try:
            part, parts = (int(x) for x in piece.split("/"))
        except ValueError:
            part, parts = -1, 0
        if not 0 <= part < parts:
            raise ValueError(f"汇总表 {self.name} 的分片无效：{piece!r}")
        return re.sub(r"\$part\b", str(part), re.sub(r"\$parts\b", str(parts), sql))


def checked_plan_id(name: str, plan: str, shown: object) -> str:
    """``plan`` when it is a plan id fit to stand in aggregate ``name``'s SQL as a literal; else ValueError naming
    ``shown`` (the piece or plan it came from)."""
    if not _PLAN_ID.fullmatch(plan):
        raise ValueError(f"汇总表 {name} 按计划计算，计划编号无效：{shown!r}")
    return plan


def names_in(sql: str, names: Iterable[str]) -> list[str]:
    """Which of ``names`` (tables, views, macros, aggregates) the SQL text names as whole words (comments aside)."""
    words = set(re.findall(r"\w+", strip_comments(sql)))
    return [n for n in names if n in words]


_CREATE = re.compile(r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:MACRO|VIEW|TABLE)\s+(\w+)", re.I)


def model_objects(models_sql: str) -> dict[str, str]:
    """Each object a model creates (macro, view, table) and the SQL that creates it, so what a query reads can be
    followed through the models to the aggregates beneath them."""
    text = strip_comments(models_sql)
    starts = list(_CREATE.finditer(text))
    return {
        m.group(1): text[m.end() : starts[k + 1].start() if k + 1 < len(starts) else len(text)]
        for k, m in enumerate(starts)
    }


class Reads:
    """What reads what: every model object (macro, view, table) and aggregate, and the objects and aggregates its
    SQL names, worked out once; ``aggregates(sql)`` follows a query through them to the aggregates beneath it."""

    def __init__(self, objects: dict[str, str], aggregates: list[Aggregate]) -> None:
        texts = {**objects, **{a.name: a.sql for a in aggregates}}
        self._names = list(texts)
        self._named = {name: set(names_in(text, self._names)) - {name} for name, text in texts.items()}
        self._aggregates = aggregates

    def names(self, sql: str) -> set[str]:
        """Every model object and aggregate ``sql`` reads, directly or through the others."""
        seen: set[str] = set()
        todo = names_in(sql, self._names)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(self._named[name] - seen)
        return seen

    def aggregates(self, sql: str) -> list[Aggregate]:
        """The aggregates ``sql`` reads, directly or through model objects and other aggregates, in build order."""
        seen = self.names(sql)
        return [a for a in self._aggregates if a.name in seen]


def piece_file(piece: str) -> str:
    """A piece's file name inside its aggregate's folder."""
    if piece == "*":
        return "all-plans.parquet"
    if "@" in piece:  # part k of n of a plan's persons
        plan, part = piece.split("@")
        return f"{plan}-{piece_file(part)}"
    if "/" in piece:
        part, parts = piece.split("/")
        return f"part-{int(part):04d}-of-{int(parts):04d}.parquet"
    dates = _DATE_SLICE.fullmatch(piece)
    if dates is not None:
        return f"dates-{dates[1] or 'start'}-to-{dates[2] or 'end'}.parquet"
    return f"{piece}.parquet"


def part_pieces(rows: int, rows_per_part: int) -> list[str]:
    """The parts a split-by-person aggregate is built in for an extract of ``rows`` rows."""
    # at most 1,024 parts: persons fall in 1,024 buckets (person_bucket, queries/models/00_extracts.sql)
    parts = min(1024, max(1, -(-rows // max(1, rows_per_part))))
    return [f"{k}/{parts}" for k in range(parts)]


def date_pieces(first: dt.date | None, last: dt.date | None, rows: int, rows_per_slice: int) -> list[str]:
    """The slices of the dates a split-by-date aggregate is built in for an extract of ``rows`` rows whose dates run
    from ``first`` to ``last``: about one slice per ``rows_per_slice`` rows, cut at equal spans of days (``"a..b"``:
    a ≤ date < b); the first slice is open below and the last above, so every date falls in exactly one."""
    slices = max(1, -(-rows // max(1, rows_per_slice)))
    if slices == 1 or first is None or last is None or last <= first:
        return [".."]
    days = (last - first).days
    cuts = sorted({first + dt.timedelta(days=days * k // slices) for k in range(1, slices)} - {first})
    bounds: list[dt.date | None] = [None, *cuts, None]
    return [f"{a or ''}..{b or ''}" for a, b in itertools.pairwise(bounds)]


def list_aggregates(queries_dir: Path) -> list[Aggregate]:
    """The version aggregates in build order (file-name order: a later one may read an earlier one)."""
    out = []
    for path in sorted((queries_dir / "aggregates").glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        description = first.lstrip("- ").strip() if first.startswith("--") else ""
        body = strip_comments(text).strip().rstrip(";").strip()
        plan_window = re.search(r"^--\s*@plan_window\b", text, re.M) is not None
        out.append(Aggregate(re.sub(r"^\d+_", "", path.stem), description, body, plan_window))
    return out


def build(folder: Path, progress: Progress | None = None, queries_dir: Path | None = None) -> list[str]:
    """Build every plan's first counts and every version aggregate for the tables in ``folder`` (a plain folder or
    a version's folder); returns what was built (plan ids, then aggregate names). Already-built ones (and pieces)
    are read back, not recomputed; files left from earlier keys are removed at the end (:func:`prune`)."""
    from tracker import QUERIES_DIR
    from tracker.query import Runner

    say = progress or (lambda f, m: None)
    runner = Runner(folder, queries_dir=queries_dir or QUERIES_DIR, building=True)
    spans = functools.cache(partial(window_spans, runner))  # asked once, for every @plan_window aggregate

    def steps_of(agg: Aggregate) -> list[tuple[str, Callable[[], None]]]:
        if agg.split_by is None:
            return [(agg.name, partial(runner.build_aggregate, agg.name))]
        pieces = runner.aggregate_pieces(agg.name)
        copies = same_window_pieces(spans(), pieces) if agg.plan_window and len(pieces) > 1 else {}
        return [
            (
                f"{agg.name}（{p}）",
                partial(copy_plan_piece, runner, agg, p, copies[p])
                if p in copies
                else partial(runner.build_aggregate, agg.name, p),
            )
            for p in pieces
        ]

    # the aggregates the models read first (the first counts may read them), then every plan's first counts, then
    # the others, in file order
    steps: list[tuple[str, Callable[[], None]]] = []
    for agg in (a for a in runner.aggregates if a.name in runner.read_by_models):
        steps += steps_of(agg)
    steps += [(p, partial(runner.materialize, p)) for p in runner.plans]
    for agg in (a for a in runner.aggregates if a.name not in runner.read_by_models):
        steps += steps_of(agg)
    for k, (name, step) in enumerate(steps):
        say(k / max(1, len(steps)), f"正在计算汇总数据：{name}（{k + 1}/{len(steps)}）")
        step()
    prune(folder, runner.aggregate_files())
    say(1.0, "汇总数据已就绪")
    return list(runner.plans) + [a.name for a in runner.aggregates]


def window_spans(runner: Runner) -> dict[str, tuple]:
    """Each plan's first and last end date of the completed trainings in its window [start, deadline] (None, None
    for a window holding none)."""
    spans = runner.cursor().execute(
        "SELECT p.plan_id, min(t.end_date), max(t.end_date) FROM plans AS p "
        "LEFT JOIN completed_training AS t ON t.end_date BETWEEN p.start AND p.deadline GROUP BY p.plan_id"
    )
    return {plan: (first, last) for plan, first, last in spans.fetchall()}


def same_window_pieces(spans: dict[str, tuple], pieces: list[str | None]) -> dict[str, str]:
    """For a ``@plan_window`` aggregate's pieces (plan ids): each plan whose window holds the same completed trainings
    as an earlier plan's → that plan. Two windows hold the same trainings when the first and the last end date within
    them (``spans``, :func:`window_spans`) are the same (every training between those dates lies in both windows, and
    none outside them in either); windows holding none hold the same (none)."""
    plans = [p for p in pieces if p and p != "*" and "@" not in p and p in spans]
    first_with: dict[tuple, str] = {}
    copies = {}
    for plan in plans:
        if spans[plan] in first_with:
            copies[plan] = first_with[spans[plan]]
        else:
            first_with[spans[plan]] = plan
    return copies


def copy_plan_piece(runner: Runner, agg: Aggregate, plan: str, source: str) -> None:
    """Plan ``plan``'s piece of ``@plan_window`` aggregate ``agg``: plan ``source``'s rows (its window holds the same
    trainings) under ``plan``'s id, in the aggregate's own order; then the view as :meth:`Runner.build_aggregate`
    leaves it (pointed at the files once the last piece is on disk)."""
    from tracker.kept import copy_atomically, sql_text

    checked_plan_id(agg.name, plan, plan)
    target = runner.piece_path(agg.name, plan)
    if not target.is_file():
        runner.build_aggregate(agg.name, source)
        order = re.search(r"\bORDER\s+BY\s+([^()]+)$", agg.sql, re.I)
        copy_atomically(
            runner.cursor(),
            f"SELECT * REPLACE ('{plan}' AS plan_id) FROM read_parquet({sql_text(runner.piece_path(agg.name, source))})"
            + (f" ORDER BY {order.group(1)}" if order else ""),
            target,
            "FORMAT parquet, COMPRESSION zstd",
        )
    runner.build_aggregate(agg.name, plan)


def prune(folder: Path, current: set[Path]) -> list[Path]:
    """Remove the aggregate files of ``folder/.cache`` that no longer serve it: built under other keys (earlier
    tables of the folder, an earlier plan library, models or SQL). Only whole finished files and folders named as
    the runner names them (``agg-*``, ``first_counts-*``); a build's temporary files (``.…tmp``) are left alone.
    At 10M, 110 of 149 entries (1.75 of 3.2 GB) were left over from earlier versions of the code."""
    import shutil

    cache = folder / ".cache"
    removed = []
    for entry in sorted(cache.iterdir()) if cache.is_dir() else []:
        if not entry.name.startswith(("agg-", "first_counts-")) or entry in current:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def missing(data_dir: Path) -> list[str]:
    """Plans whose aggregates are not yet on disk for the data being served."""
    from tracker.query import get_runner

    return get_runner(data_dir).aggregates_missing()
