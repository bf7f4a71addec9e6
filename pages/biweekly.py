"""双周调度: this period's table in the shape an office sends up, with ready-to-send .xlsx and 通报 text (#4)."""

import streamlit as st

from tracker import app, audit, charts, report, ui

sel = app.page_header("双周调度", "培训、取证工作进度双周调度制度（柳政办发〔2023〕19号 七(二)）")
info = ui.plan_info(sel.plan)
series = app.run("biweekly")
if series.empty:
    st.warning("截至所选日期，该计划尚未开始。")
    st.stop()

unit_types = sorted(series["unit_type"].unique(), key=lambda t: ui.UNIT_ORDER.get(t, 9))
controls = st.columns([2, 3, 3])
with controls[0]:
    level = unit_types[0]
    if len(unit_types) > 1:
        level = app.url_choice(
            "层级", unit_types, "level", default=unit_types[-1], format_func=ui.LEVEL_LABELS.get, widget="segmented"
        )

periods = series.drop_duplicates("period").set_index("period")
complete = periods.index[periods["complete"]]
default_period = int(complete.max()) if len(complete) else int(periods.index.max())
with controls[1]:
    period = app.url_choice(
        "调度期",
        [int(p) for p in periods.index[::-1]],
        "period",
        default=default_period,
        format_func=lambda p: report.period_label(periods.loc[p].rename(None).to_dict() | {"period": p}),
        help="默认最近一个完整的双周期；双周期自计划起始日起每14天一期",
    )

dispatch = app.run("dispatch", period=int(period))
dispatch = dispatch[dispatch["unit_type"] == level]
if dispatch.empty:
    st.warning("该层级没有任务。")
    st.stop()
metrics = list(dict.fromkeys(dispatch.sort_values("position")["metric"]))
single_unit = dispatch["unit_code"].nunique() == 1
with controls[2]:
    metric = metrics[0]
    if not single_unit:
        metric = app.url_choice("指标", metrics, "metric", format_func=ui.metric_label)
view = dispatch if single_unit else dispatch[dispatch["metric"] == metric]
measured_on = view["measured_on"].iloc[0]
st.markdown(f"**{report.period_label(view.iloc[0])}**　截至{ui.fmt_date(measured_on)}")

# ---- the dispatch table ------------------------------------------------------------------------------
table = report.dispatch_table(view)
shown = table.rename(columns={key: header for key, header, _, _ in report.DISPATCH_COLUMNS})
for column in ("年度任务", "本期新增", "累计完成", "每期需完成"):
    shown[column] = [ui.fmt_value(v, u) for v, u in zip(shown[column], table["unit"])]
shown["状态"] = [f"{ui.STATUS_ICONS.get(s, '')} {ui.STATUS_LABELS.get(s, '—')}" for s in view["status"]]
columns = [h for key, h, _, _ in report.DISPATCH_COLUMNS if key != "unit"]
if single_unit:  # one unit: ranks among units mean nothing
    columns = [c for c in columns if c not in ("排名", "排名变化")]
st.dataframe(
    shown[columns],
    hide_index=True,
    width="stretch",
    height=ui.table_height(len(shown)),
    column_config={
        "完成率": st.column_config.ProgressColumn("完成率", min_value=0, max_value=100, format="%.1f%%"),
        "时序进度": st.column_config.NumberColumn(format="%.1f%%"),
        "滞后(百分点)": st.column_config.NumberColumn(format="%.1f", help="时序进度−完成率；正数为落后"),
        "每期需完成": st.column_config.TextColumn(help="剩余任务÷剩余双周期数（比率类指标不适用）"),
        "排名变化": st.column_config.NumberColumn(format="%+d", help="与上一期相比：+上升，−下降"),
    },
)

# ---- ready to send -------------------------------------------------------------------------------------
progress_then = app.run("progress", as_of=measured_on, level=None if single_unit else level)
if not single_unit:
    progress_then = progress_then[progress_then["metric"] == metric]
summary = report.summary_text(progress_then, info, measured_on, sel.demo)
stamp = f"{sel.plan}_{measured_on:%Y%m%d}" if hasattr(measured_on, "strftime") else sel.plan
downloads = st.columns([1, 1, 2])
with downloads[0]:
    audit.download_button(
        "下载调度表（Excel）",
        report.build_xlsx(view, info, sel.demo),
        file_name=f"双周调度_{stamp}.xlsx",
        what="dispatch.xlsx",
        records=len(view),
        icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
with downloads[1]:
    audit.download_button(
        "下载通报文字",
        summary.encode("utf-8"),
        file_name=f"通报_{stamp}.md",
        what="bulletin.md",
        records=len(progress_then),
        icon=":material/description:",
        mime="text/markdown",
    )
st.text_area("通报文字（可直接复制）", summary, height=180)

# ---- increments per period ---------------------------------------------------------------------------
unit_code = view.sort_values("gap_pts", ascending=True)["unit_code"].iloc[0]
if not single_unit:
    names = dict(zip(view["unit_code"], view["unit_name"]))
    unit_code = app.url_choice("单位", list(names), "unit", default=unit_code, format_func=names.get)
chart_metric = metric
if single_unit:
    chart_metric = app.url_choice(
        "图表指标", [m for m in metrics if ui.metric_info(m)["kind"] == "count"], "metric", format_func=ui.metric_label
    )
one = series[(series.unit_code == unit_code) & (series.metric == chart_metric)]
st.plotly_chart(
    charts.increments(
        one,
        ui.metric_info(chart_metric)["unit"],
        int(period),
        f"{one['unit_name'].iloc[0] if len(one) else ''} · {ui.metric_label(chart_metric)} 各期新增与累计",
    ),
    width="stretch",
)
