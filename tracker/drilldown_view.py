"""Presentation helpers for the 区域分析 page (pages/drilldown.py): labels, navigation state, table frames, texts,
figures.

No SQL and no metric rules here: every figure comes from the named queries drill_*.sql, progress, forecast,
causes_*.sql and institution_watchlist.sql; this module only renames, words and draws. Streamlit is not imported:
the page passes ``st.column_config`` in. Where the reader is (unit, level, institution; URL and session state):
tracker/drilldown_state.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from tracker import export, ui
from tracker.contract import PERSON_CATEGORIES, TRAINING_TYPES

LEVEL_LABELS = {"city": "市", "county": "县(市、区)", "institution": "培训机构", "occupation": "职业(工种)"}
DIMENSIONS = ["training_type", "person_category", "institution"]
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
# the watch list applies only the rules of the plan's own document (CONTRACT §4; institution_watchlist.sql)
WATCH_RULES = {
    "000": "合格率低于80%或就业率低于30%将被取消下年度补贴性培训资格（晋政发〔2017〕61号）",
    "002": "订单式项目制就业率低于80%不予补贴（柳政办发〔2023〕19号、晋人社厅函〔2023〕786号）",
    "003": "订单式项目制就业率低于80%不予补贴（晋人社厅函〔2023〕786号）",
}
NO_WATCH_RULE = "本计划所依据的文件对培训机构没有合格率、就业率要求"
MAP_COLOURS = {"gap": "进度差", "pct": "完成率"}
# map colouring → (column, colour-bar label, geo.choropleth scale)
MAP_SCALES = {
    "gap": ("gap", "进度差(百分点)", "gap"),
    "pct": ("pct", "完成率(%)", "pct"),
    "actual": ("actual", "完成人数", "count"),
}
MAP_HOVER = ["完成", "完成率", "进度差", "状态"]
NONE_GROUP = "（无对应培训记录）"
FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=13)


# ---------------------------------------------------------------- labels


def seed_documents() -> dict[str, str]:
    return {p["seed"]: p["document"] for p in ui.plans()}


def group_label(dimension: str, key: Any, name: Any = None) -> str:
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


def watch_rule(seed: str) -> str:
    return WATCH_RULES.get(seed, NO_WATCH_RULE)


def pct_col(cc: Any, label: str, help: str | None = None, width: str = "small") -> Any:
    """A 0–100 % progress column (``cc`` is st.column_config)."""
    return cc.ProgressColumn(label, format="%.1f%%", min_value=0.0, max_value=100.0, help=help, width=width)


def num_col(cc: Any, label: str, help: str | None = None, fmt: str = "localized", width: str = "small") -> Any:
    return cc.NumberColumn(label, format=fmt, help=help, width=width)


def to_xlsx(frame: pd.DataFrame, name: str, notes: list[str], plan: str, as_of: dt.date) -> bytes:
    """A table of this page through the one export template."""
    info = ui.plan_info(plan)
    return export.to_xlsx(
        frame,
        name.split("_")[0],
        notes,
        title=f"{info['name']} · {name.replace('_', ' · ')}",
        basis=info["document"],
        as_of=as_of,
        plan=plan,
    )


# ---------------------------------------------------------------- the unit's own standing


def cards(own: pd.Series, fc: pd.Series | None, metric_unit: str) -> list[dict[str, Any]]:
    """st.metric arguments of the unit's cards (任务, 完成, 时序进度, 低于时序进度, 每个双周需完成)."""
    if pd.isna(own.target):
        return [dict(label="任务", value="本级无任务"), dict(label="完成", value=ui.fmt_wan(own.actual, metric_unit))]
    quiet = dict(delta_color="off", delta_arrow="off")
    found = [
        dict(label="任务", value=ui.fmt_wan(own.target, metric_unit), help=f"依据：{ui.source_label(own.source)}"),
        dict(label="完成", value=ui.fmt_wan(own.actual, metric_unit), delta=f"完成率 {ui.fmt_pct(own.pct)}", **quiet),
        dict(
            label="时序进度",
            value=ui.fmt_pct(own.expected_pct),
            delta=f"{ui.fmt_pts(own.pct - own.expected_pct)} {ui.status_text(own.status)}",
            delta_color="normal" if own.pct >= own.expected_pct else "inverse",
            delta_arrow="off",
        ),
        dict(
            label="低于时序进度",
            value=ui.fmt_wan(own.shortfall, metric_unit),
            help="缺口 = 任务 × 时序进度 − 完成（不低于0）",
        ),
    ]
    if fc is not None:
        found.append(
            dict(
                label="每个双周需完成",
                value=ui.fmt_wan(fc.needed_per_period, metric_unit),
                delta=f"近期每期 {ui.fmt_wan(fc.pace, metric_unit)}",
                help=f"剩余 {int(fc.remaining_periods)} 个双周；近期 = 最近{int(fc.pace_periods)}个完整双周的平均增量",
                **quiet,
            )
        )
    return found


