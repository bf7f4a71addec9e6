"""总览: where the plan stands, who is behind (issue #4)."""

import pandas as pd
import streamlit as st

from tracker import app, charts, ui
from tracker import overview_view as ov

sel = app.page_header("总览")
progress = app.run("progress")
if progress.empty:
    st.warning("该计划没有可由数据计算的指标。")
    st.stop()
series = app.run("biweekly")
top = app.shared(ov.headline, progress, series)  # built once for everyone who sees the same figures
headline = top["rows"]

# ---- headline cards ---------------------------------------------------------------------------------
unit_name = top["unit_name"]
st.subheader(f"{unit_name} 主要指标")
cards = st.columns(4)
for i, card in enumerate(top["cards"]):
    with cards[i % 4].container(border=True):
        st.markdown(card["title"])
        st.metric(
            "累计完成",
            card["value"],
            label_visibility="collapsed",
            delta=card["delta"],
            delta_color=card["delta_color"],
        )
        for line in card["captions"]:
            st.caption(line)

# ---- trajectory -----------------------------------------------------------------------------------------
st.subheader("进度轨迹")
metrics = list(headline["metric"])
metric = app.url_choice("指标", metrics, "metric", format_func=ui.metric_label)
row = headline[headline["metric"] == metric].iloc[0]
unit_series = series[(series.unit_code == row.unit_code) & (series.metric == metric)]
info = ui.metric_info(metric)
if row.kind == "rate":
    fig = app.shared(charts.rate_trajectory, unit_series, row.target, f"{unit_name} · {info['label']}")
else:
    expected = app.run("expected_trajectory")
    expected = expected[expected.metric == metric]
    outlook = app.run("forecast", metric=metric)
    outlook = outlook[outlook.unit_code == row.unit_code]
    projection = ui.projection_line(outlook.iloc[0]) if len(outlook) else None
    fig = app.shared(
        charts.trajectory,
        unit_series,
        expected,
        row.target,
        info["unit"],
        projection,
        f"{unit_name} · {info['label']}",
    )
st.plotly_chart(fig, width="stretch", config=ui.PLOTLY_CONFIG)
if row.kind == "count" and len(outlook):
    st.caption(ui.outlook_sentence(outlook.iloc[0]))
st.caption(
    f"虚线为时序进度（{ui.fmt_date(row.start)}至{ui.fmt_date(row.deadline)}，按文件节点线性）；"
    f"依据：{ui.source_label(row.source)}。"
)

# ---- league table ---------------------------------------------------------------------------------------
lower_types = [
    t for t in ("city", "county", "school") if t in set(progress["unit_type"]) - {headline.unit_type.iloc[0]}
]
st.subheader("各单位排名" if lower_types else "各项指标进度")
st.caption(ui.status_legend_markdown())
if lower_types:
    level = app.url_choice("层级", lower_types, "level", format_func=ui.LEVEL_LABELS.get, widget="segmented")
    at_level = progress[progress.unit_type == level]
    level_metrics = list(dict.fromkeys(at_level.sort_values("position")["metric"]))
    if len(level_metrics) > 1:
        league_metric = app.url_choice(
            "排名指标",
            level_metrics,
            "rank_metric",
            format_func=ui.metric_label,
            default=metric if metric in level_metrics else level_metrics[0],
        )
    else:
        league_metric = level_metrics[0]
    league = at_level[at_level.metric == league_metric]
else:
    league = progress
league = app.shared(ui.league_table, league)  # built once for everyone who sees the same rows
st.dataframe(
    league,
    height=ui.table_height(len(league)),
    hide_index=True,
    width="stretch",
    column_config=app.progress_column_config(),
    column_order=[c for c in ui.LEAGUE_COLUMNS if c in league.columns],
)
if (league["依据"] == "示例").any():
    st.caption(ui.ALLOCATION_NOTE)

manual = app.run("manual_targets")
if len(manual):
    with st.expander(f"需手工填报的指标（{len(manual)}项，数据无法计算）"):
        st.dataframe(
            pd.DataFrame(
                {
                    "指标": manual["label"],
                    "目标": [ui.fmt_value(v, u) for v, u in zip(manual["target"], manual["unit"])],
                    "截止": manual["deadline"].map(ui.fmt_date),
                    "依据": manual["source"],
                    "说明": manual["description"],
                }
            ),
            hide_index=True,
            width="stretch",
        )
