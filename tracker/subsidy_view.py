"""资金测算 (issue #15): what the 资金测算 page needs beyond its query calls — labels, money formats, tables,
figures, the stated assumptions, and ``subsidy_totals`` for the 通报.

The rules and amounts live only in data/reference/subsidy_rules.csv and queries/models/60_subsidy.sql; this module
never prices anything. Person keys are masked (tracker.pii) in every table and download it produces.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from tracker import charts, pii, settings, ui
from tracker.contract import CERT_TYPES, SKILL_LEVELS, TRAINING_TYPES

BY_LABELS = {"city": "按市", "county": "按县(市、区)", "institution": "按机构"}
STATUS_LABELS = {
    "all": "全部记录",
    "short": "未足额（部分或不能补贴）",
    "unpaid": "不能补贴",
    "partial": "部分补贴",
    "paid": "足额补贴",
}
# entitled_<line> columns of subsidy_summary, in display order
LINE_COLUMNS = {
    "entitled_enterprise_staff": "企业职工培训",
    "entitled_apprenticeship": "企业新型学徒制",
    "entitled_order_project": "订单式项目制培训",
    "entitled_key_group": "就业重点群体培训",
    "entitled_online": "线上培训",
    "entitled_caregiver_brand": "劳务品牌(吕梁山护工)",
    "entitled_entrepreneurship": "创业培训",
    "entitled_school_directed": "院校定向培训",
    "entitled_certificate": "取证补贴",
}
LINE_COLORS = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"]

# Derivations where the extract lacks a field (README "资金测算"); shown on the page and in every download.
ASSUMPTIONS = [
    "培训天数 = 课时 ÷ 8 向上取整（000号文：10天 = 80个课时）。",
    "订单式、项目制培训按“班”判断就业率：同一培训机构、同一职业(工种)、同一开班日期为一个班；"
    "班内全部结业学员就业结果到期（结业后90天）后才判断，到期未录入就业的按未就业计（不录不补）。",
    "线上培训的“线上转线下比例”按平台（培训机构编号）和结业年度计算：当年取得培训合格的线上学员中，"
    "线上结业后又参加线下培训（开班日期不早于线上结业日期）的人数占比；企业职工不考虑此比例。",
    "企业新型学徒制按培训跨度年数计：(结业日期 − 开班日期 + 1) ÷ 365 向上取整，每年5,000元。",
    "每人上限（订单式5,000元、柳林县就业重点群体1,000元）按自然年、按结业日期先后累计。",
    "取证补贴：初级工、中级工须为本人首张技能类证书（中级工即“初次取证直接取中级”），高级工须为本人首张高级工及以上证书，"
    "特种作业/特种设备须为本人首张此类证书；“企业职工缴纳失业保险享受技能提升补贴”的情形提取数据中没有，未扣除。",
    "2018—2022年按000号文：企业职工培训按小微企业岗前培训标准测算（提取数据不区分企业规模和岗前/在岗）；"
    "按天补贴先付80%须“取得相应证书”，以培训合格或有证书指向该培训为准。",
    "拨付额按003号文第六条：计划人数的三分之一（向上取整）按企业职工培训标准300元、其余按1,000元，"
    "另加取证计划数 × 标准（计划不分等级：新增技能人才按初级工400元、新增高技能人才按高级工800元测算）。",
    "截至日期晚于数据中最新业务日期（最后结业或发证日期）时，按最新业务日期测算，不把提取数据之后才到期的就业结果算作未就业。",
    "文件未给出标准的培训和证书（创业培训、劳务品牌、院校定向、柳林县以外的就业重点群体培训、专项职业能力证书、"
    "培训合格证书、技师及以上等）列为“无适用补贴标准”，不计金额；线上平台“每课时数字资源补贴达上限后免费”无法从提取数据判断，未计。",
]


# ---------------------------------------------------------------- formats (zh-CN)


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_yuan(value: Any) -> str:
    """1234567.8 → '1,234,568元'."""
    if _missing(value):
        return "—"
    return f"{round(float(value)):,}元"


def fmt_wan(value: Any, digits: int = 2) -> str:
    """217353724 → '21,735.37万元'."""
    if _missing(value):
        return "—"
    return f"{float(value) / 10000:,.{digits}f}万元"


def fmt_card(value: Any) -> str:
    """A card's amount: whole 万元 from 1亿 up (so it fits), else two decimals: '21,031万元', '131.25万元'."""
    if _missing(value):
        return "—"
    return fmt_wan(value, 0 if abs(float(value)) >= 1e8 else 2)