def no_target_caption(target_levels: Iterable[str]) -> str:
    levels = "、".join(ui.LEVEL_LABELS.get(t, t) for t in target_levels) or "（无区域任务）"
    return f"该指标的任务下达到：{levels}。本级及无任务的下级按完成人数排序。"


# ---------------------------------------------------------------- ranked children


def children_table(children: pd.DataFrame, child_label: str, cc: Any) -> dict[str, Any]:
    """Cities or counties of a unit ranked by gap: table, codes per row, shown columns, heading, column config."""
    with_target = children["target"].notna()
    table = pd.DataFrame(
        {
            "序号": children["rank"],
            child_label: [
                f"{ui.STATUS_ICONS.get(s, '')} {name}".strip()
                for s, name in zip(children["status"], children["unit_name"])
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
    return dict(
        table=table,
        codes=list(children["unit_code"]),
        shown=(
            [child_label, "任务", "完成", "完成率", "差距(百分点)", "缺口(人)", "占缺口比重"]
            if with_target.any()
            else [child_label, "完成", "占本级完成"]
        ),
        heading=f"**下级{child_label}排名**（"
        + ("按差距排序，最落后在前" if with_target.any() else "本层级无任务，按完成人数排序")
        + "）",
        config={
            "序号": num_col(cc, "序号"),
            "任务": num_col(cc, "任务"),
            "完成": num_col(cc, "完成"),
            "完成率": pct_col(cc, "完成率"),
            "时序进度": pct_col(cc, "时序进度"),
            "差距(百分点)": num_col(cc, "差距(百分点)", "完成率 − 时序进度", "%+.1f"),
            "缺口(人)": num_col(cc, "缺口(人)", "max(0, 任务 × 时序进度 − 完成)", "%,.0f"),
            "占缺口比重": num_col(cc, "占缺口比重", "本单位缺口 ÷ 各下级缺口之和（合计100%）", "%.1f%%"),
            "占本级完成": num_col(cc, "占本级完成", "本单位完成 ÷ 上级完成", "%.1f%%"),
        },
    )


def groups_table(detail: pd.DataFrame, level: str, child_label: str, scope_name: str, cc: Any) -> dict[str, Any]:
    """Institutions or occupations of a unit (no targets at this level): ranked by completions."""
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
    return dict(
        table=table,
        codes=list(detail["group_key"]) if not prev else list(detail.loc[table.index, "group_key"]),
        shown=[c for c in table.columns if c != "序号"],
        heading=f"**{scope_name} · 按{child_label}**（本层级无任务目标：按完成人数排序，显示占{scope_name}完成的比重及各自的合格率、就业率）",
        config={
            "序号": num_col(cc, "序号"),
            "完成": num_col(cc, "完成"),
            "结业人数": num_col(cc, "结业人数"),
            "占本级比重": num_col(cc, "占本级比重", f"占{scope_name}完成人数的比重", "%.1f%%"),
            "上年同期": num_col(cc, "上年同期"),
            "同比增减": num_col(cc, "同比增减", fmt="%+d"),
            "合格率": num_col(cc, "合格率", "结业学员中培训合格者占比（文件要求 ≥80%）", "%.1f%%"),
            "就业率(到期)": num_col(cc, "就业率(到期)", "结业满90天者中已就业占比（到期未录入按未就业计）", "%.1f%%"),
            "待核实(人)": num_col(cc, "待核实(人)", "结业未满90天、就业结果尚未到期的人数"),
        },
    )


# ---------------------------------------------------------------- the map


def map_focus(units: pd.DataFrame, unit: str, unit_type: str) -> list[str] | None:
    """Counties the map is fitted to: the unit's city for a county, the city's counties, all Shanxi (None)."""
    if unit_type == "county":
        return [c for c, row in units.iterrows() if row["city_code"] == units.loc[unit, "city_code"]]
    if unit_type == "city":
        return [
            c
            for c, row in units.iterrows()
            if row["unit_type"] == "county" and unit in (c, row["city_code"], row["province_code"])
        ]
    return None


def map_frame(progress: pd.DataFrame, metric: str, metric_unit: str) -> pd.DataFrame:
    """One row per unit of the map's level with the colour values and the hover lines (MAP_HOVER) in Chinese."""
    frame = progress[progress.metric == metric].copy()
    frame["gap"] = (frame["pct"] - frame["expected_pct"]).round(1)
    frame["完成"] = [ui.fmt_int(v, metric_unit) for v in frame["actual"]]
    frame["完成率"] = ["完成率 " + ui.fmt_pct(v) if pd.notna(v) else "无任务" for v in frame["pct"]]
    frame["进度差"] = ["进度差 " + ui.fmt_pts(v) if pd.notna(v) else "" for v in frame["gap"]]
    frame["状态"] = [
        "状态 " + ui.status_label(s) if has else "" for s, has in zip(frame["status"], frame["target"].notna())
    ]
    return frame


def map_figure(
    map_df: pd.DataFrame, map_level: str, colour: str, unit: str, unit_type: str, units: pd.DataFrame
) -> go.Figure:
    """The map of ``map_frame`` coloured by ``colour`` (MAP_SCALES), the unit looked at outlined and the view fitted
    to its surroundings (built once per data and choice for every session: pages call it through app.shared)."""
    from tracker import geo

    value_col, label, scale = MAP_SCALES[colour]
    return geo.choropleth(
        map_df,
        map_level,
        value_col,
        color_label=label,
        scale=scale,
        hover=MAP_HOVER,
        highlight=[unit] if map_level == unit_type else [],
        outline_cities=[unit] if unit_type == "city" else [],
        focus=map_focus(units, unit, unit_type),
        missing_label="无任务" if colour != "actual" else "无数据",
        height=480,
    )


def map_caption(colour: str, map_level: str, outlined: bool) -> str:
    return (
        ("红色低于时序进度、绿色超过；" if colour == "gap" else "")
        + ("本层级无任务，按完成人数着色；" if colour == "actual" else "")
        + f"点击{LEVEL_LABELS[map_level]}进入（手机上第一次点按显示数字，再点按进入）。"
        + ("蓝框为当前区域。" if outlined else "")
        + "地图为示意，非标准地图。"
    )


# ---------------------------------------------------------------- causes


def own_lines_sentence(own_lines: pd.DataFrame, unit_name: str) -> str:
    """The unit's own document sets its lines: read the gap against them, not against the province's mix."""
    behind = own_lines[own_lines["gap_pts"] < 0]
    source = own_lines["source"].iloc[0]
    if not len(behind):
        return f"按{source}规定的培训类别，{unit_name}各类均达到时序进度。"
    return (
        f"按{source}规定的培训类别，{unit_name}差距最大的是："
        + "、".join(
            f"{ui.metric_label(r.metric)}（完成{ui.fmt_pct(r.pct)}，时序进度{ui.fmt_pct(r.expected_pct)}，"
            f"差距{ui.fmt_pts(r.gap_pts)}）"
            for r in behind.itertuples()
        )
        + "。"
    )


def own_lines_table(own_lines: pd.DataFrame, cc: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    table = pd.DataFrame(
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
    )
    config = {
        "任务": num_col(cc, "任务"),
        "完成": num_col(cc, "完成"),
        "完成率": pct_col(cc, "完成率"),
        "时序进度": pct_col(cc, "时序进度"),
        "差距(百分点)": num_col(cc, "差距(百分点)", "完成率 − 时序进度；负数为落后", "%+.1f"),
        "落后人数": num_col(cc, "落后人数", fmt="%,.0f"),
    }
    return table, config


def benchmark_sentence(detail: pd.DataFrame, dimension: str, unit_name: str, metric_unit: str) -> str | None:
    worst = detail[detail["benchmark_gap"] > 0].head(3)
    if not len(worst):
        return None
    parts = [
        f"{ui.md_escape(group_label(dimension, r.group_key))}（少{ui.fmt_int(r.benchmark_gap, metric_unit)}，"
        f"占{ui.fmt_pct(100 * r.contribution)}）"
        for r in worst.itertuples()
    ]
    return f"按全省{DIMENSION_LABELS[dimension]}结构，{unit_name}缺口主要在：" + "、".join(parts) + "。"


def benchmark_figure(detail: pd.DataFrame, names: list[str], metric_unit: str) -> go.Figure:
    """Completed vs. what the province's mix asks of the unit, one pair of bars per group."""
    fig = go.Figure()
    for column, label, colour in (("actual", "已完成", "#1565c0"), ("benchmark", "按全省结构应完成", "#bdbdbd")):
        fig.add_bar(
            y=names,
            x=detail[column],
            orientation="h",
            name=label,
            marker_color=colour,
            hovertemplate="%{y}: %{x:,.0f}" + metric_unit + f"<extra>{label}</extra>",
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
    return fig


def benchmark_caption(detail: pd.DataFrame, dimension: str) -> str:
    excluded = [group_label(dimension, k) for k in detail.loc[detail["benchmark_excluded"], "group_key"]]
    return (
        "比较对象：全省"
        + (
            f"（不含{'、'.join(excluded)}：该类培训集中在其他市，是当地的品牌项目，不作为本区域的比较标准）"
            if excluded
            else ""
        )
        + "。“按全省结构应完成” = 本区域时序应完成人数（任务 × 时序进度）× 全省该类占比；"
        "各类“少完成”之和等于本区域低于时序进度的人数。"
    )


def drop_sentence(detail: pd.DataFrame, dimension: str, metric_unit: str) -> str | None:
    drop = detail[detail["change"] < 0].head(3)
    if not len(drop):
        return None
    return (
        "较上年同期减少最多："
        + "、".join(
            f"{ui.md_escape(group_label(dimension, r.group_key))}（{r.change:+,.0f}{metric_unit}）"
            for r in drop.itertuples()
        )
        + "。"
    )


def unranked_caption(has_target: bool, dimension: str) -> str:
    return (
        ("本区域没有任务目标，" if not has_target else "")
        + ("培训机构分布各地不同，不与全省结构比较；" if dimension == "institution" else "")
        + "无上年同期数据：按完成人数排序。"
    )


def causes_table(detail: pd.DataFrame, dimension: str, names: list[str], cc: Any) -> tuple[pd.DataFrame, dict]:
    ranked_by = detail["ranked_by"].iloc[0]
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
    config = {
        "完成": num_col(cc, "完成"),
        "占比": num_col(cc, "占比", fmt="%.1f%%"),
        "按全省结构应完成": num_col(cc, "按全省结构应完成", fmt="%,.0f"),
        "少完成": num_col(cc, "少完成", "按全省结构应完成 − 完成（负数为超出）", "%,.0f"),
        "占缺口比重": pct_col(cc, "占缺口比重"),
        "上年同期": num_col(cc, "上年同期"),
        "同比增减": num_col(cc, "同比增减", fmt="%+d"),
        "合格率": pct_col(cc, "合格率"),
        "就业率(到期)": pct_col(cc, "就业率(到期)", "结业满90天者中已就业的比例（到期未录入按未就业计）"),
        "待核实(人)": num_col(cc, "待核实(人)", "结业未满90天、就业结果尚未到期的人数"),
    }
    return frame, config


# ---------------------------------------------------------------- thresholds and the watch list


def rates_table(rates: pd.DataFrame, documents: Mapping[str, str], cc: Any) -> tuple[pd.DataFrame, dict]:
    table = pd.DataFrame(
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
    config = {
        "结业人数": num_col(cc, "结业人数"),
        "结果已知(人)": num_col(cc, "结果已知(人)"),
        "待核实(人)": cc.TextColumn("待核实(人)", help="结业不足90天、就业结果尚未到期的人数，不计入就业率"),
    }
    return table, config


def watch_table(watch: pd.DataFrame, cc: Any) -> tuple[pd.DataFrame, dict]:
    table = pd.DataFrame(
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
    config = {
        "结业人数": num_col(cc, "结业人数"),
        "合格率": pct_col(cc, "合格率"),
        "就业率(到期)": pct_col(cc, "就业率(到期)"),
        "待核实(人)": num_col(cc, "待核实(人)"),
        "订单式项目制就业率": pct_col(cc, "订单式项目制就业率"),
    }
    return table, config


# ---------------------------------------------------------------- forecast


def forecast_text(fc: pd.Series, unit_name: str, metric_unit: str) -> tuple[str, str]:
    """("caption", why there is no forecast) or ("markdown", the projection and the pace needed)."""
    if fc.status in ("no_data", "not_started"):
        return "caption", f"{unit_name}：{ui.STATUS_LABELS.get(fc.status, '尚无完整的双周进度')}，暂不作进度预测。"
    if pd.isna(fc.will_miss):
        return "caption", f"{unit_name}尚无可用于推算的双周进度，暂不作预测。"
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
    return "markdown", (
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


def risk_table(risk: pd.DataFrame, child_label: str, cc: Any) -> tuple[pd.DataFrame, dict]:
    """Children ranked by projected completion at the deadline, riskiest first."""
    table = pd.DataFrame(
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
    config = {
        "任务": num_col(cc, "任务"),
        "完成": num_col(cc, "完成"),
        "完成率": pct_col(cc, "完成率"),
        "预计截止完成率": pct_col(cc, "预计截止完成率", "当前完成 + 近期每期完成 × 剩余双周"),
        "近期每期完成": num_col(cc, "近期每期完成", "最近4个完整双周的平均增量（整人）"),
        "每期需完成": num_col(cc, "每期需完成", "尚需完成 ÷ 剩余双周"),
        "需提速(倍)": num_col(cc, "需提速(倍)", "每期需完成 ÷ 近期每期完成", "%.1f"),
    }
    return table, config
