"""区域分析: from the province down to a lagging county, its institutions and occupations — ranked children, map,
causes, thresholds and the pace needed to finish (issue #6).

URL: ?plan=…&as_of=…&metric=…&unit=<region code>&level=<city|county|institution|occupation>&institution=…
``unit`` is the region looked at; ``level`` is what its rows are (its cities, counties, training institutions or
occupations); ``institution`` narrows occupations to one institution.
"""

from __future__ import annotations

import functools

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from tracker import app, audit, export, geo, ui
from tracker.contract import PERSON_CATEGORIES, TRAINING_TYPES

# what a unit of each type can be broken down into, the first being the default
LEVELS = {"province": ["city", "county"], "city": ["county", "institution"], "county": ["institution", "occupation"]}
LEVEL_LABELS = {"city": "市", "county": "县(市、区)", "institution": "培训机构", "occupation": "职业(工种)"}
NEXT_LEVEL = {"city": "county", "county": "institution", "institution": "occupation"}
DIMENSION_LABELS = {
    "training_type": "培训类别",
    "person_category": "人员类别",
    "institution": "培训机构",
    "occupation": "职业(工种)",
}
RULE_LABELS = {
    "institution_pass_rate": "培训合格率",
    "institution_employment_rate": "培训就业率",
    "trainee_employment_rate": "参训学员就业率(不含企业在岗职工)",
    "order_project_employment_rate": "订单式项目制培训就业率",
    "caregiver_cert_rate": "吕梁山护工持证率",
    "caregiver_employed": "吕梁山护工就业人数",
}
FAIL_LABELS = {
    "pass_rate": "合格率<80%",
    "employment_rate": "就业率<30%",
    "order_project_employment_rate": "订单项目就业率<80%",
}
NONE_GROUP = "（无对应培训记录）"
FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=13)


# ---------------------------------------------------------------- labels and downloads


def seed_documents() -> dict[str, str]:
    return {p["seed"]: p["document"] for p in ui.plans()}


def group_label(dimension: str, key, name=None) -> str:
    """A group as a reader knows it: line and category in words, an institution by name with its code beside it."""
    if key is None or (isinstance(key, float) and pd.isna(key)):
        return NONE_GROUP
    if dimension == "training_type":
        return TRAINING_TYPES.get(key, key)
    if dimension == "person_category":
        return PERSON_CATEGORIES.get(key, key)
    if isinstance(name, str) and name:
        return f"{name}（{key}）"
    return str(key)


def group_labels(dimension: str, detail: pd.DataFrame) -> list[str]:
    names = detail["group_name"] if "group_name" in detail else [None] * len(detail)
    return [group_label(dimension, k, n) for k, n in zip(detail["group_key"], names)]


def downloads(frame: pd.DataFrame, name: str, key: str, notes: list[str]) -> None:
    stem = f"{name}_{sel.plan}_{sel.as_of.isoformat()}"
    with st.container(horizontal=True):
        audit.download_button(
            "下载 CSV",
            export.to_csv(frame),
            f"{stem}.csv",
            what=f"{name}.csv",
            records=len(frame),
            mime="text/csv",
            key=f"{key}_csv",
            icon=":material/download:",
        )
        audit.download_button(
            "下载 Excel",
            export.to_xlsx(
                frame,
                name.split("_")[0],
                notes,
                title=f"{ui.plan_info(sel.plan)['name']} · {name.replace('_', ' · ')}",
                basis=ui.plan_info(sel.plan)["document"],
                as_of=sel.as_of,
                plan=sel.plan,
            ),
            f"{stem}.xlsx",
            what=f"{name}.xlsx",
            records=len(frame),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx",
            icon=":material/download:",
        )


def pct_col(label: str, help: str | None = None, width: str = "small"):
    return st.column_config.ProgressColumn(
        label, format="%.1f%%", min_value=0.0, max_value=100.0, help=help, width=width
    )


def num_col(label: str, help: str | None = None, fmt: str = "localized", width: str = "small"):
    return st.column_config.NumberColumn(label, format=fmt, help=help, width=width)


# ---------------------------------------------------------------- navigation state


def _go(unit: str | None = None, level: str | None = None, institution: str = "") -> None:
    """Move to a unit / level (callbacks run before the rerun, so bound widgets can be set here)."""
    if unit:
        st.session_state["drill_unit"] = unit
        st.session_state["drill_level"] = level or LEVELS[unit_types[unit]][0]
    elif level:
        st.session_state["drill_level"] = level
    st.session_state["drill_institution"] = institution
    st.session_state["drill_nonce"] = st.session_state.get("drill_nonce", 0) + 1


