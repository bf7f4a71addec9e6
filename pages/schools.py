"""院校取证: schools' and education bureaus' graduate certificate quotas and directed training (seed 004).

Works for any plan whose targets name school units (targets.csv unit_type = school). Every figure comes from
the named queries school_plans, school_quota, school_groups, school_pace, school_detail_certs, school_directed.
"""

from __future__ import annotations

import functools

import streamlit as st

from tracker import app, audit, ui
from tracker import schools_view as sv

sel = app.page_header("院校取证", "附件1 毕业生取证任务 · 院校定向培训")


def _switch_plan(plan: str) -> None:
    st.session_state["plan"] = plan
    st.session_state["as_of"] = app.default_as_of(plan, sel.latest)


# ---------------------------------------------------------------- a plan whose units are schools

school_plans = app.run("school_plans")
if sel.plan not in set(school_plans["plan_id"]):
    st.warning(
        f"所选计划“{ui.plan_info(sel.plan)['name']}”没有分解到院校的任务。"
        "院校取证页显示任务分解到院校、市教育局的计划：",
        icon=":material/school:",
    )
    for plan in school_plans.itertuples():
        st.button(
            f"切换到 {plan.name}（{plan.school_units}个单位）",
            key=f"switch_{plan.plan_id}",
            on_click=_switch_plan,
            args=(plan.plan_id,),
            icon=":material/swap_horiz:",
        )
    if school_plans.empty:
        st.info("计划库中没有任务分解到院校的计划。")
    st.stop()

quota = app.run("school_quota")
groups = app.run("school_groups")
if quota.empty:
    st.info("本计划没有院校单位的取证任务。")
    st.stop()
if quota["actual"].sum() == 0:
    st.info(
        f"截至{ui.fmt_date(sel.as_of)}，数据中没有计入本计划的毕业生取证记录"
        f"（毕业年度学生、{ui.fmt_date(quota['start'].min())}以后发证）：下表各单位均为0人。"
        "请在“数据管理”页导入取证数据，或调整截至日期。",
        icon=":material/info:",
    )

# ---------------------------------------------------------------- how each group stands against the goals


def _metric_card(col, label: str, row, help_text: str) -> None:
    col.metric(
        label,
        ui.fmt_int(row.actual),
        border=True,
        help=help_text,
        delta=f"完成{ui.fmt_pct(row.pct)} · 时序{ui.fmt_pct(row.expected_pct)}",
        delta_color={"on_track": "normal", "behind": "off"}.get(row.status, "inverse"),
        delta_arrow="off",
    )


for _, rows in groups.groupby("position", sort=True):
    metric = rows["metric"].iloc[0]
    goal = rows[rows["row_kind"] == "plan_goal"]
    heading = f"**{ui.metric_label(metric)}**"
    if not goal.empty:
        heading += f"　全省目标 {ui.fmt_int(goal['target'].iloc[0])}"
    st.markdown(heading)
    cards = list(rows.itertuples())
    cols = st.columns(max(len(cards), 4))
    for col, row in zip(cols, cards):
        if row.row_kind == "plan_goal":
            label = f"{row.unit_name}（全省口径）"
            help_text = "省级口径：全省所有毕业年度学生（不论是否为附件1所列单位），一人只计一次。"
        elif row.row_kind == "units_total":
            label = f"{row.units:.0f}个单位合计 · 任务{ui.fmt_int(row.target)}"
            help_text = "附件1所列单位的已取证人数之和；同一人在两个单位取证各计一次。"
        else:
            label = f"{sv.group_name(row.group)} · 任务{ui.fmt_int(row.target)}"
            help_text = (
                f"{row.units:.0f}个单位，其中{row.units_behind:.0f}个低于时序进度、{row.units_lagging:.0f}个"
                f"落后10个百分点以上；这些单位合计落后{ui.fmt_int(row.shortfall)}。"
            )
        _metric_card(col, label, row, help_text)

goal_rows = groups[groups["row_kind"] == "plan_goal"].set_index("metric")
unit_rows = groups[groups["row_kind"] == "units_total"].set_index("metric")
notes = []
for metric in unit_rows.index.intersection(goal_rows.index):
    diff = goal_rows.at[metric, "actual"] - unit_rows.at[metric, "actual"]
    notes.append(
        f"{sv.METRIC_SHORT.get(metric, metric)}：全省口径{ui.fmt_int(goal_rows.at[metric, 'actual'])}，"
        f"单位合计{ui.fmt_int(unit_rows.at[metric, 'actual'])}（差{ui.fmt_int(diff)}）"
    )
if notes:
    st.caption(
        "全省口径统计全省所有毕业年度学生（含未列入附件1的学校），一人只计一次；单位合计是所列单位人数之和，"
        "未列入的学生不计、在两个单位取证的学生各计一次。" + "；".join(notes) + "。"
    )

