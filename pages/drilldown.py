"""区域分析: from the province down to a lagging county, its institutions and occupations — ranked children, map,
causes, thresholds and the pace needed to finish (issue #6).

URL: ?plan=…&as_of=…&metric=…&unit=<region code>&level=<city|county|institution|occupation>&institution=…
``unit`` is the region looked at; ``level`` is what its rows are (its cities, counties, training institutions or
occupations); ``institution`` narrows occupations to one institution. Labels, tables, texts:
tracker/drilldown_view.py; where the reader is (session state, URL): tracker/drilldown_state.py.
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from tracker import app, audit, geo, ui
from tracker import drilldown_state as ds
from tracker import drilldown_view as dv

cc = st.column_config
state = st.session_state


def downloads(frame: pd.DataFrame, name: str, key: str, notes: list[str]) -> None:
    stem = f"{name}_{sel.plan}_{sel.as_of.isoformat()}"
    with st.container(horizontal=True):
        audit.csv_button(frame, f"{stem}.csv", what=f"{name}.csv", key=f"{key}_csv")
        audit.xlsx_button(
            functools.partial(dv.to_xlsx, frame, name, notes, sel.plan, sel.as_of),  # built when clicked
            f"{stem}.xlsx",
            what=f"{name}.xlsx",
            records=len(frame),
            key=f"{key}_xlsx",
        )


def notes(*lines: str) -> list[str]:
    return list(lines) + ([ui.DEMO_NOTE] if sel.demo else [])


# ---------------------------------------------------------------- page

sel = app.page_header("区域分析", "省 → 市 → 县 → 培训机构 → 职业(工种)")
metrics = app.run("drill_metrics")
if metrics.empty:
    st.warning("该计划没有可按地区分解的人数指标（比率类指标见“总览”“合规核查”）。")
    st.stop()
units = app.run("drill_units").set_index("unit_code")
ds.reset_for_plan(state, sel.plan)
unit_types = units["unit_type"].to_dict()
metric_rows = metrics.set_index("metric")
move_to = functools.partial(ds.move_to, state, unit_types)

with st.container(horizontal=True, vertical_alignment="bottom"):
    ds.start(state, st.query_params, "metric", list(metrics["metric"]), metrics["metric"].iloc[0])
    metric = st.selectbox("指标", list(metrics["metric"]), key="drill_metric", format_func=ui.metric_label, width=320)
    info = metric_rows.loc[metric]
    ds.start(state, st.query_params, "unit", list(units.index), info["home_unit"])
    unit = st.selectbox(
        "区域",
        list(units.index),
        key="drill_unit",
        width=320,
        on_change=ds.on_unit_change,
        args=(state, unit_types),
        format_func=lambda c: units.loc[c, "path"],
        help="也可以点击下方表格中的行、地图上的区域，或用面包屑返回上级",
    )
    unit_type = unit_types[unit]
    level_options = ds.LEVELS[unit_type]
    ds.start(state, st.query_params, "level", level_options, level_options[0])
    level = (
        st.segmented_control("排名层级", level_options, key="drill_level", format_func=dv.LEVEL_LABELS.get)
        or level_options[0]
    )

target_levels = list(info["target_levels"])
metric_unit = info["unit"]
nonce = state.get("drill_nonce", 0)

# ---- institutions of the unit (occupation level can narrow to one) ----------------------------------------------
institution = ""
inst_names: dict[str, str] = {}
by_institution = None
if level in ("institution", "occupation"):
    by_institution = app.run("drill_breakdown", metric=metric, unit=unit, by="institution")
if level == "occupation":
    inst_options = [""] + [k for k in by_institution["group_key"] if isinstance(k, str)]
    inst_names = dict(zip(by_institution["group_key"], dv.group_labels("institution", by_institution)))
    ds.start(state, st.query_params, "institution", inst_options, "")
    institution = (
        st.selectbox(
            "培训机构",
            inst_options,
            key="drill_institution",
            width=420,
            format_func=lambda k: inst_names.get(k, k) if k else "全部培训机构",
        )
        or ""
    )

ds.publish(state, st.query_params, metric=metric, unit=unit, level=level, institution=institution)

# ---- breadcrumbs ------------------------------------------------------------------------------------------------
with st.container(horizontal=True, vertical_alignment="center", gap="small"):
    st.markdown(":material/account_tree: **位置**")
    for i, code in enumerate(ds.crumb_path(units, unit)):
        if i:
            st.markdown("›")
        here = code == unit and level == ds.LEVELS[unit_type][0]
        st.button(
            units.loc[code, "unit_name"],
            key=f"crumb_{code}",
            type="primary" if here else "secondary",
            on_click=move_to,
            kwargs={"unit": code},
            help=f"回到{units.loc[code, 'unit_name']}的{dv.LEVEL_LABELS[ds.LEVELS[unit_types[code]][0]]}排名",
        )
    if level != ds.LEVELS[unit_type][0]:
        st.markdown("›")
        st.button(
            ui.md_escape(institution) if institution else f"各{dv.LEVEL_LABELS[level]}",
            key="crumb_level",
            type="primary",
            disabled=True,
        )

# ---- the unit's own standing ------------------------------------------------------------------------------------
progress_unit = app.run("progress", level=unit_type)
own = progress_unit[(progress_unit.unit_code == unit) & (progress_unit.metric == metric)]
own = own.iloc[0] if len(own) else None
forecast_unit = app.run("forecast", level=unit_type, metric=metric, within=unit)
fc = forecast_unit[forecast_unit.unit_code == unit]
fc = fc.iloc[0] if len(fc) else None
has_target = own is not None and pd.notna(own.target)
unit_name = units.loc[unit, "unit_name"]

st.subheader(f"{unit_name} · {info['label']}")
columns = st.columns(5)
if own is None:
    st.info("截至所选日期，该指标尚未开始计算。")
else:
    for column, card in zip(columns, dv.cards(own, fc, metric_unit)):
        column.metric(**card)
    if not has_target:
        st.caption(dv.no_target_caption(target_levels))

# ---- ranked children and the map --------------------------------------------------------------------------------
left, right = st.columns([3, 2], gap="medium")
child_label = dv.LEVEL_LABELS[level]
with left:
    if level in ("city", "county"):
        children = app.run("drill_children", metric=metric, unit=unit, level=level)
        ranked = app.shared(dv.children_table, children, child_label, cc)
    else:
        detail = (
            by_institution
            if level == "institution"
            else app.run("drill_breakdown", metric=metric, unit=unit, by="occupation", institution=institution or None)
        )
        scope_name = (
            f"{unit_name}{' · ' + ui.md_escape(inst_names.get(institution, institution)) if institution else ''}"
        )
        ranked = app.shared(dv.groups_table, detail, level, child_label, scope_name, cc)
    table, codes = ranked["table"], ranked["codes"]
    shown_table, more = ui.first_rows(table)  # the rows' order is the codes' order: a pick maps to codes[row]
    st.markdown(ranked["heading"])
    table_key = f"children_{unit}_{level}_{institution}_{nonce}"
    st.dataframe(
        shown_table,
        hide_index=True,
        width="stretch",
        column_config=ranked["config"],
        column_order=ranked["shown"],
        height=ui.table_height(len(shown_table), 460),
        key=table_key,
        on_select=functools.partial(ds.on_table_select, state, unit_types, table_key, codes, level)
        if level in ds.NEXT_LEVEL
        else "ignore",
        selection_mode="single-row",
    )
    if level in ds.NEXT_LEVEL and len(codes):
        labels = dict(zip(codes, table[child_label]))
        st.selectbox(
            f"进入下级{child_label}",
            [c for c in codes if c is not None],
            index=None,
            placeholder=f"选择{child_label}查看其{dv.LEVEL_LABELS[ds.NEXT_LEVEL[level]]}…",
            format_func=lambda c: labels.get(c, c),
            key=f"pick_{table_key}",
            on_change=ds.on_pick,
            args=(state, unit_types, f"pick_{table_key}", level),
        )
    if more:
        st.caption(more)
    if level in ("city", "county") and (table.get("依据") == "示例").any():
        st.caption(ui.ALLOCATION_NOTE)
    downloads(
        table,
        f"区域分析_{unit_name}_{child_label}",
        "children",
        notes(f"{ui.plan_info(sel.plan)['name']} · {info['label']} · 截至{ui.fmt_date(sel.as_of)}"),
    )

with right:
    map_level = level if level in ("city", "county") else "county"
    map_df = app.shared(dv.map_frame, app.run("progress", level=map_level), metric, metric_unit)
    if map_df["target"].notna().any():
        colour = (
            st.segmented_control(
                "地图着色",
                list(dv.MAP_COLOURS),
                default="gap",
                key="map_colour",
                bind="query-params",
                format_func=dv.MAP_COLOURS.get,
            )
            or "gap"
        )
    else:
        colour = "actual"
    map_key = f"map_{unit}_{level}_{colour}_{nonce}"
    fig = app.shared(dv.map_figure, map_df, map_level, colour, unit, unit_type, units)
    st.plotly_chart(
        fig,
        key=map_key,
        on_select=functools.partial(ds.on_map_select, state, unit_types, map_key, geo.selected_unit),
        selection_mode="points",
        width="stretch",
        config=ui.PLOTLY_CONFIG,
    )
    st.caption(dv.map_caption(colour, map_level, outlined=map_level == unit_type))

# ---- causes --------------------------------------------------------------------------------------------------------
st.subheader("差距原因", help="按培训类别、人员类别、培训机构分解本区域的完成人数")
if not info["training_based"]:
    st.info("该指标按取证记录统计，无法按培训类别、人员类别或培训机构分解。")
else:
    dimension = (
        st.segmented_control(
            "分解维度",
            dv.DIMENSIONS,
            default="training_type",
            key="drill_cause",
            bind="query-params",
            format_func=dv.DIMENSION_LABELS.get,
        )
        or "training_type"
    )
    detail = (
        by_institution
        if dimension == "institution" and by_institution is not None
        else app.run("drill_breakdown", metric=metric, unit=unit, by=dimension)
    )
    own_lines = app.run("causes_own_lines", unit=unit, metric=metric) if dimension == "training_type" else None
    if own_lines is not None and not own_lines.empty:
        st.markdown(dv.own_lines_sentence(own_lines, unit_name))
        lines_table, lines_config = app.shared(dv.own_lines_table, own_lines, cc)
        st.dataframe(lines_table, hide_index=True, width="stretch", column_config=lines_config)
        st.caption("以下按全省各类别结构比较，仅供参考；本单位以文件规定的类别任务为准。")
    if detail.empty:
        st.caption("所选日期前没有相关记录。")
    else:
        ranked_by = detail["ranked_by"].iloc[0]
        names = [ui.html_escape(label) for label in dv.group_labels(dimension, detail)]
        if ranked_by == "benchmark":
            sentence = dv.benchmark_sentence(detail, dimension, unit_name, metric_unit)
            if sentence:
                st.markdown(sentence)
            st.plotly_chart(
                app.shared(dv.benchmark_figure, detail, names, metric_unit),
                width="stretch",
                key=f"cause_{dimension}",
                config=ui.PLOTLY_CONFIG,
            )
            st.caption(dv.benchmark_caption(detail, dimension))
        elif ranked_by == "previous_year":
            sentence = dv.drop_sentence(detail, dimension, metric_unit)
            if sentence:
                st.markdown(sentence)
        else:
            st.caption(dv.unranked_caption(has_target, dimension))
        frame, frame_config = app.shared(dv.causes_table, detail, dimension, names, cc)
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            height=ui.table_height(len(frame), 400),
            column_config=frame_config,
        )

# ---- thresholds ---------------------------------------------------------------------------------------------------
st.subheader(
    "文件指标达标情况",
    help="只列本计划所依据文件对本区域适用的要求；就业率按结业满90天者计算，未满90天者为待核实",
)
rates = app.run("causes_rates", unit=unit)
rates = rates[(rates["persons"] > 0) | (rates["kind"] == "count")]
if rates.empty:
    st.caption("本计划所依据的文件对本区域没有适用的结业质量要求，或所选日期前本区域没有结业记录。")
else:
    rate_table, rate_config = app.shared(dv.rates_table, rates, dv.seed_documents(), cc)
    st.dataframe(rate_table, hide_index=True, width="stretch", column_config=rate_config)

watch_rule = dv.watch_rule(ui.plan_info(sel.plan)["seed"])
st.markdown(f"**预警机构**（{watch_rule}）")
min_completed = st.number_input(
    "结业人数不少于",
    min_value=1,
    value=10,
    step=5,
    key="watch_min",
    bind="query-params",
    width=200,
    help="排除结业人数很少、比率波动大的机构",
)
watch = app.run("institution_watchlist", unit=unit, min_completed=int(min_completed))
if watch.empty:
    st.success(f"{unit_name}没有低于文件要求的培训机构。", icon=":material/check_circle:")
else:
    watch_table, watch_config = app.shared(dv.watch_table, watch, cc)
    st.caption(f"{len(watch_table):,}家机构低于至少一项要求；就业率按结业满90天者计算（到期未录入按未就业计）。")
    st.dataframe(
        watch_table,
        hide_index=True,
        width="stretch",
        height=ui.table_height(len(watch_table), 420),
        column_config=watch_config,
    )
    downloads(watch_table, f"预警机构_{unit_name}", "watch", notes(f"截至{ui.fmt_date(sel.as_of)}；{watch_rule}"))

# ---- forecast -------------------------------------------------------------------------------------------------------
st.subheader("进度预测", help="按最近4个完整双周的平均增量推算到截止日")
if fc is not None and has_target:
    kind, text = dv.forecast_text(fc, unit_name, metric_unit)
    (st.caption if kind == "caption" else st.markdown)(text)
if level in ("city", "county"):
    risk = app.run("forecast", level=level, metric=metric, within=unit)
    risk = risk[(risk.unit_code != unit) & risk["target"].notna()].sort_values("risk_rank")
    if risk.empty:
        st.caption(f"下级{child_label}没有任务目标，无法预测。")
    else:
        st.markdown(f"**下级{child_label}按截止日预计完成率排序（风险最高在前）**")
        risk_table, risk_config = app.shared(dv.risk_table, risk, child_label, cc)
        st.dataframe(
            risk_table,
            hide_index=True,
            width="stretch",
            height=ui.table_height(len(risk_table), 420),
            column_config=risk_config,
        )
        downloads(
            risk_table,
            f"进度预测_{unit_name}_{child_label}",
            "risk",
            notes(f"截至{ui.fmt_date(sel.as_of)}；预计 = 当前完成 + 最近4个完整双周平均增量 × 剩余双周"),
        )
