"""One-page stocktake brief per unit (单位简报, PDF, A4) for the biweekly meeting.

Rendered with reportlab (platypus for the page, reportlab.graphics for the trajectory chart): it is pure Python,
pinned in requirements.txt, works offline, and embeds a TrueType font as a subset — the reader needs no Chinese
font of their own. reportlab cannot embed the CFF-outline Noto CJK fonts (``postscript outlines are not
supported``), so the brief uses a TrueType CJK font: WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``, installed
by ``make browser-deps``), or any TrueType file named by ``[brief] font`` in the settings. Without one the brief
refuses with a clear message rather than fall back to a non-embedded font.

Every figure comes from the named queries (``dispatch``, ``biweekly``, the compliance checks and
``timeliness_unit``); gap = completion − time-expected share (CONTRACT §4: negative = behind); percentages are
shown to one decimal, rounded half up.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from tracker import compliance, settings, timeliness, ui

FONT_NAME = "BriefCJK"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FONT_PACKAGE = "fonts-wqy-microhei"
REGION_TYPES = ("province", "city", "county")


class BriefError(Exception):
    """A brief cannot be rendered (message shown as is)."""


# ---------------------------------------------------------------- numbers as the brief prints them


def half_up(value: Any, digits: int = 1) -> Decimal | None:
    """Round half up (四舍五入) from the exact value: 115.25 → 115.3."""
    if ui._missing(value):
        return None
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def pct_text(value: Any) -> str:
    """54.25 → '54.3%'; missing → '—'."""
    rounded = half_up(value)
    return "—" if rounded is None else f"{rounded}%"


def gap_text(pct: Any, expected: Any) -> str:
    """completion − expected in points, signed: '+2.1' ahead, '−9.7' behind."""
    if ui._missing(pct) or ui._missing(expected):
        return "—"
    rounded = half_up(float(pct) - float(expected))
    if rounded == 0:
        return "0.0"
    return f"{rounded:+}".replace("-", "−")


def count_text(value: Any, unit: str = "") -> str:
    return ui.fmt_int(value, unit)


def days_text(value: Any) -> str:
    if ui._missing(value):
        return "—"
    return f"{float(value):g}天".replace("-", "−")


# ---------------------------------------------------------------- what goes on a brief


@dataclass
class BriefData:
    plan: str
    plan_name: str
    document: str
    unit_type: str
    unit_code: str
    unit_name: str
    period: int
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    tasks: pd.DataFrame  # the unit's dispatch rows
    peers: dict[str, int]  # metric → units of the same level with a target
    series: pd.DataFrame  # the unit's biweekly series, headline count metric
    compliance: dict[str, int] | None  # check id → records (None: not a region unit)
    timeliness: dict[str, Any] | None
    demo: bool = False
    data_version: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def headline_metric(self) -> str | None:
        counts = self.tasks[self.tasks["kind"] == "count"].sort_values("position")
        return None if counts.empty else str(counts["metric"].iloc[0])


def _as_date(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


def _region_counties() -> dict[str, set[str]]:
    """Region unit code → its counties (a county is its own)."""
    rows = ui._rows("regions")
    parent = {r["code"]: r["parent_code"] for r in rows}
    members: dict[str, set[str]] = {}
    for r in rows:
        if r["level"] != "county":
            continue
        code = r["code"]
        for unit in (code, parent.get(code), parent.get(parent.get(code, ""), None)):
            if unit:
                members.setdefault(unit, set()).add(code)
    return members


def compliance_by_unit(runner: Any, as_of: dt.date, units: list[str]) -> dict[str, dict[str, int]]:
    """Findings per check for each region unit (the as-of year, completions by the as-of date)."""
    declared = {name: {p.name for p in q.params} for name, q in runner.queries.items()}
    findings = compliance.run_checks(runner.run, declared.__getitem__, as_of=as_of, year=as_of.year)
    members = _region_counties()
    out: dict[str, dict[str, int]] = {}
    for unit in units:
        counties = members.get(unit)
        if not counties:
            continue
        out[unit] = {cid: int(df["county_code"].isin(counties).sum()) if len(df) else 0 for cid, df in findings.items()}
    return out


def collect(runner: Any, plan: str, as_of: dt.date, level: str | None = None) -> list[BriefData]:
    """Everything the briefs of a plan's units need as of a date (the period holding it), from the named queries."""
    from tracker.store import is_demo

    info = ui.plan_info(plan)
    dispatch = runner.run("dispatch", plan=plan, as_of=as_of, level=level)
    if dispatch.empty:
        return []
    series = runner.run("biweekly", plan=plan, as_of=as_of, level=level)
    units = list(dict.fromkeys(dispatch["unit_code"]))
    region_units = [u for u in units if (dispatch.loc[dispatch["unit_code"] == u, "unit_type"].iloc[0]) in REGION_TYPES]
    checks = compliance_by_unit(runner, as_of, region_units) if region_units else {}
    with_target = dispatch[dispatch["target"].notna()]
    peers = with_target.groupby(["unit_type", "metric"])["unit_code"].nunique().to_dict()
    demo = is_demo(runner.data_dir)
    version = runner.version()
    out = []
    for unit in units:
        rows = dispatch[dispatch["unit_code"] == unit].sort_values("position")
        first = rows.iloc[0]
        unit_type = str(first["unit_type"])
        data = BriefData(
            plan=plan,
            plan_name=info["name"],
            document=info["document"],
            unit_type=unit_type,
            unit_code=str(unit),
            unit_name=str(first["unit_name"]),
            period=int(first["period"]),
            period_start=_as_date(first["period_start"]),
            period_end=_as_date(first["period_end"]),
            as_of=_as_date(first["measured_on"]),
            tasks=rows.reset_index(drop=True),
            peers={m: int(n) for (t, m), n in peers.items() if t == unit_type},
            series=pd.DataFrame(),
            compliance=checks.get(unit),
            timeliness=(
                timeliness.unit_figures(runner, as_of, unit, year=as_of.year) if unit_type in REGION_TYPES else None
            ),
            demo=demo,
            data_version=version,
        )
        metric = data.headline_metric
        if metric is not None:
            data.series = series[(series["unit_code"] == unit) & (series["metric"] == metric)].sort_values("period")
        out.append(data)
    return out