# ---------------------------------------------------------------- the view (kept in the URL)

view = app.url_choice(
    "查看",
    list(sv.VIEWS),
    "view",
    default="table",
    format_func=sv.VIEWS.get,
    widget="segmented",
    label_visibility="collapsed",
)
present_groups = [g for g in sv.GROUP_ORDER if g in set(quota["group"])]
units = quota.drop_duplicates("unit_code")
unit_label = {r.unit_code: f"{r.unit_name}（{sv.group_name(r.group)}）" for r in units.itertuples()}


def _open_detail(code: str) -> None:
    st.session_state["view"] = "detail"
    st.session_state["unit"] = code


if view == "table":
    cities = quota.dropna(subset=["city_code"]).drop_duplicates("city_code").sort_values("city_code")
    city_names = dict(zip(cities["city_code"], cities["city_name"]))
    c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
    chosen_groups = c1.multiselect(
        "组别", present_groups, format_func=sv.group_name, key="group", bind="query-params", placeholder="全部组别"
    )
    chosen_cities = c2.multiselect(
        "所在市",
        list(city_names),
        format_func=lambda c: city_names.get(c, c),
        key="city",
        bind="query-params",
        placeholder="全部城市",
    )
    chosen_status = c3.multiselect(
        "状态",
        sv.STATUS_ORDER,
        format_func=sv.status_filter_name,
        key="status",
        bind="query-params",
        placeholder="全部状态",
    )
    with c4:
        sort = app.url_choice("排序", list(sv.SORTS), "sort", default="seq", format_func=sv.SORTS.get)
    shown = sv.sort_units(sv.filter_units(quota, chosen_groups, chosen_cities, chosen_status), sort)
    behind = shown[shown["status"] != "on_track"]
    st.markdown(
        f"**{len(shown)}** 个单位，其中 **{(shown['status'] == 'lagging').sum()}** 个滞后、"
        f"**{(shown['status'] == 'behind').sum()}** 个略滞后；低于时序进度的单位合计落后 "
        f"**{ui.fmt_int(behind['shortfall'].sum())}**，距全部任务尚需 **{ui.fmt_int(shown['remaining'].sum())}**。"
        f"时序进度 {'、'.join(sorted({ui.fmt_pct(p) for p in quota['expected_pct']}))}"
        f"（{sv.deadline_phrase(quota['deadline'].max(), quota['days_left'].max(), quota['days_past'].min())}）。"
    )
    frame = app.shared(sv.table_frame, shown)  # built once for everyone who sees the same rows
    picked = st.dataframe(
        frame,
        hide_index=True,
        placeholder="—",
        column_config=sv.column_config(st.column_config, shown["pct"].max()),
        column_order=sv.DISPLAY_COLUMNS,
        key="quota_table",
        on_select="rerun",
        selection_mode="single-row",
        height=ui.table_height(len(frame), 640),
    )
    rows = picked.selection.rows if picked else []
    d1, d2, d3 = st.columns([1, 1, 4])
    download = app.shared(sv.table_frame, shown, download=True)
    notes_x = [
        f"{ui.plan_info(sel.plan)['name']}（{ui.plan_info(sel.plan)['document']}）",
        f"截至{ui.fmt_date(sel.as_of)}；时序进度按计划起止日线性推算；落后人数 = 按时序应完成 − 已取证。",
    ]
    if sel.demo:
        notes_x.append(ui.DEMO_NOTE)
    with d1:
        audit.xlsx_button(
            functools.partial(  # built when clicked
                sv.to_xlsx,
                download,
                notes=notes_x,
                title=f"{ui.plan_info(sel.plan)['name']}院校取证任务完成表",
                basis=ui.plan_info(sel.plan)["document"],
                as_of=sel.as_of,
                plan=sel.plan,
            ),
            sv.download_name(sel.plan, sel.as_of, "xlsx"),
            what="school_quota.xlsx",
            records=len(download),
        )
    with d2:
        audit.csv_button(download, sv.download_name(sel.plan, sel.as_of, "csv"), what="school_quota.csv")
    if rows:
        code = shown.iloc[rows[0]]["unit_code"]
        d3.button(
            f"查看 {unit_label[code]} 的详情",
            on_click=_open_detail,
            args=(code,),
            type="primary",
            icon=":material/arrow_forward:",
        )
    else:
        d3.caption("点选表格左侧的行，可查看该单位的详情。")

