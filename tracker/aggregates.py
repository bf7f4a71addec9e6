"""Aggregates are built when data arrives, never when someone looks (issue #12).

``build(folder)`` fills, for every plan of the library, the per-plan first counts the pages sum
(``unit_first_counts``), then every version aggregate of ``queries/aggregates/`` (compliance, breakdown and school
facts), and writes them beside the tables as Parquet (``<folder>/.cache/``), keyed by the tables' content. Import
(inside the new version's folder, before the version switch), ``python -m tracker demo`` and the dashboard's first
start call it, so the first official to open a page after new data arrives does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

Progress = Callable[[float, str], None]


def build(folder: Path, progress: Progress | None = None, queries_dir: Path | None = None) -> list[str]:
    """Build every plan's first counts and every version aggregate for the tables in ``folder`` (a plain folder or
    a version's folder); returns what was built (plan ids, then aggregate names). Already-built ones are read back,
    not recomputed."""
    from tracker import QUERIES_DIR
    from tracker.query import Runner

    say = progress or (lambda f, m: None)
    runner = Runner(folder, queries_dir=queries_dir or QUERIES_DIR, building=True)
    steps: list[tuple[str, Callable[[], None]]] = [(p, lambda p=p: runner.materialize(p)) for p in runner.plans]
    steps += [(a.name, lambda n=a.name: runner.build_aggregate(n)) for a in runner.aggregates]
    for k, (name, step) in enumerate(steps):
        say(k / max(1, len(steps)), f"正在计算汇总数据：{name}（{k + 1}/{len(steps)}）")
        step()
    say(1.0, "汇总数据已就绪")
    return [name for name, _ in steps]


def missing(data_dir: Path) -> list[str]:
    """Plans whose aggregates are not yet on disk for the data being served."""
    from tracker.query import get_runner

    return get_runner(data_dir).aggregates_missing()
