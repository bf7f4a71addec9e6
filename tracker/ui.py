"""Presentation helpers shared by the pages: zh-CN formatting, labels, status colours, the sidebar selection.

Pages stay thin: they gather parameters (``selection()``), call named queries (``run``), and draw.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
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
# worst first: the order in which tables, exports and the 通报 list units
STATUS_ORDER = {"lagging": 0, "behind": 1, "on_track": 2, "no_data": 3, "not_started": 4}
STATUS_LEGEND = (
    ("on_track", "完成率不低于时序进度"),
    ("behind", "低于时序进度不到10个百分点"),
    ("lagging", "低于时序进度10个百分点及以上"),
    ("no_data", "统计期内尚无可计算的数据"),
    ("not_started", "计划尚未开始"),
)
LEVEL_LABELS = {"province": "省", "city": "市", "county": "县(市、区)", "school": "院校/教育局"}
GROUP_LABELS = {
    "undergraduate": "普通本科",
    "higher_vocational": "高职",
    "city_education_bureau": "市教育局",
    "provincial_secondary": "省属中职",
}
# every plotly chart: no English modebar (zoom / pan / "Download plot as a png"), Chinese number locale where
# plotly.js has it, no plotly logo link
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "locale": "zh-CN", "scrollZoom": False}
DEMO_NOTE = "演示数据：本页数字由演示数据生成器生成，仅供演示，不代表真实进度。"
ALLOCATION_NOTE = "示例：文件未分解到市县的任务，按2020年人口普查人口比例分配到市、市内各县平均分配，仅作示意。"


# ---------------------------------------------------------------- formatting (zh-CN)


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def round_half_up(value: Any, digits: int = 1) -> float:
    """四舍五入 from the value as written (115.25 → 115.3, 0.05 → 0.1), not Python's round-half-even on binary."""
    exact = Decimal(repr(float(value)))
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def whole(value: Any) -> int:
    """Whole persons, 四舍五入 (1,422.5 → 1,423)."""
    return int(round_half_up(value, 0))


def _minus(text: str) -> str:
    return text.replace("-", "−")


def fmt_int(value: Any, unit: str = "人") -> str:
    """1500 → '1,500人' (whole persons, full figure: tables and cells)."""
    if _missing(value):
        return "—"
    return _minus(f"{whole(value):,}{unit}")


def fmt_wan(value: Any, unit: str = "人") -> str:
    """Figures in cards and texts: below 10,000 whole ('1,500人'); from 10,000 in 万 to two decimals
    ('39.18万人', '50万人')."""
    if _missing(value):
        return "—"
    number = float(value)
    if abs(number) < 10_000:
        return fmt_int(number, unit)
    wan = f"{round_half_up(number / 10_000, 2):.2f}".rstrip("0").rstrip(".")
    return _minus(f"{wan}万{unit}")


def fmt_pct(value: Any, digits: int = 1) -> str:
    """54.1916 → '54.2%' (四舍五入 to one decimal)."""
    if _missing(value):
        return "—"
    return _minus(f"{round_half_up(value, digits):.{digits}f}%")


def gap_of(pct: Any, expected_pct: Any) -> float | None:
    """差距 = completion − expected, in percentage points (CONTRACT §4): negative means behind."""
    if _missing(pct) or _missing(expected_pct):
        return None
    return float(pct) - float(expected_pct)


def fmt_pts(value: Any) -> str:
    """A gap (completion − expected) in points, signed: '−3.2个百分点' behind, '+1.5个百分点' ahead."""
    if _missing(value):
        return "—"
    rounded = round_half_up(value, 1)
    return _minus(f"{rounded:+.1f}个百分点") if rounded else "0.0个百分点"


def gap_words(gap: Any, reference: str = "时序进度") -> str:
    """The gap in words: '滞后时序进度9.7个百分点', '超出时序进度2.0个百分点', '与时序进度持平'."""
    if _missing(gap):
        return ""
    rounded = round_half_up(gap, 1)
    if rounded < 0:
        return f"滞后{reference}{-rounded:.1f}个百分点"
    if rounded > 0:
        return f"超出{reference}{rounded:.1f}个百分点"
    return f"与{reference}持平"


