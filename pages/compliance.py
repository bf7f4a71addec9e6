"""合规核查: records that break the subsidy rules of seeds 001–003, by county and institution, with masked persons.

The rules are the named queries queries/compliance_*.sql (tracker.compliance names them and sums them up).
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import streamlit as st

from tracker import app, audit, compliance, export, timeliness, ui
from tracker import compliance_view as cv

sel = app.page_header("合规核查", "补贴性培训与取证补贴的核查规则（001 · 002 · 003）")

# ---------------------------------------------------------------- scope (kept in the URL)

years = [int(y) for y in app.run("compliance_years")["year"]]
regions = ui._rows("regions")
region_codes = ["all"] + [r["code"] for r in regions if r["level"] in ("city", "county")]
names = {r["code"]: r["name"] for r in regions}
parent = {r["code"]: r["parent_code"] for r in regions}


def _region_label(code: str) -> str:
    if code == "all":
        return "全省"
    if parent.get(code) and parent[code] != "140000":
        return f"　{names.get(parent[code], '')} · {names.get(code, code)}"
    return names.get(code, code)


c1, c2, c3 = st.columns([2, 3, 2])
with c1:
    year = app.url_choice(
        "年度",
        ["all", *years],
        "year",
        default=sel.as_of.year if sel.as_of.year in years else "all",
        format_func=lambda y: "全部年度" if y == "all" else f"{y}年",
    )
with c2:
    county = app.url_choice("地区", region_codes, "county", format_func=_region_label)
with c3:
    max_days = st.number_input(
        "逾期录入天数（不录不补）",
        min_value=1,
        max_value=730,
        value=compliance.DEFAULT_MAX_DAYS,
        step=30,
        key="max_days",
        help="结业日期到录入日期超过这个天数的记录列为逾期录入。",
    )

params = {
    # the checks as of the date in the caption (截至…): a finding counts once its records exist by that date
    "as_of": sel.as_of,
    "year": None if year == "all" else int(year),
    "county": None if county == "all" else county,
    "max_days": int(max_days),
}
declared = {name: {p.name for p in q.params} for name, q in app.runner().queries.items()}
# counts per check, county and institution summed up in SQL; each check's records are read one page at a time
summary = app.run(compliance.SUMMARY_QUERY, **params)
view = app.shared(cv.summary_view, summary)  # cards, chart and tables: built once for everyone
totals = view["totals"]

scope = (
    f"{'全部年度' if year == 'all' else f'{year}年'} · {_region_label(county).strip()} · 截至{ui.fmt_date(sel.as_of)}"
)
st.caption(f"核查范围：{scope}。人员以脱敏标识显示（如 P1a2b****9f0e），不显示身份证号。")

# ---------------------------------------------------------------- one card per check

cards = st.columns(len(compliance.CHECKS))
for col, (cid, check) in zip(cards, compliance.CHECKS.items()):
    t = totals[cid]
    col.metric(
        check.short,
        ui.fmt_int(t["records"], check.unit[0]),
        border=True,
        help=f"{check.label}（依据{check.seed}）：{check.rule}",
        delta=f"涉及{ui.fmt_int(t['persons'])}",
        delta_color="off",
        delta_arrow="off",
    )

# ---------------------------------------------------------------- where: counties with most findings

if view["figure"] is not None:
    st.plotly_chart(view["figure"], width="stretch", config=ui.PLOTLY_CONFIG)
else:
    st.success("核查范围内没有发现问题记录。", icon=":material/verified:")

# ---------------------------------------------------------------- each check in detail


COUNT_CONFIG = {
    "记录数": st.column_config.NumberColumn(format="localized"),
    "人数": st.column_config.NumberColumn(format="localized"),
}
DATE_CONFIG = {
    h: st.column_config.DateColumn(h, format="YYYY-MM-DD")
    for h in ("开班日期", "结业日期", "录入日期", "发证日期", "首张发证日期")
}

# only the open tab is built and sent (switching tabs reruns the page, which finds the rest shared)
tabs = st.tabs(
    [f"{c.label}（{totals[cid]['records']:,}）" for cid, c in compliance.CHECKS.items()],
    key="check_tab",
    on_change="rerun",
)
for tab, (cid, check) in zip(tabs, compliance.CHECKS.items()):
    if not tab.open:
        continue
    with tab:
        st.markdown(f"**规则**：{check.rule}")
        records = totals[cid]["records"]
        if records == 0:
            st.success("没有发现此类问题。", icon=":material/verified:")
            continue
        a, b = st.columns(2)
        a.markdown("**按县(市、区)**")
        counties = view["tables"][cid]["counties"]
        a.dataframe(counties, hide_index=True, column_config=COUNT_CONFIG, height=ui.table_height(len(counties), 320))
        b.markdown("**按机构**（培训机构；取证核查为评价机构）")
        every_inst = view["tables"][cid]["institutions"]
        inst, more = ui.first_rows(every_inst, "个机构")
        b.dataframe(inst, hide_index=True, column_config=COUNT_CONFIG, height=ui.table_height(len(inst), 320))
        if more:
            b.caption(more)
            with b:
                audit.csv_button(
                    every_inst,
                    f"合规核查_{check.label}_按机构_{sel.as_of:%Y%m%d}.csv",
                    what=f"compliance {cid} by institution.csv",
                    key=f"dl_inst_{cid}",
                    label="下载按机构汇总（CSV）",
                )
        check_params = compliance.params_for(declared[check.query], **params)
        pages = -(-records // compliance.PAGE_ROWS)
        page = 1
        if pages > 1:
            page = int(st.number_input(f"页码（共{pages:,}页）", 1, pages, 1, key=f"page_{cid}"))
        shown = app.shared(cv.records_frame, app.run(check.query, **check_params, **compliance.page_params(page)))
        st.markdown(f"**记录**（{records:,} {check.unit}，涉及 {totals[cid]['persons']:,} 人）")
        st.dataframe(shown, hide_index=True, column_config=DATE_CONFIG, height=ui.table_height(len(shown), 420))
        if pages > 1:
            st.caption(f"表中为第{page:,}页（每页{compliance.PAGE_ROWS:,}条，共{records:,}条）；下载可得全部记录。")
        stem = f"合规核查_{check.label}_{sel.as_of:%Y%m%d}"
        every_record = functools.partial(compliance.shown_records, app.run, check.query, check_params)
        with st.container(horizontal=True):
            audit.xlsx_button(
                lambda every_record=every_record, check=check, cid=cid, records=records: export.to_xlsx(
                    every_record(),
                    check.label,
                    [f"规则：{check.rule}", "人员以脱敏标识显示，不含身份证号。"]
                    + ([ui.DEMO_NOTE] if sel.demo else []),
                    title=f"{ui.plan_info(sel.plan)['name']} · 合规核查：{check.label}",
                    basis=ui.plan_info(sel.plan)["document"],
                    as_of=sel.as_of,
                    plan=sel.plan,
                    units=f"共{records:,}{check.unit}，涉及{totals[cid]['persons']:,}人",
                ),
                f"{stem}.xlsx",
                what=f"compliance {cid}.xlsx",
                records=records,
                key=f"dlx_{cid}",
                label="下载记录（Excel，人员已脱敏）",
            )
            audit.csv_button(
                every_record,
                f"{stem}.csv",
                what=f"compliance {cid}.csv",
                records=records,
                key=f"dl_{cid}",
                label="下载记录（CSV，人员已脱敏）",
            )

# ---------------------------------------------------------------- 录入及时率 (timeliness league)

st.subheader("录入及时率（不录不补）")
days = timeliness.window_days()
st.caption(
    f"结业后{days}天内录入系统的记录占已满{days}天的结业记录之比（设置项 [timeliness] days）；录入间隔为录入日期−结业日期"
    f"（负数为结业前已录入）；超期录入为结业{timeliness.limit_days()}天后才录入的记录（与上面的逾期录入核查同一口径）。"
)
league_year = None if year == "all" else int(year)
league_unit = None if county == "all" else county
left, right = st.columns(2)
for column, by, title in ((left, "county", "按县(市、区)"), (right, "institution", "按培训机构（结业10条以上）")):
    # app.run shows a query problem on the page instead of a traceback
    league = timeliness.league(
        SimpleNamespace(run=app.run), sel.as_of, by, year=league_year, unit=league_unit, min_completed=10
    )
    column.markdown(f"**{title}**（{len(league):,}个，按录入及时率排名）")
    every_row = app.shared(cv.league_frame, league)
    shown_league, more = ui.first_rows(every_row, "个")
    column.dataframe(
        shown_league,
        hide_index=True,
        height=ui.table_height(len(shown_league), 420),
        column_config={"录入及时率": st.column_config.NumberColumn(format="%.1f%%")},
    )
    if more:
        column.caption(more)
        with column:
            audit.csv_button(
                every_row,
                f"录入及时率_{title}_{sel.as_of:%Y%m%d}.csv",
                what=f"timeliness {by}.csv",
                key=f"dl_timeliness_{by}",
                label="下载录入及时率（CSV）",
            )