elif view == "compare":
    g1, g2 = st.columns([3, 1])
    with g1:
        cmp_group = app.url_choice("组别", present_groups, "cmp_group", format_func=sv.group_name, widget="segmented")
    with g2:
        scale = app.url_choice("刻度", list(sv.SCALES), "scale", format_func=sv.SCALES.get, widget="segmented")
    in_group = quota[quota["group"] == cmp_group]
    what = "完成率" if scale == "pct" else "已取证人数"
    st.plotly_chart(
        app.shared(sv.ranked_bars, in_group, f"{sv.group_name(cmp_group)}：各单位{what}（按完成率排序）", scale),
        width="stretch",
        config=ui.PLOTLY_CONFIG,
    )
    st.plotly_chart(
        app.shared(sv.spread_strip, quota, quota["expected_pct"].max()), width="stretch", config=ui.PLOTLY_CONFIG
    )
    compare = app.shared(sv.table_frame, sv.sort_units(in_group, "gap"), download=True)
    compare_notes = [f"截至{ui.fmt_date(sel.as_of)}；{sv.group_name(cmp_group)}各单位，差距最大（最落后）在前。"]
    if sel.demo:
        compare_notes.append(ui.DEMO_NOTE)
    c1, c2, _ = st.columns([1, 1, 4])
    with c1:
        audit.xlsx_button(
            functools.partial(  # built when clicked
                sv.to_xlsx,
                compare,
                sv.group_name(cmp_group),
                compare_notes,
                title=f"{ui.plan_info(sel.plan)['name']}分组比较：{sv.group_name(cmp_group)}",
                basis=ui.plan_info(sel.plan)["document"],
                as_of=sel.as_of,
                plan=sel.plan,
            ),
            f"院校取证_分组比较_{cmp_group}_{sel.plan}_{sel.as_of.isoformat()}.xlsx",
            what="school_groups.xlsx",
            records=len(compare),
            key="compare_xlsx",
            label="下载本组 Excel",
        )
    with c2:
        audit.csv_button(
            compare,
            f"院校取证_分组比较_{cmp_group}_{sel.plan}_{sel.as_of.isoformat()}.csv",
            what="school_groups.csv",
            key="compare_csv",
            label="下载本组 CSV",
        )

    st.subheader("落后最多的单位")
    behind = quota[quota["status"] != "on_track"]
    b1, b2 = st.columns(2)
    cfg = sv.column_config(st.column_config, quota["pct"].max())
    b1.markdown("**按落后人数**（按时序应完成 − 已取证）")
    b1.dataframe(
        app.shared(sv.table_frame, behind.nlargest(10, "shortfall"))[sv.BEHIND_PEOPLE_COLUMNS],
        hide_index=True,
        placeholder="—",
        column_config=cfg,
    )
    b2.markdown("**按差距**（完成率 − 时序进度，负数为落后）")
    b2.dataframe(
        app.shared(sv.table_frame, sv.sort_units(behind, "gap").head(10))[sv.BEHIND_PCT_COLUMNS],
        hide_index=True,
        placeholder="—",
        column_config=cfg,
    )
    if behind.empty:
        st.success("所有单位均达到时序进度。")

    st.subheader("分组合计与全省目标")
    st.dataframe(
        app.shared(sv.groups_frame, groups),
        hide_index=True,
        placeholder="—",
        column_config=sv.column_config(st.column_config, groups["pct"].max()),
    )
    st.caption(
        "分组合计 = 组内各单位数字之和。全省口径（山西省一行）按发证所在地统计全省所有毕业年度学生，"
        "一人只计一次，含未列入附件1的学校的学生；单位合计只计所列单位，一人在两个单位取证时各计一次。"
        "附件1各单位任务数之和（高级工107,671人、中级工100,820人）高于全省10万人的目标。"
    )

