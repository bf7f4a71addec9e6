"""Aggregates are built when data arrives, never when someone looks (issue #12, first part).

``build(folder)`` fills, for every plan of the library, the per-plan first counts the pages sum
(``unit_first_counts``) and writes them beside the tables as Parquet (``<folder>/.cache/``), keyed by the tables'
content. Import (before the version switch), ``python -m tracker demo`` and the dashboard's first start call it, so
the first official to open a page after new data arrives does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

Progress = Callable[[float, str], None]


def build(folder: Path, progress: Progress | None = None) -> list[str]:
    """Build every plan's aggregates for the tables in ``folder`` (a plain folder or a version's folder);
    returns the plans built. Already-built plans are read back, not recomputed."""
    from tracker.query import Runner

    say = progress or (lambda f, m: None)
    runner = Runner(folder)
    plans = runner.plans
    for k, plan in enumerate(plans):
        say(k / max(1, len(plans)), f"正在计算汇总数据：{plan}（{k + 1}/{len(plans)}）")
        runner.materialize(plan)
    say(1.0, "汇总数据已就绪")
    return plans


def missing(data_dir: Path) -> list[str]:
    """Plans whose aggregates are not yet on disk for the data being served."""
    from tracker.query import get_runner

    return get_runner(data_dir).aggregates_missing()