def fmt_change(value: Any, unit: str) -> str | None:
    """Change since the previous biweekly period: '较上期 +113人', a rate in points: '较上期 −0.6个百分点'."""
    if _missing(value):
        return None
    if unit == "%":
        return _minus(f"较上期 {round_half_up(value, 1):+.1f}个百分点")
    number = float(value)
    if abs(number) >= 10_000:
        return "较上期 " + ("+" if number > 0 else "") + fmt_wan(number, unit)
    return _minus(f"较上期 {whole(number):+,}{unit}")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=@^%])")


def md_escape(text: Any) -> str:
    """Data text for st.markdown / st.caption / widget labels: every Markdown, link and directive character escaped
    and line breaks flattened, so `JG](http://evil.invalid)` shows as typed and never becomes a link (#16)."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def html_escape(text: Any) -> str:
    """Data text for plotly labels (plotly renders <a>, <b>, <br> in text): shown as typed."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def status_label(status: Any) -> str:
    return STATUS_LABELS.get(status, "—") if isinstance(status, str) else "—"


def status_text(status: Any, icon: bool = True) -> str:
    """'🔴 滞后' on screen; exports pass icon=False (no emoji in cells)."""
    label = status_label(status)
    return f"{STATUS_ICONS.get(status, '')} {label}".strip() if icon else label


def progress_bar(pct: Any, status: Any, expected: Any = None) -> str | None:
    """A completion bar coloured by status (an SVG data URI for st.column_config.ImageColumn), with a tick at
    the time-expected share: Streamlit's ProgressColumn has one colour for the whole column."""
    if _missing(pct):
        return None
    width = max(0.0, min(float(pct), 100.0))
    color = STATUS_COLORS.get(status, "#9e9e9e") if isinstance(status, str) else "#9e9e9e"
    tick = ""
    if not _missing(expected):
        x = max(0.0, min(float(expected), 100.0)) * 1.2
        tick = f'<rect x="{x - 1:.1f}" y="0" width="2" height="14" fill="#212121"/>'
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="14">'
        '<rect width="120" height="14" rx="2" fill="#eceff1"/>'
        f'<rect width="{width * 1.2:.1f}" height="14" rx="2" fill="{color}"/>{tick}</svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def status_legend_text() -> str:
    """The status rule in one plain line (captions under tables)."""
    return "状态：" + "；".join(f"{STATUS_LABELS[key]}＝{text}" for key, text in STATUS_LEGEND) + "。"


def status_legend_markdown() -> str:
    """The status rule in one line, for 总览 (coloured dots from Streamlit's palette)."""
    colors = {"on_track": "green", "behind": "orange", "lagging": "red", "no_data": "gray", "not_started": "gray"}
    return "　".join(f":{colors[key]}[●] **{STATUS_LABELS[key]}**：{text}" for key, text in STATUS_LEGEND)


