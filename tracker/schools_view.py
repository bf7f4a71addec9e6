"""Presentation helpers for the 院校取证 page (pages/schools.py): labels, table frames, downloads, figures.

No SQL and no metric rules here: every figure comes from the named queries school_*.sql; this module only
renames, filters what the user asked to see, and draws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from tracker import export, ui
from tracker.contract import CERT_TYPES, SKILL_LEVELS

GROUP_ORDER = ["undergraduate", "higher_vocational", "city_education_bureau", "provincial_secondary", "other"]
GROUP_NAMES = {**ui.GROUP_LABELS, "other": "其他单位"}
# which group answers to which province-wide goal (seed 004: ≥ 100,000 senior and ≥ 100,000 intermediate)
METRIC_SHORT = {"senior_certs": "高级工", "intermediate_certs": "中级工", "directed_training": "定向培训"}
DIMENSION_NAMES = {
    "month": "月份",
    "level": "等级",
    "cert_type": "证书类型",
    "major": "专业",
    "occupation": "职业(工种)",
}
VIEWS = {"table": "任务完成表", "compare": "分组比较", "detail": "单位详情"}
SORTS = {
    "seq": "按组别与文件序号",
    "shortfall": "落后人数（多→少）",
    "gap": "差距（落后多→少）",
    "pct": "完成率（低→高）",
    "remaining": "尚需取证人数（多→少）",
}
STATUS_ORDER = ["lagging", "behind", "on_track"]

# table columns: query column → Chinese header (display and downloads share them)
TABLE_COLUMNS = {
    "group_name": "组别",
    "seq": "序号",
    "unit_code": "单位代码",
    "unit_name": "单位",
    "city_name": "所在市",
    "metric_name": "取证任务",
    "target": "任务数",
    "actual": "已取证",
    "pct": "完成率",
    "expected_pct": "时序进度",
    "gap": "差距(百分点)",
    "expected_actual": "按时序应完成",
    "shortfall": "落后人数",
    "remaining": "尚需取证",
    "needed_per_week": "每周需取证",
    "status_name": "状态",
}


# the on-screen table (the downloads keep every column of TABLE_COLUMNS)
# (序号, 取证任务 and 时序进度 — the same for every unit of a quota — stay in the downloads; the page states 时序进度)
DISPLAY_COLUMNS = [
    "单位",
    "组别",
    "所在市",
    "状态",
    "任务数",
    "已取证",
    "完成率",
    "落后人数",
    "差距(百分点)",
    "尚需取证",
    "每周需取证",
]
BEHIND_PEOPLE_COLUMNS = ["单位", "组别", "任务数", "已取证", "落后人数"]
BEHIND_PCT_COLUMNS = ["单位", "组别", "完成率", "时序进度", "差距(百分点)"]


def group_name(group: str | None) -> str:
    return GROUP_NAMES.get(group or "other", group or "其他单位")


def status_name(status: str | None) -> str:
    if not status:
        return "—"
    return f"{ui.STATUS_ICONS[status]} {ui.STATUS_LABELS[status]}"


def status_filter_name(status: str) -> str:
    """The status as a filter option (plain text: it is also what the URL carries, ?status=滞后)."""
    return ui.STATUS_LABELS[status]


def dimension_key_label(dimension: str, key: str) -> str:
    """A breakdown key as people read it: 3 → 高级工, qualification → 职业资格证书, 2021-06 → 2021年6月."""
    if dimension == "level":
        return SKILL_LEVELS.get(int(key), key) if key else "未分级（专业人员职业资格，按高级工计）"
    if dimension == "cert_type":
        return CERT_TYPES.get(key, key)
    if dimension == "month":
        year, month = key.split("-")
        return f"{year}年{int(month)}月"
    return key or "（未填写）"


# ---------------------------------------------------------------- the quota table


def with_labels(quota: pd.DataFrame, icons: bool = True) -> pd.DataFrame:
    out = quota.copy()
    out["group_name"] = out["group"].map(group_name)
    out["metric_name"] = out["metric"].map(lambda m: METRIC_SHORT.get(m, ui.metric_label(m)))
    out["status_name"] = out["status"].map(status_name if icons else lambda s: ui.STATUS_LABELS.get(s, "—"))
    out["city_name"] = out["city_name"].fillna("")
    out["gap"] = out["pct"] - out["expected_pct"]  # CONTRACT §4: negative = behind
    return out


def filter_units(
    quota: pd.DataFrame, groups: Iterable[str] = (), cities: Iterable[str] = (), statuses: Iterable[str] = ()
) -> pd.DataFrame:
    """The rows the user asked to see (an empty choice means all)."""
    mask = pd.Series(True, index=quota.index)
    if groups := list(groups):
        mask &= quota["group"].isin(groups)
    if cities := list(cities):
        mask &= quota["city_code"].isin(cities)
    if statuses := list(statuses):
        mask &= quota["status"].isin(statuses)
    return quota[mask]


def sort_units(quota: pd.DataFrame, sort: str | None) -> pd.DataFrame:
    if sort == "shortfall":
        return quota.sort_values(["shortfall", "remaining"], ascending=False, kind="stable")
    if sort == "gap":  # 差距 = 完成率 − 时序进度 (CONTRACT §4): the most negative first
        order = quota.assign(_gap=quota["pct"] - quota["expected_pct"], _short=-quota["shortfall"])
        return quota.loc[order.sort_values(["_gap", "_short"], kind="stable").index]
    if sort == "pct":
        return quota.sort_values(["pct", "remaining"], ascending=[True, False], kind="stable")
    if sort == "remaining":
        return quota.sort_values("remaining", ascending=False, kind="stable")
    return quota  # the query's order: group, then the document's sequence


def table_frame(quota: pd.DataFrame, download: bool = False) -> pd.DataFrame:
    """The table as shown (or downloaded: status without icons, percentages to 0.1): Chinese headers."""
    labelled = with_labels(quota, icons=not download)
    for col in ("expected_actual", "shortfall"):  # people, as whole persons
        labelled[col] = labelled[col].round(0).astype("Int64")
    if download:
        for col in ("pct", "expected_pct", "gap"):
            labelled[col] = [None if ui._missing(v) else ui.round_half_up(v, 1) for v in labelled[col]]
    frame = labelled[list(TABLE_COLUMNS)].rename(columns=TABLE_COLUMNS)
    return frame.reset_index(drop=True)


def column_config(st_column_config, max_pct: float = 100.0) -> dict:
    """st.dataframe column_config for table_frame (the module is passed in: st.column_config)."""
    c = st_column_config
    return {
        "序号": c.NumberColumn(format="%d", width=48),
        "单位": c.TextColumn(width=150),
        "组别": c.TextColumn(width=64),
        "所在市": c.TextColumn(width=60),
        "状态": c.TextColumn(width=86),
        "取证任务": c.TextColumn(width=64),
        "任务数": c.NumberColumn(format="localized", width=66, help="附件1任务数（人）"),
        "已取证": c.NumberColumn(format="localized", width=66, help="毕业年度学生取证人数，一人只计一次"),
        "完成率": c.ProgressColumn(
            format="%.1f%%",
            min_value=0.0,
            max_value=max(100.0, max_pct),
            width=110,
            color="#1565c0",
            help="已取证 ÷ 任务数",
        ),
        "时序进度": c.NumberColumn(format="%.1f%%", help="截至当日按截止日线性推算应达到的完成率"),
        "差距(百分点)": c.NumberColumn(format="%+.1f", width=84, help="完成率 − 时序进度；负数为落后"),
        "按时序应完成": c.NumberColumn(format="localized"),
        "落后人数": c.NumberColumn(format="localized", width=70, help="按时序进度应完成人数 − 已取证人数（超前为0）"),
        "尚需取证": c.NumberColumn(format="localized", width=76, help="任务数 − 已取证人数"),
        "每周需取证": c.NumberColumn(format="localized", width=88, help="尚需取证人数 ÷ 距截止日剩余周数"),
        "单位数": c.NumberColumn(format="%d"),
        "低于时序进度的单位": c.NumberColumn(format="%d"),
    }


def to_xlsx(
    frame: pd.DataFrame,
    sheet: str = "院校取证",
    notes: Iterable[str] = (),
    *,
    title: str | None = None,
    basis: str | None = None,
    as_of: dt.date | None = None,
    plan: str | None = None,
) -> bytes:
    """A table of this page through the one export template (title, 依据, 截至, print setup)."""
    return export.to_xlsx(frame, sheet, notes, title=title, basis=basis, as_of=as_of, plan=plan)


to_csv = export.to_csv


def deadline_phrase(deadline: Any, days_left: int, days_past: int) -> str:
    """截止日 in words at the as-of date: 还有N天 before it, 今天截止 on it, 已过N天 after it."""
    when = f"截止{ui.fmt_date(deadline)}"
    if days_past > 0:
        return f"{when}，已过{int(days_past)}天"
    if days_left == 0:
        return f"{when}，今天截止"
    return f"{when}，还有{int(days_left)}天"


def download_name(plan: str, as_of: dt.date, ext: str) -> str:
    return f"院校取证_{plan}_{as_of.isoformat()}.{ext}"


# ---------------------------------------------------------------- figures

FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, sans-serif")


def _layout(fig: go.Figure, **kw) -> go.Figure:
    layout = dict(
        font=FONT,
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", y=-0.12),
        hoverlabel=dict(font=FONT),
    )
    fig.update_layout(**{**layout, **kw})
    return fig


SCALES = {"people": "人数", "pct": "完成率"}


def ranked_bars(units: pd.DataFrame, title: str, scale: str = "people") -> go.Figure:
    """Units of one group ranked by completion: certified (bar, status colour) with the quota as a marker.

    ``scale="pct"`` draws the same ranking in percent of each unit's quota (the quota is then 100 %), so that
    small schools stay readable beside a large one (技工院校 holds 17,000 of the 省属中职 quotas).
    """
    ranked = units.sort_values(["pct", "actual"], ascending=True, kind="stable")
    names = ranked["unit_name"]
    pct = scale == "pct"
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=ranked["pct"] if pct else ranked["actual"],
        orientation="h",
        name="已取证（颜色为状态）",
        marker_color=[ui.STATUS_COLORS.get(s, "#90a4ae") for s in ranked["status"]],
        customdata=ranked[["actual", "target", "pct", "expected_actual", "shortfall"]].to_numpy(),
        hovertemplate="%{y}<br>已取证 %{customdata[0]:,.0f}人 / 任务 %{customdata[1]:,.0f}人"
        "<br>完成率 %{customdata[2]:.1f}%<br>按时序应完成 %{customdata[3]:,.0f}人，落后 %{customdata[4]:,.0f}人"
        "<extra></extra>",
        text=[ui.fmt_pct(p) if not pct else ui.fmt_int(a) for p, a in zip(ranked["pct"], ranked["actual"])],
        textposition="outside",
        cliponaxis=False,
    )
    fig.add_scatter(
        y=names,
        x=[100.0] * len(ranked) if pct else ranked["target"],
        mode="markers",
        name="任务数",
        marker=dict(symbol="line-ns", size=18, line=dict(width=3, color="#263238")),
        customdata=ranked["target"],
        hovertemplate="%{y}<br>任务 %{customdata:,.0f}人<extra></extra>",
    )
    fig.add_scatter(
        y=names,
        x=ranked["expected_pct"] if pct else ranked["expected_actual"],
        mode="markers",
        name="按时序应完成",
        marker=dict(symbol="diamond", size=8, color="#1565c0"),
        customdata=ranked["expected_actual"],
        hovertemplate="%{y}<br>按时序应完成 %{customdata:,.0f}人<extra></extra>",
    )
    height = max(320, 26 * len(ranked) + 120)
    return _layout(
        fig,
        title=title,
        height=height,
        xaxis_title="完成率（%）" if pct else "毕业生取证人数（人）",
        yaxis_title=None,
        barmode="overlay",
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0.4),
    )


def spread_strip(quota: pd.DataFrame, expected_pct: float | None) -> go.Figure:
    """Completion % of every unit, one box and its points per group, with the time-expected % as a line."""
    fig = go.Figure()
    groups = [g for g in GROUP_ORDER if g in set(quota["group"])]
    for group in groups:  # the spread: one box per group
        part = quota[quota["group"] == group]
        fig.add_box(
            x=part["pct"],
            y=[group_name(group)] * len(part),
            name=group_name(group),
            orientation="h",
            boxpoints=False,
            line_color="#546e7a",
            fillcolor="rgba(84,110,122,0.08)",
            showlegend=False,
            hoverinfo="skip",
        )
    for status in STATUS_ORDER:  # the units: one point each, coloured by status, jittered over the box
        part = quota[quota["status"] == status]
        if part.empty:
            continue
        fig.add_box(
            x=part["pct"],
            y=part["group"].map(group_name),
            name=ui.STATUS_LABELS[status],
            orientation="h",
            boxpoints="all",
            jitter=0.6,
            pointpos=0,
            fillcolor="rgba(0,0,0,0)",
            line_width=0,
            marker=dict(color=ui.STATUS_COLORS[status], size=7, opacity=0.85),
            text=part["unit_name"],
            hovertemplate="%{text}<br>完成率 %{x:.1f}%<extra></extra>",
            showlegend=False,
        )
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=ui.STATUS_LABELS[status],  # legend entry
            marker=dict(color=ui.STATUS_COLORS[status], size=9),
        )
    if expected_pct is not None:
        fig.add_vline(
            x=expected_pct,
            line_dash="dash",
            line_color="#1565c0",
            annotation_text=f"时序进度 {ui.fmt_pct(expected_pct)}",
            annotation_position="top",
        )
    fig.add_vline(x=100, line_color="#263238", line_width=1)
    return _layout(
        fig,
        title="各组完成率分布（每点一个单位）",
        height=380,
        xaxis_title="完成率（%）",
        boxmode="overlay",
        yaxis=dict(autorange="reversed", categoryorder="array", categoryarray=[group_name(g) for g in groups]),
    )


def pace_figure(pace: pd.DataFrame, metric: str, as_of: dt.date) -> go.Figure:
    """A unit's cumulative certified graduates at each month end against the expected (linear) trajectory."""
    series = pace[pace["metric"] == metric]
    measured = series[series["measured"]]
    target = float(series["target"].iloc[0])
    deadline = series["deadline"].iloc[0]
    fig = go.Figure()
    fig.add_scatter(
        x=series["point_date"],
        y=series["expected"],
        name="按时序应完成",
        mode="lines",
        line=dict(color="#1565c0", dash="dash"),
        hovertemplate="%{x|%Y-%m-%d} 应完成 %{y:,.0f}人<extra></extra>",
    )
    fig.add_scatter(
        x=measured["point_date"],
        y=measured["cumulative"],
        name="累计已取证",
        mode="lines+markers",
        line=dict(color="#2e7d32", width=3),
        hovertemplate="%{x|%Y-%m-%d} 累计 %{y:,}人<extra></extra>",
    )
    fig.add_hline(
        y=target,
        line_color="#263238",
        line_width=1,
        annotation_text=f"任务 {ui.fmt_int(target)}",
        annotation_position="top left",
    )
    fig.add_vline(
        x=pd.Timestamp(deadline).timestamp() * 1000,
        line_color="#c62828",
        line_dash="dot",
        annotation_text=f"截止 {ui.fmt_date(deadline)}",
        annotation_position="top right",
    )
    fig.add_vline(
        x=pd.Timestamp(as_of).timestamp() * 1000,
        line_color="#90a4ae",
        line_dash="dot",
        annotation_text="截至日",
        annotation_position="top left",
    )
    return _layout(
        fig,
        title=f"{METRIC_SHORT.get(metric, ui.metric_label(metric))}取证进度（按月累计）",
        height=360,
        xaxis_title="日期",
        yaxis_title="累计取证人数（人）",
        xaxis_tickformat="%Y年%-m月",
    )