else:  # detail
    default = quota.sort_values("shortfall", ascending=False)["unit_code"].iloc[0]
    codes = list(units["unit_code"])
    unit = app.url_choice("单位", codes, "unit", default=default, format_func=unit_label.get)
    for row in quota[quota["unit_code"] == unit].itertuples():
        short = sv.METRIC_SHORT.get(row.metric, ui.metric_label(row.metric))
        st.subheader(f"{row.unit_name} · {short}取证  {sv.status_name(row.status)}")
        m = st.columns(6)
        m[0].metric("任务数", ui.fmt_int(row.target), border=True)
        m[1].metric("已取证", ui.fmt_int(row.actual), border=True)
        m[2].metric("完成率", ui.fmt_pct(row.pct), border=True)
        m[3].metric(
            "时序进度",
            ui.fmt_pct(row.expected_pct),
            border=True,
            delta_arrow="off",
            delta=ui.fmt_pts(ui.gap_of(row.pct, row.expected_pct)),
            delta_color="normal",
            help="完成率与时序进度之差（个百分点）",
        )
        m[4].metric("落后人数", ui.fmt_int(row.shortfall), border=True, help="按时序进度应完成 − 已取证")
        m[5].metric("尚需取证", ui.fmt_int(row.remaining), border=True, help="任务数 − 已取证")
        if row.days_open > 0:
            st.markdown(
                f"{sv.deadline_phrase(row.deadline, row.days_left, row.days_past)}（含今天{row.days_open}天，{row.weeks_left}周、"
                f"{row.periods_left}个双周期），尚需 **{ui.fmt_int(row.remaining)}**：每周需取证 "
                f"**{ui.fmt_int(row.needed_per_week)}**、每双周 **{ui.fmt_int(row.needed_per_period)}**；"
                f"开始以来平均每周 {ui.fmt_int(row.actual_per_week)}。"
            )
        else:
            st.markdown(
                f"{sv.deadline_phrase(row.deadline, row.days_left, row.days_past)}：截止日完成 **{ui.fmt_pct(row.pct)}**"
                + (f"，还差 **{ui.fmt_int(row.remaining)}**。" if row.remaining > 0 else "，已完成任务。")
            )
        pace = app.run("school_pace", unit=unit)
        st.plotly_chart(
            app.shared(sv.pace_figure, pace, row.metric, sel.as_of), width="stretch", config=ui.PLOTLY_CONFIG
        )

    detail = app.run("school_detail_certs", unit=unit)
    if detail.empty:
        st.info("截至当日，该单位还没有计入任务的毕业生取证记录。")
    else:
        st.caption("以下按每人首次计入任务的那张证书统计（毕业年度学生，一人只计一次）。")
        st.plotly_chart(app.shared(sv.breakdown_bars, detail, "month"), width="stretch", config=ui.PLOTLY_CONFIG)
        c1, c2, c3 = st.columns(3)
        c1.plotly_chart(app.shared(sv.breakdown_bars, detail, "level"), width="stretch", config=ui.PLOTLY_CONFIG)
        c2.plotly_chart(app.shared(sv.breakdown_bars, detail, "major"), width="stretch", config=ui.PLOTLY_CONFIG)
        c3.plotly_chart(app.shared(sv.breakdown_bars, detail, "occupation"), width="stretch", config=ui.PLOTLY_CONFIG)

    st.subheader("院校定向培训")
    directed = app.run("school_directed", unit=unit)
    if directed.empty:
        st.info("本计划没有院校定向培训任务。")
    else:
        measured = directed[directed["measured"]]
        now = measured.iloc[-1] if not measured.empty else None
        province_now = 0 if now is None else int(now["province_cumulative"])
        school_now = 0 if now is None else int(now["school_cumulative"])
        upcoming = directed[directed["milestone_share"].notna() & ~directed["measured"]]
        target = float(directed["target"].iloc[0])
        k = st.columns(4)
        k[0].metric(
            "全省累计结业",
            ui.fmt_int(province_now),
            border=True,
            delta=f"任务 {ui.fmt_int(target)} 的 {ui.fmt_pct(100 * province_now / target)}",
            delta_arrow="off",
            delta_color="off",
        )
        if now is not None:
            k[1].metric(
                "按里程碑应完成",
                ui.fmt_int(now["expected"]),
                border=True,
                delta=f"差 {ui.fmt_int(max(0, now['expected'] - province_now))}",
                delta_color="off",
                delta_arrow="off",
            )
        if not upcoming.empty:
            nxt = upcoming.iloc[0]
            k[2].metric(
                f"下一里程碑 {ui.fmt_date(nxt['point_date'])}",
                ui.fmt_int(nxt["expected"]),
                border=True,
                delta=f"{nxt['milestone_share']:.0%} · 还需{ui.fmt_int(max(0, nxt['expected'] - province_now))}",
                delta_color="off",
                delta_arrow="off",
            )
        school = unit_label[unit].split("（")[0]
        if (quota.loc[quota["unit_code"] == unit, "group"] == "city_education_bureau").any():
            st.plotly_chart(app.shared(sv.directed_figure, directed), width="stretch", config=ui.PLOTLY_CONFIG)
            st.caption("市教育局不是举办培训的学校：本市学校开展的定向培训计入全省合计，不单列到教育局。")
        else:
            share = 100 * school_now / province_now if province_now else None
            k[3].metric(
                f"{school}贡献",
                ui.fmt_int(school_now),
                border=True,
                delta=f"占全省 {ui.fmt_pct(share)}",
                delta_color="off",
                delta_arrow="off",
                help="结业的院校定向培训中培训机构（school_name）为本单位的人数；任务是全省3万人，不分解到院校。",
            )
            g1, g2 = st.columns([3, 2])
            g1.plotly_chart(app.shared(sv.directed_figure, directed), width="stretch", config=ui.PLOTLY_CONFIG)
            g2.plotly_chart(
                app.shared(sv.directed_school_figure, directed, school), width="stretch", config=ui.PLOTLY_CONFIG
            )
