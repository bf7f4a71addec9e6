"""双周调度: this period's table in the shape an office sends up, with ready-to-send .xlsx and 通报 text (#4)."""

import functools
import logging

import streamlit as st

from tracker import app, audit, charts, report, ui
from tracker import biweekly_view as bv

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
    # the URL carries the period's number as its label says it (第11期 ↔ ?period=11); queries count from 0
    period_number = app.url_choice(
        "调度期",
        [int(p) + 1 for p in periods.index[::-1]],
        "period",
        default=default_period + 1,
        format_func=lambda n: report.period_label(periods.loc[n - 1].rename(None).to_dict() | {"period": n - 1}),
        help="默认最近一个完整的双周期；双周期自计划起始日起每14天一期",
    )
    period = int(period_number) - 1

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

# ---- the dispatch table (worst first; 差距 = 完成率 − 时序进度, negative = behind) --------------------------
shown, columns = app.shared(bv.dispatch_shown, view, single_unit)  # built once for everyone
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    height=ui.table_height(len(shown)),
    column_config={
        **app.progress_column_config(),
        "差距（百分点）": st.column_config.NumberColumn(format="%+.1f", help="完成率−时序进度；负数为落后"),
        "每期需完成": st.column_config.TextColumn(help="剩余任务÷剩余双周期数（比率类指标不适用）"),
        "排名变化": st.column_config.NumberColumn(format="%+d", help="与上一期相比：+上升，−下降"),
    },
)
st.caption(ui.status_legend_text())

# ---- ready to send: the dispatch table and the 通报 of this period, for this level -----------------------
runner = app.runner()
stamp = f"{sel.plan}_{measured_on:%Y%m%d}" if hasattr(measured_on, "strftime") else sel.plan
on = measured_on.date() if hasattr(measured_on, "date") else measured_on
level_word = report.LEVEL_WORD.get(level, "")
try:
    bulletin_txt = app.shared(report.bulletin_text, runner, sel.plan, on, level)  # per data version and scope
    bulletin_doc = functools.partial(report.bulletin_docx, runner, sel.plan, on, level)
except Exception:  # a document that cannot be built must not take the table with it
    logging.getLogger("tracker").exception("bulletin failed")
    bulletin_txt, bulletin_doc = None, None
downloads = st.columns(3)
with downloads[0]:
    audit.xlsx_button(
        # files are built when clicked (deferred): a page view does not pay for documents nobody takes
        functools.partial(report.dispatch_workbook, dispatch, info, sel.demo, report.issuer_for(sel.plan)),
        f"双周调度表_{level_word}_{stamp}.xlsx",
        what="dispatch.xlsx",
        records=len(dispatch),
        label="下载调度表（Excel）",
    )
if bulletin_doc is not None:
    with downloads[1]:
        audit.download_button(
            "下载通报（Word）",
            bulletin_doc,
            file_name=f"通报_{level_word}_{stamp}.docx",
            what="bulletin.docx",
            records=len(dispatch),
            icon=":material/description:",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    with downloads[2]:
        audit.download_button(
            "下载通报（文本）",
            bulletin_txt.encode("utf-8"),
            file_name=f"通报_{level_word}_{stamp}.txt",
            what="bulletin.txt",
            records=len(dispatch),
            icon=":material/article:",
            mime="text/plain",
        )
    st.text_area("通报文字（可直接复制）", bulletin_txt, height=320)
else:
    st.warning("本期通报暂时无法生成，调度表仍可下载。")

# ---- increments per period ---------------------------------------------------------------------------
unit_code = report.worst_first(report.with_gap(view))["unit_code"].iloc[0]
if not single_unit:
    names = {c: ui.unit_display(t, c, n) for t, c, n in zip(view["unit_type"], view["unit_code"], view["unit_name"])}
    unit_code = app.url_choice("单位", list(names), "unit", default=unit_code, format_func=names.get)
chart_metric = metric
if single_unit:
    chart_metric = app.url_choice(
        "图表指标", [m for m in metrics if ui.metric_info(m)["kind"] == "count"], "metric", format_func=ui.metric_label
    )
one = series[(series.unit_code == unit_code) & (series.metric == chart_metric)]
st.plotly_chart(
    app.shared(
        charts.increments,
        one,
        ui.metric_info(chart_metric)["unit"],
        int(period),
        f"{one['unit_name'].iloc[0] if len(one) else ''} · {ui.metric_label(chart_metric)} 各期新增与累计",
    ),
    width="stretch",
    config=ui.PLOTLY_CONFIG,
)