def _drill_to(code: str, child_level: str) -> None:
    if child_level in ("city", "county"):
        _go(unit=code)
    elif child_level == "institution":
        _go(level="occupation", institution=code)


def _on_table_select(key: str, codes: list[str], child_level: str) -> None:
    rows = st.session_state[key].selection.rows
    if rows and child_level in NEXT_LEVEL and rows[0] < len(codes) and codes[rows[0]] is not None:
        _drill_to(codes[rows[0]], child_level)


def _on_pick(key: str, child_level: str) -> None:
    code = st.session_state.get(key)
    if code:
        _drill_to(code, child_level)


def _on_unit_change() -> None:
    _go(unit=st.session_state["drill_unit"])


def _on_map_select(key: str, map_level: str) -> None:
    code = geo.selected_unit(st.session_state[key])
    if code and code in unit_types:
        _go(unit=code)


def _start(param: str, options: list, default) -> None:
    """Take a value someone put in the URL (a shared link: ?unit=141125); else keep the choice if still offered.

    The URL holds codes (?metric=subsidised_trainees&unit=141125&level=institution), written by :func:`_publish`
    after the widgets, as the sidebar does for plan and as_of.
    """
    key = f"drill_{param}"
    raw = st.query_params.get(param)
    fresh = key not in st.session_state or raw != st.session_state.get(f"_url_{key}")
    if raw is not None and fresh and raw in options:
        st.session_state[key] = raw
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def _publish(**values: str) -> None:
    """Write the drill state to the URL in one update, so that one drill step is one browser-history entry
    (Streamlit pushes an entry per URL change: Back then undoes the whole step)."""
    current = st.query_params.to_dict()
    wanted = {k: v for k, v in current.items() if k not in values}
    wanted.update({k: v for k, v in values.items() if v})
    if wanted != current:
        st.query_params.from_dict(wanted)
    for param, value in values.items():
        st.session_state[f"_url_drill_{param}"] = value


# ---------------------------------------------------------------- page

sel = app.page_header("区域分析", "省 → 市 → 县 → 培训机构 → 职业(工种)")
metrics = app.run("drill_metrics")
if metrics.empty:
    st.warning("该计划没有可按地区分解的人数指标（比率类指标见“总览”“合规核查”）。")
    st.stop()
units = app.run("drill_units").set_index("unit_code")
if st.session_state.get("drill_plan") != sel.plan:  # another plan opens on its own unit (e.g. 柳林县)
    for key in ("drill_unit", "drill_level", "drill_institution"):
        st.session_state.pop(key, None)
    st.session_state["drill_plan"] = sel.plan
unit_types = units["unit_type"].to_dict()
metric_rows = metrics.set_index("metric")

with st.container(horizontal=True, vertical_alignment="bottom"):
    _start("metric", list(metrics["metric"]), metrics["metric"].iloc[0])
    metric = st.selectbox("指标", list(metrics["metric"]), key="drill_metric", format_func=ui.metric_label, width=320)
    info = metric_rows.loc[metric]
    _start("unit", list(units.index), info["home_unit"])
    unit = st.selectbox(
        "区域",
        list(units.index),
        key="drill_unit",
        width=320,
        on_change=_on_unit_change,
        format_func=lambda c: units.loc[c, "path"],
        help="也可以点击下方表格中的行、地图上的区域，或用面包屑返回上级",
    )
    unit_type = unit_types[unit]
    level_options = LEVELS[unit_type]
    _start("level", level_options, level_options[0])
    level = (
        st.segmented_control("排名层级", level_options, key="drill_level", format_func=LEVEL_LABELS.get)
        or level_options[0]
    )

target_levels = list(info["target_levels"])
metric_unit = info["unit"]
nonce = st.session_state.get("drill_nonce", 0)

# ---- institutions of the unit (occupation level can narrow to one) ----------------------------------------------
institution = ""
inst_names: dict[str, str] = {}
by_institution = None
if level in ("institution", "occupation"):
    by_institution = app.run("drill_breakdown", metric=metric, unit=unit, by="institution")
if level == "occupation":
    inst_options = [""] + [k for k in by_institution["group_key"] if isinstance(k, str)]
    inst_names = dict(zip(by_institution["group_key"], group_labels("institution", by_institution)))
    _start("institution", inst_options, "")
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