def allocation_label(value: Any, demo: bool) -> str:
    """An allocation in 万元, marked 示例 when computed from an illustrative target."""
    if _missing(value):
        return "—"
    return fmt_card(value) + ("（示例）" if demo else "")


NO_ALLOCATION_NOTE = (
    "没有拨付额可对照：003号文第六条的拨付公式自2023年起适用，且要计划列出该地区的培训人数"
    "（“按地区”表中无拨付额的地区同此）。"
)


def in_bulletin() -> bool:
    """``[subsidy] in_bulletin``: whether the 通报 carries the subsidy totals (default false)."""
    return bool(settings.get("subsidy", "in_bulletin", False))


# ---------------------------------------------------------------- scope


def default_unit(plan: str) -> str:
    """The plan's top unit: the province when it has a target there, else its first county or city."""
    rows = [t for t in ui._rows("targets") if t["plan_id"] == plan and t["unit_type"] in ui.UNIT_ORDER]
    regions = [t for t in rows if t["unit_type"] != "school"]
    if not regions:
        return "140000"
    return min(regions, key=lambda t: (ui.UNIT_ORDER[t["unit_type"]], t["unit_code"]))["unit_code"]


def region_label(code: str | None) -> str:
    if not code or code == "140000":
        return "全省"
    rows = {r["code"]: r for r in ui._rows("regions")}
    row = rows.get(code)
    if row is None:
        return code
    parent = rows.get(row["parent_code"])
    if row["level"] == "county" and parent is not None:
        return f"{parent['name']}·{row['name']}"
    return row["name"]


def region_options() -> list[str]:
    """全省, each city, then each county beneath its city."""
    rows = ui._rows("regions")
    out = ["140000"]
    for city in (r for r in rows if r["level"] == "city"):
        out.append(city["code"])
        out.extend(r["code"] for r in rows if r["level"] == "county" and r["parent_code"] == city["code"])
    return out


def on_unit_selected(key: str, codes: list[str], by: str) -> None:
    """Row picked in the units table: an institution filters the records; a city or county becomes the scope."""
    import streamlit as st

    rows = st.session_state[key].selection.rows
    if not rows:
        return
    code = codes[rows[0]]
    if by == "institution":
        st.session_state["sub_institution"] = code
    else:
        st.session_state["unit"] = code
        st.session_state.pop("by", None)


# ---------------------------------------------------------------- totals (page cards, 通报)


def totals(summary: pd.DataFrame) -> dict[str, Any]:
    """Sums of a subsidy_summary result (any ``by``); allocation only when every row has one."""
    alloc = summary["allocation"]
    has_alloc = len(summary) > 0 and alloc.notna().all()
    return {
        "records": int(summary["records"].sum()),
        "paid_records": int(summary["paid_records"].sum()),
        "partial_records": int(summary["partial_records"].sum()),
        "unpaid_records": int(summary["unpaid_records"].sum()),
        "standard_amount": float(summary["standard_amount"].sum()),
        "entitled": float(summary["entitled"].sum()),
        "entitled_training": float(summary["entitled_training"].sum()),
        "entitled_certificate": float(summary["entitled_certificate"].sum()),
        "allocation": float(alloc.sum()) if has_alloc else None,
        "allocation_demo": bool(summary["allocation_demo"].any()),
    }