# ---------------------------------------------------------------- rendering


def font_path() -> Path:
    configured = settings.get("brief", "font", None)
    candidates = [configured] if configured else list(FONT_CANDIDATES)
    for candidate in candidates:
        if candidate and Path(candidate).expanduser().is_file():
            return Path(candidate).expanduser()
    raise BriefError(
        f"找不到可嵌入PDF的中文TrueType字体（{'、'.join(str(c) for c in candidates)}）。"
        f"请安装 Debian 软件包 {FONT_PACKAGE}（make browser-deps），或在设置文件 [brief] font 中指定字体文件。"
    )


def register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    path = font_path()
    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    except TTFError as exc:
        raise BriefError(f"字体 {path} 无法嵌入PDF（需要TrueType字体）：{exc}") from exc
    return FONT_NAME


def _status_label(status: Any) -> str:
    labels = {**ui.STATUS_LABELS, "no_data": "无数据", "not_started": "未开始"}
    return labels.get(status, "—") if isinstance(status, str) else "—"


def _rank_text(row: pd.Series, peers: int) -> str:
    if peers <= 1 or ui._missing(row.get("rank")):
        return "—"
    text = f"{int(row['rank'])}/{peers}"
    change = row.get("rank_change")
    if not ui._missing(change) and int(change) != 0:
        text += f"（{'↑' if change > 0 else '↓'}{abs(int(change))}）"
    return text


def task_rows(data: BriefData) -> list[list[str]]:
    """The task table as printed: one row per task of the unit."""
    rows = []
    for _, r in data.tasks.iterrows():
        info = ui.metric_info(r["metric"])
        unit = info["unit"]
        rate = r["kind"] == "rate"
        rows.append(
            [
                info["label"],
                pct_text(r["target"]) if rate else count_text(r["target"]),
                pct_text(r["cumulative"]) if rate else count_text(r["cumulative"]),
                "—" if rate else count_text(r["increment"]),
                pct_text(r["pct"]),
                pct_text(r["expected_pct"]),
                gap_text(r["pct"], r["expected_pct"]),
                _rank_text(r, data.peers.get(r["metric"], 0)),
                "—" if rate or ui._missing(r["needed_per_period"]) else count_text(r["needed_per_period"], ""),
                _status_label(r["status"]),
            ]
        )
        del unit
    return rows