_publish(metric=metric, unit=unit, level=level, institution=institution)

# ---- breadcrumbs ------------------------------------------------------------------------------------------------
path = [c for c in (units.loc[unit, "province_code"], units.loc[unit, "city_code"]) if isinstance(c, str)] + [unit]
with st.container(horizontal=True, vertical_alignment="center", gap="small"):
    st.markdown(":material/account_tree: **位置**")
    for i, code in enumerate(path):
        if i:
            st.markdown("›")
        here = code == unit and level == LEVELS[unit_type][0]
        st.button(
            units.loc[code, "unit_name"],
            key=f"crumb_{code}",
            type="primary" if here else "secondary",
            on_click=_go,
            kwargs={"unit": code},
            help=f"回到{units.loc[code, 'unit_name']}的{LEVEL_LABELS[LEVELS[unit_types[code]][0]]}排名",
        )
    if level != LEVELS[unit_type][0]:
        st.markdown("›")
        st.button(
            ui.md_escape(institution) if institution else f"各{LEVEL_LABELS[level]}",
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
cards = st.columns(5)
if own is None:
    st.info("截至所选日期，该指标尚未开始计算。")
elif has_target:
    status = ui.status_text(own.status)
    cards[0].metric("任务", ui.fmt_wan(own.target, metric_unit), help=f"依据：{ui.source_label(own.source)}")
    cards[1].metric(
        "完成",
        ui.fmt_wan(own.actual, metric_unit),
        f"完成率 {ui.fmt_pct(own.pct)}",
        delta_color="off",
        delta_arrow="off",
    )
    cards[2].metric(
        "时序进度",
        ui.fmt_pct(own.expected_pct),
        f"{ui.fmt_pts(own.pct - own.expected_pct)} {status}",
        delta_color="normal" if own.pct >= own.expected_pct else "inverse",
        delta_arrow="off",
    )
    cards[3].metric(
        "低于时序进度", ui.fmt_wan(own.shortfall, metric_unit), help="缺口 = 任务 × 时序进度 − 完成（不低于0）"
    )
    if fc is not None:
        cards[4].metric(
            "每个双周需完成",
            ui.fmt_wan(fc.needed_per_period, metric_unit),
            f"近期每期 {ui.fmt_wan(fc.pace, metric_unit)}",
            delta_color="off",
            delta_arrow="off",
            help=f"剩余 {int(fc.remaining_periods)} 个双周；近期 = 最近{int(fc.pace_periods)}个完整双周的平均增量",
        )
else:
    cards[0].metric("任务", "本级无任务")
    cards[1].metric("完成", ui.fmt_wan(own.actual, metric_unit))
    st.caption(
        f"该指标的任务下达到：{'、'.join(ui.LEVEL_LABELS.get(t, t) for t in target_levels) or '（无区域任务）'}。"
        "本级及无任务的下级按完成人数排序。"
    )

# ---- ranked children and the map --------------------------------------------------------------------------------
left, right = st.columns([3, 2], gap="medium")
child_label = LEVEL_LABELS[level]
with left:
    if level in ("city", "county"):
        children = app.run("drill_children", metric=metric, unit=unit, level=level)
        with_target = children["target"].notna()
        table = pd.DataFrame(
            {
                "序号": children["rank"],
                child_label: [
                    f"{ui.STATUS_ICONS.get(st_, '')} {name}".strip()
                    for st_, name in zip(children["status"], children["unit_name"])
                ],
                "任务": children["target"],
                "完成": children["actual"],
                "完成率": children["pct"],
                "时序进度": children["expected_pct"],
                "差距(百分点)": (children["pct"] - children["expected_pct"]).round(1),
                "缺口(人)": children["shortfall"],
                "占缺口比重": (100 * children["contribution"]).round(1),
                "占本级完成": (100 * children["share_of_parent"]).round(1),
                "状态": [f"{ui.STATUS_ICONS.get(s, '')} {ui.STATUS_LABELS.get(s, '—')}" for s in children["status"]],
                "依据": [ui.source_label(s) if t else "—" for s, t in zip(children["source"], with_target)],
            }
        )
        codes = list(children["unit_code"])
        shown = (
            [child_label, "任务", "完成", "完成率", "差距(百分点)", "缺口(人)", "占缺口比重"]
            if with_target.any()
            else [child_label, "完成", "占本级完成"]
        )
        st.markdown(
            f"**下级{child_label}排名**（"
            + ("按差距排序，最落后在前" if with_target.any() else "本层级无任务，按完成人数排序")
            + "）"
        )
        config = {
            "序号": num_col("序号"),
            "任务": num_col("任务"),
            "完成": num_col("完成"),
            "完成率": pct_col("完成率"),
            "时序进度": pct_col("时序进度"),
            "差距(百分点)": num_col("差距(百分点)", "完成率 − 时序进度", "%+.1f"),
            "缺口(人)": num_col("缺口(人)", "max(0, 任务 × 时序进度 − 完成)", "%,.0f"),
            "占缺口比重": num_col("占缺口比重", "本单位缺口 ÷ 各下级缺口之和（合计100%）", "%.1f%%"),
            "占本级完成": num_col("占本级完成", "本单位完成 ÷ 上级完成", "%.1f%%"),
        }
    else:
        detail = (
            by_institution
            if level == "institution"
            else app.run("drill_breakdown", metric=metric, unit=unit, by="occupation", institution=institution or None)
        )
        scope_name = (
            f"{unit_name}{' · ' + ui.md_escape(inst_names.get(institution, institution)) if institution else ''}"
        )
        prev = detail["prev_actual"].notna().any()
        table = pd.DataFrame(
            {
                "序号": detail["rank"] if not prev else range(1, len(detail) + 1),
                child_label: group_labels(level, detail),
                "完成": detail["actual"],
                "占本级比重": (100 * detail["share"]).round(1),
                **({"上年同期": detail["prev_actual"], "同比增减": detail["change"]} if prev else {}),
                "结业人数": detail["completed"],
                "合格率": detail["pass_rate"],
                "就业率(到期)": detail["employment_rate"],
                "待核实(人)": detail["employment_unknown"],
            }
        )
        if prev:
            table = table.sort_values("完成", ascending=False)
            table["序号"] = range(1, len(table) + 1)
        codes = list(detail["group_key"]) if not prev else list(detail.loc[table.index, "group_key"])
        shown = [c for c in table.columns if c != "序号"]
        st.markdown(
            f"**{scope_name} · 按{child_label}**（本层级无任务目标：按完成人数排序，显示占{scope_name}完成的比重及各自的合格率、就业率）"
        )
        config = {
            "序号": num_col("序号"),
            "完成": num_col("完成"),
            "结业人数": num_col("结业人数"),
            "占本级比重": num_col("占本级比重", f"占{scope_name}完成人数的比重", "%.1f%%"),
            "上年同期": num_col("上年同期"),
            "同比增减": num_col("同比增减", fmt="%+d"),
            "合格率": num_col("合格率", "结业学员中培训合格者占比（文件要求 ≥80%）", "%.1f%%"),
            "就业率(到期)": num_col("就业率(到期)", "结业满90天者中已就业占比（到期未录入按未就业计）", "%.1f%%"),
            "待核实(人)": num_col("待核实(人)", "结业未满90天、就业结果尚未到期的人数"),
        }
    table_key = f"children_{unit}_{level}_{institution}_{nonce}"
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=config,
        column_order=shown,
        height=ui.table_height(len(table), 460),
        key=table_key,
        on_select=functools.partial(_on_table_select, table_key, codes, level) if level in NEXT_LEVEL else "ignore",
        selection_mode="single-row",
    )
    if level in NEXT_LEVEL and len(codes):
        labels = dict(zip(codes, table[child_label]))
        st.selectbox(
            f"进入下级{child_label}",
            [c for c in codes if c is not None],
            index=None,
            placeholder=f"选择{child_label}查看其{LEVEL_LABELS[NEXT_LEVEL[level]]}…",
            format_func=lambda c: labels.get(c, c),
            key=f"pick_{table_key}",
            on_change=_on_pick,
            args=(f"pick_{table_key}", level),
        )
    if level in ("city", "county") and (table.get("依据") == "示例").any():
        st.caption(ui.ALLOCATION_NOTE)
    downloads(
        table,
        f"区域分析_{unit_name}_{child_label}",
        "children",
        [f"{ui.plan_info(sel.plan)['name']} · {info['label']} · 截至{ui.fmt_date(sel.as_of)}"]
        + ([ui.DEMO_NOTE] if sel.demo else []),
    )