def subsidy_totals(runner: Any, plan: str, as_of: dt.date, unit: str | None = None) -> dict[str, Any]:
    """The 通报's subsidy figures for a plan, as of a date, in a region unit (default: the plan's top unit).

    Returns the totals of :func:`totals` plus ``unit``, ``unit_name`` and ``text`` (one zh-CN sentence). The
    通报 owner calls this when :func:`in_bulletin` is true. ``runner`` is a tracker.query.Runner.
    """
    unit = unit or default_unit(plan)
    level = next((r["level"] for r in ui._rows("regions") if r["code"] == unit), "province")
    summary = runner.run("subsidy_summary", plan=plan, as_of=as_of, by=level, unit=unit)
    summary = summary[summary["unit_code"] == unit]
    out = totals(summary)
    out.update(unit=unit, unit_name=region_label(unit))
    text = (
        f"截至{ui.fmt_date(as_of)}，{out['unit_name']}按文件标准测算应补贴{fmt_wan(out['entitled'])}"
        f"（培训{fmt_wan(out['entitled_training'])}、取证{fmt_wan(out['entitled_certificate'])}）"
    )
    if out["allocation"]:
        text += (
            f"，为拨付额{allocation_label(out['allocation'], out['allocation_demo'])}的"
            f"{ui.fmt_pct(100 * out['entitled'] / out['allocation'])}"
        )
    text += f"；{out['unpaid_records']:,}条记录不能补贴。"
    out["text"] = text
    return out


# ---------------------------------------------------------------- tables


def summary_frame(summary: pd.DataFrame, by: str) -> pd.DataFrame:
    """Units with entitled amounts by line (元), allocation and use, Chinese headers; zero lines dropped."""
    unit_header = {"city": "市", "county": "县(市、区)", "institution": "机构"}.get(by, "单位")
    out = pd.DataFrame({unit_header: summary["unit_name"].to_numpy()})
    if by == "institution":
        out.insert(1, "机构编号", summary["unit_code"].to_numpy())
    if by == "county":
        out.insert(0, "市", summary["city_name"].to_numpy())
    out["记录数"] = summary["records"].to_numpy()
    out["不能补贴记录"] = summary["unpaid_records"].to_numpy()
    out["应补贴(元)"] = summary["entitled"].astype(float).round(2).to_numpy()
    for col, label in LINE_COLUMNS.items():
        if summary[col].astype(float).abs().sum() > 0:
            out[f"{label}(元)"] = summary[col].astype(float).round(2).to_numpy()
    if by != "institution":
        out["拨付额(元)"] = summary["allocation"].astype(float).to_numpy()
        out["拨付依据"] = [
            "—" if _missing(a) else ("示例" if d else "003号文第六条")
            for a, d in zip(summary["allocation"], summary["allocation_demo"])
        ]
        out["应补贴占拨付"] = summary["used_pct"].astype(float).round(1).to_numpy()
    return out


def unpaid_frame(unpaid: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "原因": unpaid["reason_label"].to_numpy(),
            "类别": unpaid["line_label"].to_numpy(),
            "记录数": unpaid["records"].to_numpy(),
            "其中不能补贴": unpaid["unpaid_records"].to_numpy(),
            "人数": unpaid["persons"].to_numpy(),
            "按标准(元)": unpaid["standard_amount"].astype(float).to_numpy(),
            "可补贴(元)": unpaid["entitled"].astype(float).to_numpy(),
            "少补(元)": unpaid["shortfall"].astype(float).to_numpy(),
        }
    )


