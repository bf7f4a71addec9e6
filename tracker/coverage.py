"""CONTRACT §4 data-range guards in words: what the data can say about a plan at a date.

One wording for the pages (above every page's figures), the CLI (on stderr) and the exports (under the title),
built from the named query ``plan_coverage``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tracker import ui


@dataclass(frozen=True)
class Note:
    kind: str  # info | warning | caption
    text: str


def default_as_of(plan: str, latest: dt.date) -> dt.date:
    """The date a plan opens on (pages, the CLI's report): the earlier of its deadline and the latest business date
    L in the data (CONTRACT §4) — a finished plan opens on its deadline (seed 004's quotas on 2021-08-31)."""
    return min(latest, dt.date.fromisoformat(ui.plan_info(plan)["deadline"]))


def notes(cov: dict[str, Any], as_of: dt.date) -> list[Note]:
    """The sentences a reader needs before trusting the figures: not started, no data, data ends before the date,
    plan past its deadline."""
    out: list[Note] = []
    start, end = cov["window_start"], cov["window_end"]
    if cov["not_started"]:
        out.append(
            Note(
                "info",
                f"本计划自{ui.fmt_date(start)}开始，截至{ui.fmt_date(as_of)}尚未开始：各项任务显示“未开始”，不判断进度。",
            )
        )
    elif not cov["has_data"]:
        out.append(
            Note(
                "warning",
                f"无数据：本计划期（{ui.fmt_date(start)}至{ui.fmt_date(end)}）内，数据中没有任何培训结业或取证记录，"
                "各项任务显示“无数据”，不判断进度。",
            )
        )
    elif cov["beyond_data"]:
        latest = ui.fmt_date(cov["data_latest"])
        out.append(
            Note(
                "warning",
                f"数据截至{latest}：所选日期{ui.fmt_date(as_of)}晚于数据中的最新业务日期，"
                f"以下数字为{latest}的数字，进度按该日的时序进度判断。",
            )
        )
    data_reaches_deadline = cov["data_latest"] is not None and cov["data_latest"] >= cov["plan_deadline"]
    if cov["after_deadline"] and not cov["not_started"] and cov["has_data"] and data_reaches_deadline:
        out.append(
            Note(
                "caption",
                f"计划已于{ui.fmt_date(cov['plan_deadline'])}截止：计数类任务为截止日的数字（截止后新增不计入），"
                "比率类任务的人群以截止日前结业者为准。",
            )
        )
    return out


def for_plan(runner: Any, plan: str, as_of: dt.date) -> list[Note]:
    """notes() for a plan and date, through the runner (cached per data version like every query)."""
    cov = runner.run("plan_coverage", plan=plan, as_of=as_of)
    return notes(cov.iloc[0].to_dict(), as_of) if len(cov) else []
