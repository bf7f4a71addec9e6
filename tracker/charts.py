"""Plotly figures shared by the pages (Chinese labels, status colours). Figures only: no queries, no rules."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tracker import ui

FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=13)


def _layout(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", y=0.98, yanchor="top") if title else None,
        height=height,
        font=FONT,
        margin=dict(l=10, r=10, t=50 if title else 20, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.14, xanchor="left", x=0),
        hovermode="x unified",
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eee", tickformat="%Y年%-m月%-d日")
    fig.update_yaxes(showgrid=True, gridcolor="#eee", separatethousands=True)
    return fig


def trajectory(
    series: pd.DataFrame,
    expected: pd.DataFrame,
    target: float,
    unit: str,
    projection: pd.DataFrame | None = None,
    title: str | None = None,
) -> go.Figure:
    """Cumulative actual per biweekly period against the expected trajectory, milestones and deadline.

    ``series``: biweekly rows of one unit and metric; ``expected``: expected_trajectory points of the metric;
    ``projection``: optional two-row frame (date, value) from now to the deadline at the recent pace.
    """
    fig = go.Figure()
    if len(expected):
        fig.add_scatter(
            x=expected["point_date"],
            y=expected["share"] * target,
            mode="lines",
            name="时序进度",
            line=dict(color="#9e9e9e", dash="dash"),
            hovertemplate="%{y:,.0f}" + unit + "<extra>时序进度</extra>",
        )
        milestones = expected[expected["point_kind"] == "milestone"]
        if len(milestones):
            fig.add_scatter(
                x=milestones["point_date"],
                y=milestones["share"] * target,
                mode="markers+text",
                name="节点",
                marker=dict(size=10, color="#616161", symbol="diamond"),
                text=[f"{s:.0%}" for s in milestones["share"]],
                textposition="top left",
                hovertemplate="节点 %{y:,.0f}" + unit + "<extra></extra>",
            )
        deadline = expected["point_date"].max()
        fig.add_vline(
            x=pd.Timestamp(deadline).timestamp() * 1000,
            line=dict(color="#c62828", dash="dot"),
            annotation_text="截止",
            annotation_position="top left",
        )
    fig.add_scatter(
        x=series["measured_on"],
        y=series["cumulative"],
        mode="lines+markers",
        name="累计完成",
        line=dict(color="#1565c0", width=3),
        marker=dict(size=5),
        hovertemplate="%{y:,.0f}" + unit + "<extra>累计完成</extra>",
    )
    if projection is not None and len(projection):
        fig.add_scatter(
            x=projection["date"],
            y=projection["value"],
            mode="lines",
            name="按近期速度预计",
            line=dict(color="#1565c0", dash="dot"),
            hovertemplate="%{y:,.0f}" + unit + "<extra>预计</extra>",
        )
    fig.add_hline(
        y=target,
        line=dict(color="#2e7d32", width=1),
        annotation_text=f"任务 {ui.fmt_wan(target, unit)}",
        annotation_position="top left",
    )
    values = [target, *series["cumulative"]]
    if projection is not None and len(projection):
        values += list(projection["value"])
    fig.update_yaxes(title_text=unit, rangemode="tozero")
    _layout(fig, title)
    fig.update_yaxes(**ui.axis_wan(values))
    return fig


def rate_trajectory(series: pd.DataFrame, target: float, title: str | None = None) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(
        x=series["measured_on"],
        y=series["cumulative"],
        mode="lines+markers",
        name="实际",
        line=dict(color="#1565c0", width=3),
        hovertemplate="%{y:.1f}%<extra>实际</extra>",
    )
    fig.add_hline(y=target, line=dict(color="#2e7d32", dash="dash"), annotation_text=f"目标 {target:.0f}%")
    fig.update_yaxes(title_text="%", range=[0, 105])
    return _layout(fig, title)


def increments(
    series: pd.DataFrame, unit: str, highlight_period: int | None = None, title: str | None = None
) -> go.Figure:
    """Increments per biweekly period as bars, with the cumulative line on a second axis."""
    colors = ["#1565c0" if p == highlight_period else "#90caf9" for p in series["period"]]
    labels = [f"第{p + 1}期" for p in series["period"]]
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=series["increment"],
        name="本期新增",
        marker_color=colors,
        hovertemplate="%{x} 新增 %{y:,.0f}" + unit + "<extra></extra>",
    )
    fig.add_scatter(
        x=labels,
        y=series["cumulative"],
        name="累计",
        yaxis="y2",
        mode="lines+markers",
        line=dict(color="#ef6c00", width=2),
        hovertemplate="%{x} 累计 %{y:,.0f}" + unit + "<extra></extra>",
    )
    _layout(fig, title)
    fig.update_layout(
        yaxis=dict(title=f"本期新增（{unit}）", **ui.axis_wan(series["increment"])),
        yaxis2=dict(
            title=f"累计（{unit}）",
            overlaying="y",
            side="right",
            rangemode="tozero",
            showgrid=False,
            **ui.axis_wan(series["cumulative"]),
        ),
    )
    fig.update_xaxes(tickformat=None)
    return fig


def ranked_bars(
    df: pd.DataFrame, label_col: str, value_col: str, title: str | None = None, height: int | None = None
) -> go.Figure:
    """Horizontal bars of completion % coloured by status, with the expected % as a marker."""
    df = df.sort_values(value_col)
    fig = go.Figure()
    fig.add_bar(
        y=df[label_col],
        x=df[value_col],
        orientation="h",
        name="完成率",
        marker_color=[ui.STATUS_COLORS.get(s, "#9e9e9e") for s in df["status"]],
        hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
    )
    if "expected_pct" in df:
        fig.add_scatter(
            y=df[label_col],
            x=df["expected_pct"],
            mode="markers",
            name="时序进度",
            marker=dict(symbol="line-ns", size=14, line=dict(width=3, color="#212121")),
            hovertemplate="时序进度 %{x:.1f}%<extra></extra>",
        )
    fig.update_xaxes(title_text="完成率（%）", ticksuffix="%")
    fig = _layout(fig, title, height or max(260, 26 * len(df) + 80))
    fig.update_xaxes(tickformat=None)
    fig.update_layout(hovermode="closest")
    return fig
