"""资金测算: the subsidy each completed training and certificate earns under the documents, against the allocation.

Queries: subsidy_summary, subsidy_pace, subsidy_unpaid, subsidy_records, subsidy_rules. Everything else: tracker.subsidy_view.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from tracker import app, audit, export, ui
from tracker import subsidy_view as sv

sel = app.page_header("资金测算", "按文件补贴标准测算应补贴金额，对照003号文第六条拨付额")

# ---------------------------------------------------------------- scope (kept in the URL)

c1, c2 = st.columns([3, 2])
with c1:
    unit = app.url_choice(
        "地区", sv.region_options(), "unit", default=sv.default_unit(sel.plan), format_func=sv.region_label
    )
level = next((r["level"] for r in ui._rows("regions") if r["code"] == unit), "province")
by_options = {"province": ["city", "county", "institution"], "city": ["county", "institution"]}.get(
    level, ["county", "institution"]
)
with c2:
    by = app.url_choice("分组", by_options, "by", format_func=sv.BY_LABELS.get, widget="segmented")

scope = sv.region_label(unit)
summary = app.run("subsidy_summary", by=by, unit=unit)
own = app.run("subsidy_summary", by=level, unit=unit)
own = own[own["unit_code"] == unit]
t = sv.totals(own)

# ---------------------------------------------------------------- headline

cards = st.columns(4)
cards[0].metric(
    "应补贴金额",
    sv.fmt_card(t["entitled"]),
    border=True,
    help="已结业培训和已发证书按当时有效的补贴标准测算的金额（截至所选日期）。",
)
cards[1].metric(
    "拨付额" + ("（示例）" if t["allocation_demo"] else ""),
    sv.allocation_label(t["allocation"], False),
    border=True,
    help="003号文第六条：计划人数的三分之一按300元、其余按1,000元，加取证计划数×标准。"
    + ("计划数为示例分配，拨付额亦为示例。" if t["allocation_demo"] else ""),
)
cards[2].metric(
    "应补贴占拨付额",
    ui.fmt_pct(100 * t["entitled"] / t["allocation"]) if t["allocation"] else "—",
    border=True,
)
cards[3].metric(
    "不能补贴的记录",
    ui.fmt_int(t["unpaid_records"], "条"),
    border=True,
    delta=f"共{t['records']:,}条",
    delta_color="off",
    delta_arrow="off",
)
st.caption(
    f"范围：{scope} · 截至{ui.fmt_date(sel.as_of)} · 应补贴{sv.fmt_yuan(t['entitled'])}，其中培训"
    f"{sv.fmt_wan(t['entitled_training'])}、取证{sv.fmt_wan(t['entitled_certificate'])}；"
    f"部分补贴{t['partial_records']:,}条。人员以脱敏标识显示。"
)
if t["allocation_demo"]:
    st.caption(ui.ALLOCATION_NOTE + " 标“示例”的拨付额由示例计划数算出。")
elif t["allocation"] is None:
    st.caption(sv.NO_ALLOCATION_NOTE)

with st.expander("测算口径与补贴标准（依据文件）", icon=":material/rule:"):
    for i, line in enumerate(sv.ASSUMPTIONS, 1):
        st.markdown(f"{i}. {line}")
    rules = app.shared(sv.rules_frame, app.run("subsidy_rules"))
    st.dataframe(rules, hide_index=True, height=ui.table_height(len(rules), 520))

notes = sv.download_notes(sel.plan, sel.as_of, scope, sel.demo)


def downloads(frame, what: str, key: str) -> None:
    with st.container(horizontal=True):
        audit.xlsx_button(
            partial(export.to_xlsx, frame, what, notes),  # built when clicked
            sv.download_name(what, sel.plan, sel.as_of, "xlsx"),
            what=f"subsidy {what}.xlsx",
            records=len(frame),
            key=f"{key}_xlsx",
        )
        audit.csv_button(
            frame, sv.download_name(what, sel.plan, sel.as_of, "csv"), what=f"subsidy {what}.csv", key=f"{key}_csv"
        )


# only the open tab is built and sent (?tab=… names it in a link); switching tabs reruns the page
tab_units, tab_pace, tab_unpaid, tab_records = st.tabs(
    ["按地区/机构", "支出进度", "不能补贴的记录", "记录明细"], key="tab", on_change="rerun", bind="query-params"
)

# ---------------------------------------------------------------- entitled by line vs allocation

if tab_units.open:
    with tab_units:
        if summary.empty:
            st.info("所选范围内没有已结业培训或证书记录。")
        else:
            st.plotly_chart(app.shared(sv.lines_figure, summary, by), width="stretch")
            frame = app.shared(sv.summary_frame, summary, by)
            shown_units, more = ui.first_rows(frame, "行")
            st.caption(
                "点选一行：机构 → 在“记录明细”中只看该机构的记录；市、县 → 以该地区为范围。"
                if by == "institution"
                else "点选一行，以该地区为范围查看（县、机构和记录）。"
            )
            st.dataframe(
                shown_units,
                hide_index=True,
                height=ui.table_height(len(shown_units), 560),
                key=f"units_table_{unit}_{by}",
                on_select=partial(sv.on_unit_selected, f"units_table_{unit}_{by}", summary["unit_code"].tolist(), by),
                selection_mode="single-row",
                column_config={
                    c: st.column_config.NumberColumn(c, format="localized")
                    for c in frame.columns
                    if c.endswith("(元)") or c in ("记录数", "不能补贴记录")
                }
                | {"应补贴占拨付": st.column_config.NumberColumn("应补贴占拨付", format="%.1f%%")},
            )
            if more:
                st.caption(more)
            downloads(frame, f"应补贴_{sv.BY_LABELS[by]}", "units")

# ---------------------------------------------------------------- pace against time

if tab_pace.open:
    with tab_pace:
        pace = app.run("subsidy_pace", unit=unit)
        if pace.empty:
            st.info("计划期内没有可显示的月份。")
        else:
            st.plotly_chart(app.shared(sv.pace_figure, pace), width="stretch")
            last = pace.iloc[-1]
            if last["allocation"] == last["allocation"] and last["allocation"]:
                st.markdown(
                    f"截至{ui.fmt_date(last['month_end'])}，累计应补贴{sv.fmt_wan(last['cumulative'])}，"
                    f"按时序应支出{sv.fmt_wan(last['expected_amount'])}（时序进度{ui.fmt_pct(last['expected_pct'])}）。"
                    "补贴申领发放最晚于次年3月底完成（003号文第六条）。"
                )
            else:
                st.caption(sv.NO_ALLOCATION_NOTE + "只显示应补贴金额。")

# ---------------------------------------------------------------- what cannot be paid, and why

if tab_unpaid.open:
    with tab_unpaid:
        unpaid = app.run("subsidy_unpaid", unit=unit)
        ranked = app.shared(sv.reasons_ranked, unpaid)
        if unpaid.empty:
            st.success("所选范围内的记录均按标准足额测算。", icon=":material/verified:")
        else:
            if len(ranked):
                st.plotly_chart(app.shared(sv.reasons_figure, ranked), width="stretch")
            frame = app.shared(sv.unpaid_frame, unpaid)
            st.dataframe(
                frame,
                hide_index=True,
                height=ui.table_height(len(frame), 560),
                column_config={
                    c: st.column_config.NumberColumn(c, format="localized")
                    for c in frame.columns
                    if c not in ("原因", "类别")
                },
            )
            downloads(frame, "未足额原因", "unpaid")

# ---------------------------------------------------------------- drill to the records

if tab_records.open:
    with tab_records:
        unpaid = app.run("subsidy_unpaid", unit=unit)
        f1, f2, f3, f4 = st.columns(4)
        status = f1.selectbox(
            "记录", list(sv.STATUS_LABELS), format_func=sv.STATUS_LABELS.get, key="sub_status", index=1
        )
        line_codes = [None, *sv.LINE_COLUMNS]
        line = f2.selectbox(
            "类别",
            line_codes,
            format_func=lambda c: "全部类别" if c is None else sv.LINE_COLUMNS[c],
            key="sub_line",
        )
        reasons = dict(zip(unpaid["reason"], unpaid["reason_label"]))
        reason = f3.selectbox(
            "原因", [None, *reasons], format_func=lambda r: "全部原因" if r is None else reasons[r], key="sub_reason"
        )
        institution = f4.text_input(
            "机构编号", key="sub_institution", placeholder="全部机构（可粘贴“按机构”表中的编号）"
        )
        line = line.removeprefix("entitled_") if line else None
        page_size = 200
        filters = dict(unit=unit, line=line, reason=reason, status=status, institution=institution.strip() or None)
        first = app.run("subsidy_records", **filters, limit=page_size, offset=0)
        total = int(first["total_rows"].iloc[0]) if len(first) else 0
        pages = max(1, -(-total // page_size))
        page_no = st.number_input(f"页码（共{pages:,}页，{total:,}条）", 1, pages, 1, key="sub_page")
        records = (
            first
            if page_no == 1
            else app.run("subsidy_records", **filters, limit=page_size, offset=(page_no - 1) * page_size)
        )
        shown = app.shared(sv.records_frame, records)
        st.dataframe(
            shown,
            hide_index=True,
            height=ui.table_height(len(shown), 560),
            column_config={
                "日期": st.column_config.DateColumn("日期", format="YYYY-MM-DD"),
                "按标准(元)": st.column_config.NumberColumn("按标准(元)", format="localized"),
                "应补贴(元)": st.column_config.NumberColumn("应补贴(元)", format="localized"),
                "班级就业率": st.column_config.NumberColumn("班级就业率", format="%.1f%%"),
                "线上转线下比例": st.column_config.NumberColumn("线上转线下比例", format="%.1f%%"),
            },
        )
        if total:
            cap = 50_000
            if st.toggle(f"准备下载（最多{cap:,}条，人员已脱敏）", key="sub_dl"):
                everything = app.run("subsidy_records", **filters, limit=cap, offset=0)
                downloads(sv.records_frame(everything), "记录明细", "records")