def axis_wan(values: Any, unit: str = "") -> dict[str, Any]:
    """Plotly axis settings with 万 ticks when the figures reach 10,000 (plotly would write 100k / 0.2M)."""
    numbers = [float(v) for v in values if not _missing(v)]
    top = max([abs(n) for n in numbers], default=0.0)
    if top < 10_000:
        return {"tickformat": ",.0f", "separatethousands": True}
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [step * k for k in range(0, int(top // step) + 2)]
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [fmt_wan(t, "") if t else "0" for t in ticks]}


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


def fmt_value(value: Any, unit: str, wan: bool = False) -> str:
    """A metric value in its own unit: people, person-times or a rate (``wan``: 万 from 10,000, for cards)."""
    if unit == "%":
        return fmt_pct(value)
    return fmt_wan(value, unit) if wan else fmt_int(value, unit)


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


def region_parent(code: str) -> str | None:
    """The city code of a county (GB/T 2260), None for the province and cities' parents outside regions.csv."""
    for row in _rows("regions"):
        if row["code"] == code:
            return row["parent_code"] or None
    return None


def unit_display(unit_type: str, code: str, name: str) -> str:
    """County rows carry their city: 晋城市·城区 and 阳泉市·城区 are two units (CONTRACT §4)."""
    if unit_type == "county":
        parent = region_parent(str(code))
        if parent and not str(name).startswith(f"{region_name(parent)}·"):  # the queries already name it so
            return f"{region_name(parent)}·{name}"
    return str(name)


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
LEAGUE_COLUMNS = ["序号", "单位", "指标", "任务", "完成", "进度", "完成率", "时序进度", "差距(百分点)", "状态", "依据"]


def headline_rows(progress: pd.DataFrame) -> pd.DataFrame:
    """The rows of the plan's top unit (the province, else the one county or city the plan is for)."""
    top = min(progress["unit_type"], key=lambda t: UNIT_ORDER.get(t, 9))
    rows = progress[progress["unit_type"] == top]
    first = rows["unit_code"].iloc[0]
    rows = rows[rows["unit_code"] == first]
    # counts before rates: the trainees and certificates lead, the rates qualify them
    return rows.assign(_rate=rows["kind"] == "rate").sort_values(["_rate", "position"]).drop(columns="_rate")


SHOWN_ROWS = 300  # rows of a long table sent to the browser; the download holds them all (issue #12)


def first_rows(frame: pd.DataFrame, what: str = "行", n: int = SHOWN_ROWS) -> tuple[pd.DataFrame, str | None]:
    """A long table's first ``n`` rows (tables are sorted most important first) and a note saying so, or the table
    itself and None: a page never ships thousands of rows to the browser."""
    if len(frame) <= n:
        return frame, None
    return frame.head(n), f"表中为前{n:,}{what}（共{len(frame):,}{what}）；下载可得全部。"


def table_height(rows: int, max_height: int = 1088) -> int:
    """A dataframe height that shows every row (38 px header + 35 px a row), up to max_height pixels."""
    return min(38 + 35 * rows, max_height)


def league_table(progress: pd.DataFrame) -> pd.DataFrame:
    """Units (or metrics) ranked by 差距 (completion − expected), the most behind first, with Chinese headers."""
    pct = pd.to_numeric(progress["pct"], errors="coerce").astype(float)
    gap = pct - pd.to_numeric(progress["expected_pct"], errors="coerce").astype(float)
    df = progress.assign(_gap=gap, _order=progress["status"].map(STATUS_ORDER).fillna(9)).sort_values(
        ["_gap", "_order", "unit_code"], ascending=[True, True, True], na_position="last"
    )
    units = [metric_info(m)["unit"] for m in df["metric"]]
    return pd.DataFrame(
        {
            "序号": range(1, len(df) + 1),
            "单位": [unit_display(t, c, n) for t, c, n in zip(df["unit_type"], df["unit_code"], df["unit_name"])],
            "指标": [metric_label(m) for m in df["metric"]],
            "任务": [fmt_value(v, u) for v, u in zip(df["target"], units)],
            "完成": [fmt_value(v, u) for v, u in zip(df["actual"], units)],
            "进度": [progress_bar(p, s, e) for p, s, e in zip(df["pct"], df["status"], df["expected_pct"])],
            "完成率": [None if _missing(v) else round_half_up(v, 1) for v in df["pct"]],
            "时序进度": [None if _missing(v) else round_half_up(v, 1) for v in df["expected_pct"]],
            "差距(百分点)": [None if _missing(v) else round_half_up(v, 1) for v in df["_gap"]],
            "状态": [status_text(s) for s in df["status"]],
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
    if outlook.get("status") in ("no_data", "not_started") or _missing(outlook.get("projected_pct")):
        reason = STATUS_LABELS.get(outlook.get("status"), "尚无完整的双周进度")
        return f"{reason}：暂不作进度预测。"
    text = (
        f"按近{int(outlook['pace_periods'])}期平均每期{fmt_wan(outlook['pace'], unit)}的速度，"
        f"预计截止（{fmt_date(outlook['deadline'])}）时完成{fmt_pct(outlook['projected_pct'])}"
    )
    if outlook["remaining"] > 0:
        text += f"；要按期完成，剩余{int(outlook['remaining_periods'])}期每期需{fmt_wan(outlook['needed_per_period'], unit)}"
    return text + "。"