def furthest_behind(data: BriefData, top: int = 3) -> list[str]:
    """The unit's tasks furthest behind their time-expected share, as sentences."""
    tasks = data.tasks.copy()
    tasks["gap"] = tasks["pct"] - tasks["expected_pct"]
    behind = tasks[tasks["gap"] < 0].sort_values("gap").head(top)
    lines = []
    for _, r in behind.iterrows():
        info = ui.metric_info(r["metric"])
        if r["kind"] == "rate":
            lines.append(
                f"{info['label']}：{pct_text(r['pct'])}，低于目标{pct_text(r['target'])}"
                f"（差距{gap_text(r['pct'], r['expected_pct'])}个百分点）。"
            )
            continue
        target = float(r["target"])
        expected_count = target * float(r["expected_pct"]) / 100
        short = max(0.0, expected_count - float(r["cumulative"]))
        remaining = int(r["remaining_periods"]) if not ui._missing(r.get("remaining_periods")) else 0
        line = (
            f"{info['label']}：完成{pct_text(r['pct'])}，时序进度{pct_text(r['expected_pct'])}，"
            f"差距{gap_text(r['pct'], r['expected_pct'])}个百分点，距时序进度还差{count_text(short, info['unit'])}"
        )
        if not ui._missing(r.get("needed_per_period")):
            line += f"；剩余{remaining}期，每期需完成{count_text(r['needed_per_period'], info['unit'])}"
        lines.append(line + "。")
    return lines or ["各项任务均达到时序进度。"]


def compliance_line(data: BriefData) -> str:
    if data.compliance is None:
        return "合规核查：按县(市、区)统计，本单位不适用。"
    parts = [f"{c.short}{data.compliance.get(cid, 0):,}" for cid, c in compliance.CHECKS.items()]
    return f"合规核查（{data.as_of.year}年，截至{ui.fmt_date(data.as_of)}，条/张）：" + "；".join(parts) + "。"


def timeliness_line(data: BriefData) -> str:
    t = data.timeliness
    if not t:
        return "录入及时率：按县(市、区)统计，本单位不适用。"
    days = timeliness.window_days()
    rank = (
        f"，在{int(t['ranked_units'])}个{ui.LEVEL_LABELS.get(data.unit_type, '')}中排第{int(t['rank'])}"
        if not ui._missing(t.get("rank")) and int(t.get("ranked_units") or 0) > 1
        else ""
    )
    return (
        f"录入及时率（结业后{days}天内录入，{data.as_of.year}年）：{pct_text(t['timely_pct'])}"
        f"（{count_text(t['timely'], '')}/{count_text(t['due'], '')}条）{rank}；"
        f"录入间隔中位数{days_text(t['median_lag'])}；超过{timeliness.limit_days()}天录入（不录不补）"
        f"{count_text(t['late'], '')}条。"
    )