def reasons_ranked(unpaid: pd.DataFrame) -> pd.DataFrame:
    """Records that earn nothing, by reason (all lines together), most first."""
    if unpaid.empty:
        return pd.DataFrame(columns=["reason", "reason_label", "unpaid_records", "shortfall"])
    return (
        unpaid.groupby(["reason", "reason_label"], as_index=False)
        .agg(unpaid_records=("unpaid_records", "sum"), shortfall=("shortfall", "sum"))
        .query("unpaid_records > 0")
        .sort_values(["unpaid_records", "reason"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )


def _type_label(kind: str, code: str) -> str:
    return (CERT_TYPES if kind == "certificate" else TRAINING_TYPES).get(code, code)


def records_frame(records: pd.DataFrame) -> pd.DataFrame:
    """Priced records as shown and downloaded: person keys masked, labels and Chinese headers."""
    if records.empty:
        return pd.DataFrame(columns=["记录编号", "人员（脱敏）", "地区", "机构", "类别", "应补贴(元)", "原因"])
    level = records["skill_level"].map(lambda v: "—" if _missing(v) else SKILL_LEVELS.get(int(v), str(v)))
    return pd.DataFrame(
        {
            "记录编号": records["record_id"].to_numpy(),
            "人员（脱敏）": records["person_id"].map(pii.mask_person).to_numpy(),
            "地区": [f"{c}·{n}" for c, n in zip(records["city_name"].fillna(""), records["county_name"].fillna(""))],
            "机构": [
                code if _missing(name) else f"{name}（{code}）"
                for name, code in zip(records["institution_name"], records["institution_id"])
            ],
            "类别": records["line_label"].to_numpy(),
            "类型": [_type_label(k, c) for k, c in zip(records["record_kind"], records["type_code"])],
            "等级": level.to_numpy(),
            "职业(工种)": records["occupation"].to_numpy(),
            "日期": pd.to_datetime(records["event_date"]).dt.date.to_numpy(),
            "课时": records["hours"].astype("Int64").to_numpy(),
            "天数": records["days"].astype("Int64").to_numpy(),
            "标准": records["rule_label"].fillna("—").to_numpy(),
            "依据": records["source"].fillna("—").to_numpy(),
            "按标准(元)": records["standard_amount"].astype(float).to_numpy(),
            "应补贴(元)": records["amount"].astype(float).to_numpy(),
            "原因": records["reason_label"].fillna("足额").to_numpy(),
            "班级就业率": (100 * records["class_rate"].astype(float)).round(1).to_numpy(),
            "线上转线下比例": (100 * records["offline_share"].astype(float)).round(1).to_numpy(),
        }
    )


def rules_frame(rules: pd.DataFrame) -> pd.DataFrame:
    """The standards in force in the plan's window, as the page lists them."""

    def amount(row: pd.Series) -> str:
        if row["kind"] == "online_tier":
            return f"比例≥{100 * row['min_offline_share']:.0f}% → {100 * row['factor']:.0f}%"
        text = f"{row['amount']:,.0f}{row['unit'] or ''}"
        if not _missing(row["amount_after"]):
            text += f"（前{int(row['first_days'])}天；之后{row['amount_after']:,.0f}元/人/天）"
        if not _missing(row["cap"]):
            text += f"，上限{row['cap']:,.0f}元"
        return text

    return pd.DataFrame(
        {
            "标准": rules["label"].to_numpy(),
            "金额": [amount(r) for _, r in rules.iterrows()],
            "条件": rules["condition"].to_numpy(),
            "适用地区": rules["scope_name"].to_numpy(),
            "有效期": [
                f"{ui.fmt_date(a)}—{ui.fmt_date(b) if not _missing(b) else '长期'}"
                for a, b in zip(rules["valid_from"], rules["valid_to"])
            ],
            "依据": rules["source"].to_numpy(),
        }
    )


def download_notes(plan: str, as_of: dt.date, scope: str, demo: bool) -> list[str]:
    info = ui.plan_info(plan)
    notes = [f"{info['name']}（{info['document']}）· {scope} · 截至{ui.fmt_date(as_of)}", "测算口径："]
    notes += [f"{i}. {a}" for i, a in enumerate(ASSUMPTIONS, 1)]
    if demo:
        notes.append(ui.DEMO_NOTE)
    return notes


def download_name(what: str, plan: str, as_of: dt.date, ext: str) -> str:
    return f"资金测算_{what}_{plan}_{as_of:%Y%m%d}.{ext}"


# ---------------------------------------------------------------- figures


def lines_figure(summary: pd.DataFrame, by: str, top: int = 20) -> go.Figure:
    """Entitled amount per unit stacked by line (万元), with the allocation as a marker (示例 in its name)."""
    df = summary.sort_values("entitled", ascending=False, kind="stable").head(top)
    if by != "institution":
        df = df.sort_values("unit_code", kind="stable")
    names = df["unit_name"].tolist()
    fig = go.Figure()
    for (col, label), color in zip(LINE_COLUMNS.items(), LINE_COLORS):
        values = df[col].astype(float) / 10000
        if values.abs().sum() > 0:
            fig.add_bar(x=names, y=values, name=label, marker_color=color)
    if by != "institution" and df["allocation"].notna().any():
        demo = bool(df["allocation_demo"].any())
        fig.add_scatter(
            x=names,
            y=df["allocation"].astype(float) / 10000,
            mode="markers",
            name="拨付额（示例）" if demo else "拨付额",
            marker=dict(symbol="line-ew-open", size=28, color="#333", line=dict(width=3, color="#333")),
        )
    title = "应补贴金额（按类别）与拨付额" if by != "institution" else f"应补贴金额最多的机构（前{len(df)}个）"
    fig.update_layout(
        barmode="stack",
        height=420,
        font=charts.FONT,
        title=dict(text=title, x=0, xanchor="left"),
        margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0),
        plot_bgcolor="white",
    )
    fig.update_yaxes(title="万元", gridcolor="#eee", tickformat=",.0f")
    return fig


def pace_figure(pace: pd.DataFrame) -> go.Figure:
    """Cumulative entitled amount by month against the allocation spread over the plan's time (万元)."""
    x = pd.to_datetime(pace["month_end"])
    fig = go.Figure()
    fig.add_bar(x=x, y=pace["entitled"].astype(float) / 10000, name="当月应补贴", marker_color="#c5d3f0")
    fig.add_scatter(
        x=x, y=pace["cumulative"].astype(float) / 10000, name="累计应补贴", mode="lines+markers", line_color="#5470c6"
    )
    if pace["allocation"].notna().any():
        demo = bool(pace["allocation_demo"].any())
        fig.add_scatter(
            x=x,
            y=pace["expected_amount"].astype(float) / 10000,
            name="按时序应支出（拨付额×时序进度" + ("，示例）" if demo else "）"),
            mode="lines",
            line=dict(dash="dash", color="#ee6666"),
        )
    fig.update_layout(
        height=380,
        font=charts.FONT,
        title=dict(text="资金支出进度（按月）", x=0, xanchor="left"),
        margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.14, xanchor="left", x=0),
        hovermode="x unified",
        plot_bgcolor="white",
    )
    fig.update_xaxes(tickformat="%Y年%-m月", gridcolor="#eee")
    fig.update_yaxes(title="万元", gridcolor="#eee", tickformat=",.0f")
    return fig


def reasons_figure(ranked: pd.DataFrame, top: int = 10) -> go.Figure:
    df = ranked.head(top)
    fig = go.Figure(
        go.Bar(
            y=df["reason_label"],
            x=df["unpaid_records"],
            orientation="h",
            marker_color="#ee6666",
            text=[f"{v:,}" for v in df["unpaid_records"]],
            textposition="auto",
        )
    )
    fig.update_layout(
        height=max(240, 60 + 34 * len(df)),
        font=charts.FONT,
        title=dict(text="不能补贴的记录：原因", x=0, xanchor="left"),
        margin=dict(l=10, r=10, t=50, b=10),
        plot_bgcolor="white",
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title="记录数", gridcolor="#eee", tickformat=",.0f")
    return fig