with right:
    map_level = level if level in ("city", "county") else "county"
    map_progress = app.run("progress", level=map_level)
    map_df = map_progress[map_progress.metric == metric].copy()
    map_has_target = map_df["target"].notna().any()
    scope_counties = [
        c
        for c, row in units.iterrows()
        if row["unit_type"] == "county" and unit in (c, row["city_code"], row["province_code"])
    ]
    if unit_type == "county":
        focus = [c for c, row in units.iterrows() if row["city_code"] == units.loc[unit, "city_code"]]
    elif unit_type == "city":
        focus = scope_counties
    else:
        focus = None
    if map_has_target:
        colour = (
            st.segmented_control(
                "地图着色",
                ["gap", "pct"],
                default="gap",
                key="map_colour",
                bind="query-params",
                format_func={"gap": "进度差", "pct": "完成率"}.get,
            )
            or "gap"
        )
    else:
        colour = "actual"
    map_df["gap"] = (map_df["pct"] - map_df["expected_pct"]).round(1)
    map_df["完成"] = [ui.fmt_int(v, metric_unit) for v in map_df["actual"]]
    map_df["完成率"] = ["完成率 " + ui.fmt_pct(v) if pd.notna(v) else "无任务" for v in map_df["pct"]]
    map_df["进度差"] = ["进度差 " + ui.fmt_pts(v) if pd.notna(v) else "" for v in map_df["gap"]]
    map_df["状态"] = [
        "状态 " + ui.status_label(s) if has else "" for s, has in zip(map_df["status"], map_df["target"].notna())
    ]
    value_col, label, scale = {
        "gap": ("gap", "进度差(百分点)", "gap"),
        "pct": ("pct", "完成率(%)", "pct"),
        "actual": ("actual", "完成人数", "count"),
    }[colour]
    map_key = f"map_{unit}_{level}_{colour}_{nonce}"
    fig = geo.choropleth(
        map_df,
        map_level,
        value_col,
        color_label=label,
        scale=scale,
        hover=["完成", "完成率", "进度差", "状态"],
        highlight=[unit] if map_level == unit_type else [],
        outline_cities=[unit] if unit_type == "city" else [],
        focus=focus,
        missing_label="无任务" if colour != "actual" else "无数据",
        height=480,
    )
    st.plotly_chart(
        fig,
        key=map_key,
        on_select=functools.partial(_on_map_select, map_key, map_level),
        selection_mode="points",
        width="stretch",
        config={**ui.PLOTLY_CONFIG, "scrollZoom": True},
    )
    st.caption(
        ("红色低于时序进度、绿色超过；" if colour == "gap" else "")
        + ("本层级无任务，按完成人数着色；" if colour == "actual" else "")
        + f"点击{LEVEL_LABELS[map_level]}进入。"
        + ("蓝框为当前区域。" if map_level == unit_type else "")
        + "地图为示意，非标准地图。"
    )