def breakdown_bars(detail: pd.DataFrame, dimension: str, top: int = 12) -> go.Figure:
    """Counted graduates by one dimension (month in time order, the others largest first)."""
    part = detail[detail["dimension"] == dimension].copy()
    part["label"] = [dimension_key_label(dimension, k) for k in part["key"]]
    if dimension == "month":
        fig = go.Figure(
            go.Bar(
                x=part["label"],
                y=part["persons"],
                marker_color="#2e7d32",
                hovertemplate="%{x} 新增 %{y:,}人<extra></extra>",
            )
        )
        return _layout(fig, title="按月新增取证人数", height=300, yaxis_title="人", xaxis_title=None)
    part = part.head(top).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            y=part["label"],
            x=part["persons"],
            orientation="h",
            marker_color="#546e7a",
            text=[f"{p:,}人 · {s:.1f}%" for p, s in zip(part["persons"], part["share"])],
            textposition="auto",
            hovertemplate="%{y}: %{x:,}人<extra></extra>",
        )
    )
    return _layout(
        fig,
        title=f"按{DIMENSION_NAMES[dimension]}",
        height=max(220, 30 * len(part) + 90),
        xaxis_title="人",
        yaxis_title=None,
    )


def directed_figure(series: pd.DataFrame) -> go.Figure:
    """The province's directed trainees against the plan's milestones (40 / 80 / 100 % in seed 004)."""
    measured = series[series["measured"]]
    marks = series[series["milestone_share"].notna()]
    fig = go.Figure()
    fig.add_scatter(
        x=series["point_date"],
        y=series["expected"],
        name="按里程碑应完成",
        mode="lines",
        line=dict(color="#1565c0", dash="dash"),
        hovertemplate="%{x|%Y-%m-%d} 应完成 %{y:,.0f}人<extra></extra>",
    )
    fig.add_scatter(
        x=marks["point_date"],
        y=marks["expected"],
        name="里程碑",
        mode="markers+text",
        marker=dict(symbol="diamond", size=11, color="#1565c0"),
        text=[f"{s:.0%}" for s in marks["milestone_share"]],
        textposition="top left",
        hovertemplate="%{x|%Y-%m-%d} 里程碑 %{y:,.0f}人<extra></extra>",
    )
    fig.add_scatter(
        x=measured["point_date"],
        y=measured["province_cumulative"],
        name="全省累计结业",
        mode="lines+markers",
        line=dict(color="#2e7d32", width=3),
        hovertemplate="%{x|%Y-%m-%d} 全省累计 %{y:,}人<extra></extra>",
    )
    return _layout(
        fig,
        title="全省定向培训进度与里程碑",
        height=360,
        xaxis_title=None,
        yaxis_title="累计结业人数（人）",
        xaxis_tickformat="%Y年%-m月",
        yaxis_rangemode="tozero",
    )


