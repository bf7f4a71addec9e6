"""Presentation helpers shared by the pages: zh-CN formatting, labels, status colours, the sidebar selection.

Pages stay thin: they gather parameters (``selection()``), call named queries (``run``), and draw.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tracker import REFERENCE_DIR

STATUS_LABELS = {
    "on_track": "达到进度",
    "behind": "略滞后",
    "lagging": "滞后",
    "no_data": "无数据",
    "not_started": "未开始",
}
STATUS_COLORS = {
    "on_track": "#2e7d32",
    "behind": "#f9a825",
    "lagging": "#c62828",
    "no_data": "#9e9e9e",
    "not_started": "#90a4ae",
}
STATUS_ICONS = {"on_track": "🟢", "behind": "🟡", "lagging": "🔴", "no_data": "⚪", "not_started": "⚪"}
LEVEL_LABELS = {"province": "省", "city": "市", "county": "县(市、区)", "school": "院校/教育局"}
GROUP_LABELS = {
    "undergraduate": "普通本科",
    "higher_vocational": "高职",
    "city_education_bureau": "市教育局",
    "provincial_secondary": "省属中职",
}
DEMO_NOTE = "演示数据：本页数字由演示数据生成器生成，仅供演示，不代表真实进度。"
ALLOCATION_NOTE = "示例：文件未分解到市县的任务，按2020年人口普查人口比例分配到市、市内各县平均分配，仅作示意。"


# ---------------------------------------------------------------- formatting (zh-CN)


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_int(value: Any, unit: str = "人") -> str:
    """1500 → '1,500人'."""
    if _missing(value):
        return "—"
    return f"{round(float(value)):,}{unit}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    """54.1916 → '54.2%'."""
    if _missing(value):
        return "—"
    return f"{float(value):.{digits}f}%"


def fmt_pts(value: Any) -> str:
    """Gap in percentage points, signed: −3.2个百分点."""
    if _missing(value):
        return "—"
    return f"{float(value):+.1f}个百分点".replace("-", "−")


def fmt_change(value: Any, unit: str) -> str | None:
    """Change since the previous biweekly period: '较上期 +113人', a rate in points: '较上期 −0.6个百分点'."""
    if _missing(value):
        return None
    if unit == "%":
        return f"较上期 {float(value):+.1f}个百分点".replace("-", "−")
    return f"较上期 {float(value):+,.0f}{unit}".replace("-", "−")


def fmt_date(value: dt.date | str | None) -> str:
    """2023-06-30 → '2023年6月30日'."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if hasattr(value, "date") and not isinstance(value, dt.date):
        value = value.date()
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def fmt_value(value: Any, unit: str) -> str:
    """A metric value in its own unit: people, person-times or a rate."""
    if unit == "%":
        return fmt_pct(value)
    return fmt_int(value, unit)


# ---------------------------------------------------------------- reference labels


@functools.cache
def _rows(name: str) -> tuple[dict[str, str], ...]:
    with (Path(REFERENCE_DIR) / f"{name}.csv").open(encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def metric_info(metric: str) -> dict[str, str]:
    for row in _rows("metrics"):
        if row["metric"] == metric:
            return row
    return {"metric": metric, "label": metric, "unit": "", "kind": "count", "description": ""}


def metric_label(metric: str) -> str:
    return metric_info(metric)["label"]


def plans() -> list[dict[str, str]]:
    return list(_rows("plans"))


def plan_info(plan_id: str) -> dict[str, str]:
    for row in _rows("plans"):
        if row["plan_id"] == plan_id:
            return row
    raise KeyError(plan_id)


def region_name(code: str) -> str:
    for row in _rows("regions"):
        if row["code"] == code:
            return row["name"]
    return code


def source_label(source: str | None) -> str:
    """A document number as is; an illustrative allocation as 示例."""
    if not source or source == "demo":
        return "示例"
    return source


@dataclass(frozen=True)
class Selection:
    plan: str
    as_of: dt.date
    latest: dt.date
    data_version: str
    demo: bool


# ---------------------------------------------------------------- shaping query results for display

UNIT_ORDER = {"province": 0, "city": 1, "county": 2, "school": 3}
LEAGUE_COLUMNS = ["序号", "单位", "指标", "任务", "完成", "完成率", "时序进度", "差距(百分点)", "状态", "依据"]


def headline_rows(progress: pd.DataFrame) -> pd.DataFrame:
    """The rows of the plan's top unit (the province, else the one county or city the plan is for)."""
    top = min(progress["unit_type"], key=lambda t: UNIT_ORDER.get(t, 9))
    rows = progress[progress["unit_type"] == top]
    first = rows["unit_code"].iloc[0]
    rows = rows[rows["unit_code"] == first]
    # counts before rates: the trainees and certificates lead, the rates qualify them
    return rows.assign(_rate=rows["kind"] == "rate").sort_values(["_rate", "position"]).drop(columns="_rate")


def table_height(rows: int, max_height: int = 1088) -> int:
    """A dataframe height that shows every row (38 px header + 35 px a row), up to max_height pixels."""
    return min(38 + 35 * rows, max_height)


def league_table(progress: pd.DataFrame) -> pd.DataFrame:
    """Units (or metrics) ranked by gap to the expected share, the most behind first, with Chinese headers."""
    pct = pd.to_numeric(progress["pct"], errors="coerce").astype(float)
    expected = pd.to_numeric(progress["expected_pct"], errors="coerce").astype(float)
    df = progress.assign(_pct=pct, _expected=expected, _gap=pct - expected).sort_values(
        ["_gap", "unit_code"], ascending=[True, True], na_position="last"
    )
    units = [metric_info(m)["unit"] for m in df["metric"]]
    return pd.DataFrame(
        {
            "序号": range(1, len(df) + 1),
            "单位": df["unit_name"].to_numpy(),
            "指标": [metric_label(m) for m in df["metric"]],
            "任务": [fmt_value(v, u) for v, u in zip(df["target"], units)],
            "完成": [fmt_value(v, u) for v, u in zip(df["actual"], units)],
            "完成率": df["_pct"].to_numpy(),
            "时序进度": df["_expected"].to_numpy(),
            "差距(百分点)": df["_gap"].round(1).to_numpy(),
            "状态": [f"{STATUS_ICONS.get(s, '')} {STATUS_LABELS.get(s, '—')}" for s in df["status"]],
            "依据": [source_label(s) for s in df["source"]],
        }
    )


def projection_line(outlook: pd.Series) -> pd.DataFrame:
    """Two points for the chart: from today's figure to the deadline at the recent pace (forecast query)."""
    return pd.DataFrame(
        {
            "date": [outlook["measured_on"], outlook["deadline"]],
            "value": [outlook["actual"], outlook["projected_actual"]],
        }
    )


def outlook_sentence(outlook: pd.Series) -> str:
    """'按近4期平均每期60人的速度，预计截止时完成90.1%；要按期完成，每期需110人。'"""
    unit = metric_info(outlook["metric"])["unit"]
    text = (
        f"按近{int(outlook['pace_periods'])}期平均每期{fmt_int(outlook['pace'], unit)}的速度，"
        f"预计截止（{fmt_date(outlook['deadline'])}）时完成{fmt_pct(outlook['projected_pct'])}"
    )
    if outlook["remaining"] > 0:
        text += f"；要按期完成，剩余{int(outlook['remaining_periods'])}期每期需{fmt_int(outlook['needed_per_period'], unit)}"
    return text + "。"