# ---- causes --------------------------------------------------------------------------------------------------------
st.subheader("差距原因", help="按培训类别、人员类别、培训机构分解本区域的完成人数")
if not info["training_based"]:
    st.info("该指标按取证记录统计，无法按培训类别、人员类别或培训机构分解。")
else:
    dimensions = ["training_type", "person_category", "institution"]
    dimension = (
        st.segmented_control(
            "分解维度",
            dimensions,
            default="training_type",
            key="drill_cause",
            bind="query-params",
            format_func=DIMENSION_LABELS.get,
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
        # the unit's own document sets its lines: read the gap against them, not against the province's mix
        behind_lines = own_lines[own_lines["gap_pts"] < 0]
        source = own_lines["source"].iloc[0]
        if len(behind_lines):
            st.markdown(
                f"按{source}规定的培训类别，{unit_name}差距最大的是："
                + "、".join(
                    f"{ui.metric_label(r.metric)}（完成{ui.fmt_pct(r.pct)}，时序进度{ui.fmt_pct(r.expected_pct)}，"
                    f"差距{ui.fmt_pts(r.gap_pts)}）"
                    for r in behind_lines.itertuples()
                )
                + "。"
            )
        else:
            st.markdown(f"按{source}规定的培训类别，{unit_name}各类均达到时序进度。")
        st.dataframe(
            pd.DataFrame(
                {
                    "培训类别(本单位文件)": [ui.metric_label(m) for m in own_lines["metric"]],
                    "任务": own_lines["target"],
                    "完成": own_lines["actual"],
                    "完成率": own_lines["pct"],
                    "时序进度": own_lines["expected_pct"],
                    "差距(百分点)": own_lines["gap_pts"],
                    "落后人数": own_lines["shortfall"],
                    "状态": [ui.STATUS_LABELS.get(x, "—") for x in own_lines["status"]],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "任务": num_col("任务"),
                "完成": num_col("完成"),
                "完成率": pct_col("完成率"),
                "时序进度": pct_col("时序进度"),
                "差距(百分点)": num_col("差距(百分点)", "完成率 − 时序进度；负数为落后", "%+.1f"),
                "落后人数": num_col("落后人数", fmt="%,.0f"),
            },
        )
        st.caption("以下按全省各类别结构比较，仅供参考；本单位以文件规定的类别任务为准。")
    if detail.empty:
        st.caption("所选日期前没有相关记录。")
    else:
        ranked_by = detail["ranked_by"].iloc[0]
        names = [ui.html_escape(label) for label in group_labels(dimension, detail)]
        if ranked_by == "benchmark":
            worst = detail[detail["benchmark_gap"] > 0].head(3)
            if len(worst):
                parts = [
                    f"{ui.md_escape(group_label(dimension, r.group_key))}（少{ui.fmt_int(r.benchmark_gap, metric_unit)}，"
                    f"占{ui.fmt_pct(100 * r.contribution)}）"
                    for r in worst.itertuples()
                ]
                st.markdown(
                    f"按全省{DIMENSION_LABELS[dimension]}结构，{unit_name}缺口主要在：" + "、".join(parts) + "。"
                )
            fig = go.Figure()
            fig.add_bar(
                y=names,
                x=detail["actual"],
                orientation="h",
                name="已完成",
                marker_color="#1565c0",
                hovertemplate="%{y}: %{x:,.0f}" + metric_unit + "<extra>已完成</extra>",
            )
            fig.add_bar(
                y=names,
                x=detail["benchmark"],
                orientation="h",
                name="按全省结构应完成",
                marker_color="#bdbdbd",
                hovertemplate="%{y}: %{x:,.0f}" + metric_unit + "<extra>按全省结构应完成</extra>",
            )
            fig.update_layout(
                barmode="group",
                height=max(260, 34 * len(names) + 80),
                font=FONT,
                margin=dict(l=10, r=10, t=40, b=10),
                plot_bgcolor="white",
                legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
                yaxis=dict(autorange="reversed"),
                xaxis_title=f"人数({metric_unit})",
            )
            st.plotly_chart(fig, width="stretch", key=f"cause_{dimension}", config=ui.PLOTLY_CONFIG)
            excluded = [group_label(dimension, k) for k in detail.loc[detail["benchmark_excluded"], "group_key"]]
            st.caption(
                "比较对象：全省"
                + (
                    f"（不含{'、'.join(excluded)}：该类培训集中在其他市，是当地的品牌项目，不作为本区域的比较标准）"
                    if excluded
                    else ""
                )
                + "。“按全省结构应完成” = 本区域时序应完成人数（任务 × 时序进度）× 全省该类占比；"
                "各类“少完成”之和等于本区域低于时序进度的人数。"
            )
        elif ranked_by == "previous_year":
            drop = detail[detail["change"] < 0].head(3)
            if len(drop):
                st.markdown(
                    "较上年同期减少最多："
                    + "、".join(
                        f"{ui.md_escape(group_label(dimension, r.group_key))}（{r.change:+,.0f}{metric_unit}）"
                        for r in drop.itertuples()
                    )
                    + "。"
                )
        else:
            st.caption(
                ("本区域没有任务目标，" if not has_target else "")
                + ("培训机构分布各地不同，不与全省结构比较；" if dimension == "institution" else "")
                + "无上年同期数据：按完成人数排序。"
            )
        frame = pd.DataFrame(
            {
                DIMENSION_LABELS[dimension]: names,
                "完成": detail["actual"],
                "占比": (100 * detail["share"]).round(1),
                **(
                    {
                        "按全省结构应完成": detail["benchmark"],
                        "少完成": detail["benchmark_gap"],
                        "占缺口比重": (100 * detail["contribution"]).round(1),
                    }
                    if ranked_by == "benchmark"
                    else {}
                ),
                **(
                    {"上年同期": detail["prev_actual"], "同比增减": detail["change"]}
                    if detail["prev_actual"].notna().any()
                    else {}
                ),
                "合格率": detail["pass_rate"],
                "就业率(到期)": detail["employment_rate"],
                "待核实(人)": detail["employment_unknown"],
            }
        )
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            height=ui.table_height(len(frame), 400),
            column_config={
                "完成": num_col("完成"),
                "占比": num_col("占比", fmt="%.1f%%"),
                "按全省结构应完成": num_col("按全省结构应完成", fmt="%,.0f"),
                "少完成": num_col("少完成", "按全省结构应完成 − 完成（负数为超出）", "%,.0f"),
                "占缺口比重": pct_col("占缺口比重"),
                "上年同期": num_col("上年同期"),
                "同比增减": num_col("同比增减", fmt="%+d"),
                "合格率": pct_col("合格率"),
                "就业率(到期)": pct_col("就业率(到期)", "结业满90天者中已就业的比例（到期未录入按未就业计）"),
                "待核实(人)": num_col("待核实(人)", "结业未满90天、就业结果尚未到期的人数"),
            },
        )

# ---- thresholds ---------------------------------------------------------------------------------------------------
st.subheader(
    "文件指标达标情况",
    help="只列本计划所依据文件对本区域适用的要求；就业率按结业满90天者计算，未满90天者为待核实",
)
rates = app.run("causes_rates", unit=unit)
documents = seed_documents()
rates = rates[(rates["persons"] > 0) | (rates["kind"] == "count")]
if rates.empty:
    st.caption("本计划所依据的文件对本区域没有适用的结业质量要求，或所选日期前本区域没有结业记录。")
else:
    rate_table = pd.DataFrame(
        {
            "指标": [RULE_LABELS.get(m, ui.metric_label(m)) for m in rates["metric"]],
            "要求": [
                f"≥{ui.fmt_pct(t, 0)}" if k == "rate" else f"≥{ui.fmt_int(t)}"
                for t, k in zip(rates["threshold"], rates["kind"])
            ],
            "当前": [ui.fmt_pct(v) if k == "rate" else ui.fmt_int(v) for v, k in zip(rates["value"], rates["kind"])],
            "达标": ["—" if pd.isna(m) else "✅ 达标" if m else "❌ 未达标" for m in rates["met"]],
            "结业人数": rates["persons"],
            "结果已知(人)": rates["known"],
            "待核实(人)": [ui.fmt_int(u) if "employ" in m else "—" for u, m in zip(rates["pending"], rates["metric"])],
            "依据": ["、".join(documents.get(s, s) for s in seeds.split(",")) for seeds in rates["seeds"]],
        }
    )
    st.dataframe(
        rate_table,
        hide_index=True,
        width="stretch",
        column_config={
            "结业人数": num_col("结业人数"),
            "结果已知(人)": num_col("结果已知(人)"),
            "待核实(人)": st.column_config.TextColumn(
                "待核实(人)", help="结业不足90天、就业结果尚未到期的人数，不计入就业率"
            ),
        },
    )

# the watch list applies only the rules of the plan's own document (CONTRACT §4; institution_watchlist.sql)
WATCH_RULES = {
    "000": "合格率低于80%或就业率低于30%将被取消下年度补贴性培训资格（晋政发〔2017〕61号）",
    "002": "订单式项目制就业率低于80%不予补贴（柳政办发〔2023〕19号、晋人社厅函〔2023〕786号）",
    "003": "订单式项目制就业率低于80%不予补贴（晋人社厅函〔2023〕786号）",
}
watch_rule = WATCH_RULES.get(ui.plan_info(sel.plan)["seed"], "本计划所依据的文件对培训机构没有合格率、就业率要求")
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
    watch_table = pd.DataFrame(
        {
            "培训机构": [
                group_label("institution", k, n) for k, n in zip(watch["institution_id"], watch["institution_name"])
            ],
            "所在县(市、区)": [
                n + (f" 等{c}地" if c > 1 else "") for n, c in zip(watch["county_name"], watch["counties"])
            ],
            "结业人数": watch["completed"],
            "合格率": watch["pass_rate"],
            "就业率(到期)": watch["employment_rate"],
            "待核实(人)": watch["employment_unknown"],
            "订单式项目制就业率": watch["order_project_employment_rate"],
            "未达要求": ["、".join(FAIL_LABELS[f] for f in failed.split(",") if f) for failed in watch["failed"]],
        }
    )
    st.caption(f"{len(watch_table):,}家机构低于至少一项要求；就业率按结业满90天者计算（到期未录入按未就业计）。")
    st.dataframe(
        watch_table,
        hide_index=True,
        width="stretch",
        height=ui.table_height(len(watch_table), 420),
        column_config={
            "结业人数": num_col("结业人数"),
            "合格率": pct_col("合格率"),
            "就业率(到期)": pct_col("就业率(到期)"),
            "待核实(人)": num_col("待核实(人)"),
            "订单式项目制就业率": pct_col("订单式项目制就业率"),
        },
    )
    downloads(
        watch_table,
        f"预警机构_{unit_name}",
        "watch",
        [f"截至{ui.fmt_date(sel.as_of)}；{watch_rule}"] + ([ui.DEMO_NOTE] if sel.demo else []),
    )

# ---- forecast -------------------------------------------------------------------------------------------------------
st.subheader("进度预测", help="按最近4个完整双周的平均增量推算到截止日")
if fc is not None and has_target and (fc.status in ("no_data", "not_started") or pd.isna(fc.will_miss)):
    st.caption(
        f"{unit_name}：{ui.STATUS_LABELS.get(fc.status, '尚无完整的双周进度')}，暂不作进度预测。"
        if fc.status in ("no_data", "not_started")
        else f"{unit_name}尚无可用于推算的双周进度，暂不作预测。"
    )
elif fc is not None and has_target:
    pace_text = (
        f"最近{int(fc.pace_periods)}个双周平均每期完成 {ui.fmt_wan(fc.pace, metric_unit)}"
        if fc.pace_periods
        else "尚无完整的双周"
    )
    verdict = (
        "按此进度可按期完成"
        if not fc.will_miss
        else f"按此进度将差 {ui.fmt_wan(fc.target - fc.projected_actual, metric_unit)}"
    )
    st.markdown(
        f"{unit_name}{pace_text}，截止{ui.fmt_date(fc.deadline)}预计完成 **{ui.fmt_pct(fc.projected_pct)}**"
        f"（{ui.fmt_wan(fc.projected_actual, metric_unit)}），{verdict}。"
        + (
            f"剩余 {int(fc.remaining_periods)} 个双周、尚需 {ui.fmt_wan(fc.remaining, metric_unit)}，"
            f"每期需完成 **{ui.fmt_wan(fc.needed_per_period, metric_unit)}**"
            + (f"，为近期进度的 {fc.needed_vs_pace:.1f} 倍" if pd.notna(fc.needed_vs_pace) else "")
            + "。"
            if fc.remaining > 0
            else ""
        )
    )
if level in ("city", "county"):
    risk = app.run("forecast", level=level, metric=metric, within=unit)
    risk = risk[(risk.unit_code != unit) & risk["target"].notna()].sort_values("risk_rank")
    if risk.empty:
        st.caption(f"下级{child_label}没有任务目标，无法预测。")
    else:
        st.markdown(f"**下级{child_label}按截止日预计完成率排序（风险最高在前）**")
        risk_table = pd.DataFrame(
            {
                "风险排序": range(1, len(risk) + 1),
                child_label: risk["unit_name"],
                "任务": risk["target"],
                "完成": risk["actual"],
                "完成率": risk["pct"],
                "预计截止完成率": risk["projected_pct"],
                "近期每期完成": [None if ui._missing(v) else ui.whole(v) for v in risk["pace"]],
                "每期需完成": risk["needed_per_period"],
                "需提速(倍)": risk["needed_vs_pace"].round(1),
                "剩余双周": risk["remaining_periods"],
            }
        )
        st.dataframe(
            risk_table,
            hide_index=True,
            width="stretch",
            height=ui.table_height(len(risk_table), 420),
            column_config={
                "任务": num_col("任务"),
                "完成": num_col("完成"),
                "完成率": pct_col("完成率"),
                "预计截止完成率": pct_col("预计截止完成率", "当前完成 + 近期每期完成 × 剩余双周"),
                "近期每期完成": num_col("近期每期完成", "最近4个完整双周的平均增量（整人）"),
                "每期需完成": num_col("每期需完成", "尚需完成 ÷ 剩余双周"),
                "需提速(倍)": num_col("需提速(倍)", "每期需完成 ÷ 近期每期完成", "%.1f"),
            },
        )
        downloads(
            risk_table,
            f"进度预测_{unit_name}_{child_label}",
            "risk",
            [f"截至{ui.fmt_date(sel.as_of)}；预计 = 当前完成 + 最近4个完整双周平均增量 × 剩余双周"]
            + ([ui.DEMO_NOTE] if sel.demo else []),
        )