def directed_school_figure(series: pd.DataFrame, school: str) -> go.Figure:
    """One school's cumulative directed trainees (its contribution to the province-wide target)."""
    measured = series[series["measured"]]
    fig = go.Figure(
        go.Scatter(
            x=measured["point_date"],
            y=measured["school_cumulative"],
            mode="lines+markers",
            line=dict(color="#f9a825", width=3),
            fill="tozeroy",
            name=school,
            hovertemplate="%{x|%Y-%m-%d} 累计 %{y:,}人<extra></extra>",
        )
    )
    return _layout(
        fig,
        title=f"{school}定向培训累计结业",
        height=360,
        xaxis_title=None,
        yaxis_title="累计结业人数（人）",
        xaxis_tickformat="%Y年%-m月",
        yaxis_rangemode="tozero",
        showlegend=False,
    )


GROUP_COLUMNS = {
    "row_name": "口径",
    "metric_name": "取证任务",
    "units": "单位数",
    "target": "任务数",
    "actual": "已取证",
    "pct": "完成率",
    "expected_pct": "时序进度",
    "status_name": "状态",
    "shortfall": "落后人数",
    "remaining": "尚需取证",
    "units_behind": "低于时序进度的单位",
}


def groups_frame(groups: pd.DataFrame) -> pd.DataFrame:
    """Group totals beside the plan's province-level goals, as shown (Chinese headers)."""
    out = groups.copy()
    out["row_name"] = [
        f"{r.unit_name}（全省口径）"
        if r.row_kind == "plan_goal"
        else "所列单位合计"
        if r.row_kind == "units_total"
        else group_name(r.group)
        for r in out.itertuples()
    ]
    out["metric_name"] = out["metric"].map(lambda m: METRIC_SHORT.get(m, ui.metric_label(m)))
    out["status_name"] = out["status"].map(status_name)
    for col in ("units", "units_behind"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    out["shortfall"] = out["shortfall"].round(0).astype("Int64")  # whole persons
    return out[list(GROUP_COLUMNS)].rename(columns=GROUP_COLUMNS).reset_index(drop=True)