def _chart(data: BriefData, font: str, width: float, height: float) -> Any:
    from reportlab.graphics.charts.legends import LineLegend
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    drawing = Drawing(width, height)
    series = data.series
    metric = data.headline_metric
    if series.empty or metric is None:
        drawing.add(String(4, height / 2, "暂无可绘制的双周数据", fontName=font, fontSize=8))
        return drawing
    label = ui.metric_label(metric)
    actual = [(int(p) + 1, float(v)) for p, v in zip(series["period"], series["pct"]) if not ui._missing(v)]
    expected = [(int(p) + 1, float(v)) for p, v in zip(series["period"], series["expected_pct"]) if not ui._missing(v)]
    row = data.tasks[data.tasks["metric"] == metric].iloc[0]
    last_period = int(row["period"]) + int(row["remaining_periods"] or 0) + 1
    if expected and last_period > expected[-1][0]:
        expected.append((last_period, 100.0))
    plot = LinePlot()
    plot.x, plot.y = 34, 26
    plot.width, plot.height = width - 50, height - 52
    plot.data = [actual or [(1, 0.0)], expected or [(1, 0.0)]]
    plot.lines[0].strokeColor = colors.HexColor("#1f5fa8")
    plot.lines[0].strokeWidth = 1.8
    plot.lines[1].strokeColor = colors.HexColor("#9e9e9e")
    plot.lines[1].strokeWidth = 1.2
    plot.lines[1].strokeDashArray = [3, 2]
    plot.xValueAxis.valueMin = 1
    plot.xValueAxis.valueMax = max(last_period, 2)
    plot.xValueAxis.valueStep = max(1, last_period // 12)
    plot.yValueAxis.valueMin = 0
    top = max([v for _, v in actual + expected] + [100.0])
    plot.yValueAxis.valueMax = float(min(300, (int(top) // 20 + 1) * 20))
    plot.yValueAxis.valueStep = 20 if plot.yValueAxis.valueMax <= 140 else 50
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = font
        axis.labels.fontSize = 7
    plot.yValueAxis.labelTextFormat = "%d%%"
    plot.xValueAxis.labelTextFormat = "%d"
    drawing.add(plot)
    drawing.add(String(4, height - 12, f"完成率轨迹：{label}（横轴：双周期）", fontName=font, fontSize=8.5))
    legend = LineLegend()
    legend.x, legend.y = width - 150, height - 8
    legend.fontName = font
    legend.fontSize = 7
    legend.colorNamePairs = [(plot.lines[0].strokeColor, "完成率"), (plot.lines[1].strokeColor, "时序进度")]
    legend.columnMaximum = 1
    legend.deltax = 60
    legend.dx = 14
    drawing.add(legend)
    return drawing


def render(data: BriefData) -> bytes:
    """The brief as a one-page A4 PDF with the Chinese font embedded (subset)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = register_font()
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, spaceAfter=2)
    sub = ParagraphStyle("sub", fontName=font, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555"))
    head = ParagraphStyle("head", fontName=font, fontSize=10.5, leading=15, spaceBefore=6, spaceAfter=2)
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=12.5)
    cell = ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9.5)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{data.unit_name} 双周调度简报 第{data.period + 1}期",
        author="技能山西 目标进度",
        subject=data.plan_name,
        invariant=1,
        initialFontName=font,
    )
    width = doc.width
    period = (
        f"第{data.period + 1}期（{ui.fmt_date(data.period_start)}—{ui.fmt_date(data.period_end)}）"
        f"　数据截至{ui.fmt_date(data.as_of)}"
    )
    story: list[Any] = [
        Paragraph(f"{data.unit_name} · 双周调度简报", title),
        Paragraph(f"{data.plan_name}（{data.document}）", sub),
        Paragraph(period + (f"　数据版本 {data.data_version}" if data.data_version else ""), sub),
    ]
    if data.demo:
        story.append(Paragraph(f"<b>{ui.DEMO_NOTE}</b>", sub))
    if (data.tasks["source"] == "demo").any():
        story.append(Paragraph(ui.ALLOCATION_NOTE, sub))

    story.append(Paragraph("一、任务进度", head))
    header = ["任务", "年度任务", "累计完成", "本期新增", "完成率", "时序进度", "差距", "排名", "每期需完成", "状态"]
    table_rows = [[Paragraph(header[0], cell), *header[1:]]]
    table_rows += [[Paragraph(r[0], cell), *r[1:]] for r in task_rows(data)]
    widths = [0.22, 0.09, 0.09, 0.08, 0.08, 0.08, 0.07, 0.09, 0.09, 0.11]
    table = Table(table_rows, colWidths=[w * width for w in widths], repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), font, 7.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("ALIGN", (-1, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for i, status in enumerate(data.tasks["status"], start=1):
        if status in ui.STATUS_COLORS:
            style.append(("TEXTCOLOR", (-1, i), (-1, i), colors.HexColor(ui.STATUS_COLORS[status])))
    table.setStyle(TableStyle(style))
    story.append(table)
    story.append(
        Paragraph(
            "差距＝完成率−时序进度（百分点，负数为落后）；比率类任务（持证率、就业率）的时序进度为目标值。"
            "排名为同级单位按完成率由高到低，括号内为较上期变化；每期需完成＝剩余任务÷剩余双周期数。",
            sub,
        )
    )

    story.append(Paragraph("二、完成率轨迹", head))
    story.append(_chart(data, font, width, 150))

    story.append(Paragraph("三、最落后的任务", head))
    story.extend(Paragraph(f"{k}. {line}", body) for k, line in enumerate(furthest_behind(data), start=1))

    story.append(Paragraph("四、合规与录入及时率", head))
    story.append(Paragraph(compliance_line(data), body))
    story.append(Paragraph(timeliness_line(data), body))
    story.extend(Paragraph(note, sub) for note in data.notes)
    story.append(Spacer(1, 4))
    story.append(Paragraph(f"依据：{data.document}；计量口径见 CONTRACT §3–§4。", sub))

    frame_height = doc.height - 2
    doc.build([KeepInFrame(width, frame_height, story, mode="shrink")])
    return buffer.getvalue()


def briefs(runner: Any, plan: str, as_of: dt.date, level: str | None = None) -> dict[str, tuple[str, bytes]]:
    """unit code → (unit name, PDF bytes) for every unit of the plan, as of a date."""
    return {d.unit_code: (d.unit_name, render(d)) for d in collect(runner, plan, as_of, level)}
