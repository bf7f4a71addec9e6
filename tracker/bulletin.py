"""The 双周调度 通报: composed once as blocks of text, rendered as plain text and as a .docx.

Layout as a county government writes it (seed 002): a heading "关于…第N期双周调度情况的通报", the 主送 line,
an opening paragraph naming the document and the data date, numbered sections (一、总体进展 二、各项任务进展
三、各市/县进展 四、工作要求), and the 落款 (issuing office, date) from ``[bulletin]`` in the settings file.
Figures: 万人 from 10,000, whole persons, percentages to one decimal 四舍五入, the gap in words.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from tracker import settings, ui
from tracker.report import COUNTER, LEVEL_WORD, UNIT_WORD, data_date, targeted, top_level, with_gap

if TYPE_CHECKING:
    from tracker.query import Runner

NUMERALS = "一二三四五六七八九十"
RECIPIENTS = {
    "province": "各市人民政府，省直有关单位：",
    "city": "各县（市、区）人民政府，市直有关单位：",
    "county": "各乡（镇）人民政府，县直有关单位：",
    "school": "各有关院校、各市教育局：",
}
REQUIREMENTS = (
    "各单位要对照年度任务和时序进度，逐项分析滞后原因，倒排工期、压实责任；滞后单位要在下期调度前报送整改措施，"
    "确保按期完成全年目标任务。"
)


@dataclass(frozen=True)
class Block:
    kind: str  # title, note, to, para, h1, h2, item, sign, date
    text: str


def _cn(n: int) -> str:
    """1 → 一, 12 → 十二 (section and item numbers)."""
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    return NUMERALS[n // 10 - 1] + "十" + (NUMERALS[n % 10 - 1] if n % 10 else "")


def _status_counts(rows: pd.DataFrame, counter: str) -> str:
    """'11项任务中，8项达到时序进度，2项略滞后，1项滞后' (a rate task or unit: 达到目标)."""
    counts = rows["status"].value_counts()
    rates = (rows["kind"] == "rate").all()
    parts = [f"{len(rows)}{counter}中"]
    words = {
        "on_track": "达到目标" if rates else "达到时序进度",
        "behind": "略滞后",
        "lagging": "滞后",
        "no_data": "暂无数据",
        "not_started": "未开始",
    }
    short = "项" if counter.startswith("项") else "个"
    for key, word in words.items():
        if counts.get(key, 0) or key in ("on_track", "behind", "lagging"):
            parts.append(f"{int(counts.get(key, 0))}{short}{word}")
    return "，".join(parts)


def _gap_clause(row: Any) -> str:
    """'时序进度80.3%，滞后时序进度2.0个百分点' / for a rate: '目标不低于90.0%，低于目标5.0个百分点'."""
    if row.kind == "rate":
        gap = ui.gap_of(row.actual, row.target)
        words = ui.gap_words(gap, "目标").replace("滞后目标", "低于目标").replace("超出目标", "高于目标")
        return f"目标不低于{ui.fmt_pct(row.target)}，{words}"
    return f"时序进度{ui.fmt_pct(row.expected_pct)}，{ui.gap_words(row.gap)}"


def _task_sentence(row: Any, need: Any = None) -> str:
    info = ui.metric_info(row.metric)
    status = ui.status_label(row.status)
    if row.status in ("no_data", "not_started"):
        return f"{status}，暂不评价。"
    if row.kind == "rate":
        pending = getattr(row, "pending", None)
        base = f"{info['label']}{ui.fmt_pct(row.actual)}"
        if not ui._missing(getattr(row, "denominator", None)) and row.denominator:
            base += f"（{ui.fmt_wan(row.numerator)}÷{ui.fmt_wan(row.denominator)}）"
        text = f"{base}，{_gap_clause(row)}，{status}。"
        if not ui._missing(pending) and pending:
            text += f"另有{ui.fmt_wan(pending)}结果尚未到期（待核实）。"
        return text
    unit = info["unit"]
    text = (
        f"累计完成{ui.fmt_wan(row.actual, unit)}，完成年度任务（{ui.fmt_wan(row.target, unit)}）的"
        f"{ui.fmt_pct(row.pct)}；{_gap_clause(row)}，{status}。"
    )
    if need is not None:
        if not ui._missing(need.increment):
            text += f"本期新增{ui.fmt_wan(need.increment, unit)}。"
        remaining = 0 if ui._missing(row.target) else max(0.0, float(row.target) - float(row.actual))
        if remaining <= 0:
            text += "已完成年度任务。"
        elif not ui._missing(need.needed_per_period) and int(need.remaining_periods) > 0:
            text += (
                f"尚余{ui.fmt_wan(remaining, unit)}，剩余{int(need.remaining_periods)}期，"
                f"每期需完成{ui.fmt_wan(need.needed_per_period, unit)}方能按期完成。"
            )
        else:
            text += f"尚余{ui.fmt_wan(remaining, unit)}，已到最后一期。"
    return text


def _group_of(level: str, code: str) -> str | None:
    if level == "county":
        parent = ui.region_parent(code)
        return ui.region_name(parent) if parent else None
    if level == "school":
        for row in ui._rows("schools"):
            if row["unit_code"] == code:
                return ui.GROUP_LABELS.get(row["group"], row["group"])
    return None


def _unit_list(rows: pd.DataFrame, level: str) -> list[str]:
    """'交口县66.1%、石楼县68.0%' — grouped ('吕梁市（2个）：…') for counties by city and schools by group."""

    def item(r: Any) -> str:
        return f"{r.unit_name}{ui.fmt_pct(r.pct)}"

    groups = [_group_of(level, str(c)) for c in rows["unit_code"]]
    if not any(groups):
        return ["、".join(item(r) for r in rows.itertuples()) + "。"]
    grouped: dict[str, list[str]] = {}
    first_code: dict[str, str] = {}
    for group, r in zip(groups, rows.itertuples()):
        grouped.setdefault(group or "其他", []).append(item(r))
        first_code[group or "其他"] = min(first_code.get(group or "其他", "z"), str(r.unit_code))
    order = sorted(grouped, key=first_code.get)  # cities in GB/T 2260 order
    return [f"{g}（{len(grouped[g])}个）：" + "、".join(grouped[g]) + "。" for g in order]


def _units_section(rows: pd.DataFrame, level: str) -> list[Block]:
    blocks: list[Block] = []
    counter = COUNTER.get(level, "个单位")
    noun = counter[1:] or "单位"
    leaders = int(settings.get("bulletin", "leaders", 5) or 0)
    rows = rows.sort_values(["gap", "unit_code"], na_position="last")
    first = rows.iloc[0]
    reference = (
        f"目标{ui.fmt_pct(first.target)}" if first.kind == "rate" else f"时序进度{ui.fmt_pct(first.expected_pct)}"
    )
    blocks.append(Block("para", f"{reference}。{_status_counts(rows, counter)}。"))
    ahead = rows[rows["status"] == "on_track"].sort_values("gap", ascending=False)
    if leaders and len(ahead):
        listed = "、".join(f"{r.unit_name}{ui.fmt_pct(r.pct)}" for r in ahead.head(leaders).itertuples())
        blocks.append(Block("para", f"进度靠前的{noun}：{listed}。"))
    against = "目标" if first.kind == "rate" else "时序进度"
    if len(ahead) and len(ahead) < len(rows):  # 先进: every unit on track, by city like the lagging ones
        blocks.append(Block("para", f"达到{against}的{len(ahead)}个{noun}（先进）："))
        blocks.extend(Block("item", line) for line in _unit_list(ahead, level))
    for status, words in (("lagging", "10个百分点及以上"), ("behind", "不到10个百分点")):
        late = rows[rows["status"] == status]
        if late.empty:
            continue
        name = ui.STATUS_LABELS[status]
        blocks.append(Block("para", f"{name}的{len(late)}个{noun}（低于{against}{words}）："))
        blocks.extend(Block("item", line) for line in _unit_list(late, level))
    return blocks


def compose(runner: Runner, plan: str, as_of: dt.date, level: str | None) -> list[Block]:
    """The 通报 for a plan as of a date, listing the chosen level's units (all figures from the queries)."""
    from tracker.store import is_demo

    info = ui.plan_info(plan)
    on = data_date(runner, as_of)
    progress = with_gap(targeted(runner.run("progress", plan=plan, as_of=on)))
    dispatch = targeted(runner.run("dispatch", plan=plan, as_of=on))
    if progress.empty:
        return [
            Block("title", f"关于{info['name']}双周调度情况的通报"),
            Block("para", f"截至{ui.fmt_date(on)}，{info['name']}尚无可计算的任务。"),
            *_signature(""),
        ]
    top = top_level(progress)
    level = level or top
    headline = ui.headline_rows(progress)
    top_name = headline["unit_name"].iloc[0]
    word = UNIT_WORD.get(top, top_name) if top != "school" else top_name
    period_row = dispatch[dispatch["unit_code"] == headline["unit_code"].iloc[0]]
    period_row = period_row.iloc[0] if len(period_row) else (dispatch.iloc[0] if len(dispatch) else None)
    number = f"第{int(period_row['period']) + 1}期" if period_row is not None else ""
    blocks = [Block("title", f"关于{info['name']}{number}双周调度情况的通报")]
    if is_demo(runner.data_dir):
        blocks.append(Block("note", "（演示数据，不代表真实进度）"))
    blocks.append(Block("to", str(settings.get("bulletin", "recipients", "") or RECIPIENTS.get(top, ""))))
    when = f"截至{ui.fmt_date(on)}"
    if as_of > on:
        when = f"截至{ui.fmt_date(on)}（数据截至该日）"
    document = info["document"]
    basis = f"{document}文件" if "〔" in document else f"《{document}》"
    period_text = ""
    if period_row is not None:
        start, end = (pd.Timestamp(period_row[c]).date() for c in ("period_start", "period_end"))
        period_text = f"（{number}：{ui.fmt_date(start)}至{ui.fmt_date(end)}）"
    blocks.append(
        Block(
            "para",
            f"按照{basis}和双周调度制度要求，现将{when}{period_text}工作进展情况通报如下。",
        )
    )
    section = 0

    def h1(text: str) -> None:
        nonlocal section
        section += 1
        blocks.append(Block("h1", f"{_cn(section)}、{text}"))

    # 一、总体进展
    h1("总体进展")
    lead = headline.iloc[0]
    overall = f"{when}，{word}{_status_counts(headline, '项任务')}。"
    if lead.kind == "count":
        overall += f"{ui.metric_label(lead.metric)}" + _task_sentence(lead)
    blocks.append(Block("para", overall))
    units = progress[progress["unit_type"] == level]
    show_units = level != top or units["unit_code"].nunique() > 1
    if show_units and len(units):
        lead_units = units[
            units["metric"] == (lead.metric if lead.metric in set(units["metric"]) else units["metric"].iloc[0])
        ]
        blocks.append(
            Block(
                "para",
                f"分{LEVEL_WORD.get(level, '单位')}看，{ui.metric_label(lead_units['metric'].iloc[0])}"
                f"{_status_counts(lead_units, COUNTER.get(level, '个单位'))}。",
            )
        )

    # 二、各项任务进展
    h1("各项任务进展")
    needs = dispatch.set_index(["unit_code", "metric"])
    for k, row in enumerate(headline.itertuples(), start=1):
        need = needs.loc[(row.unit_code, row.metric)] if (row.unit_code, row.metric) in needs.index else None
        label = ui.metric_label(row.metric)
        blocks.append(Block("para", f"（{_cn(k)}）{label}。" + _task_sentence(row, need)))

    # 三、各市 / 各县进展
    if show_units and len(units):
        h1(f"各{LEVEL_WORD.get(level, '单位')}进展")
        metrics = list(dict.fromkeys(units.sort_values("position")["metric"]))
        for k, metric in enumerate(metrics, start=1):
            blocks.append(Block("h2", f"（{_cn(k)}）{ui.metric_label(metric)}"))
            blocks.extend(_units_section(units[units["metric"] == metric], level))

    elif level != top:
        blocks.append(Block("para", f"本计划未向各{LEVEL_WORD.get(level, '单位')}下达任务，不分单位通报。"))

    # 四、工作要求
    requirements = settings.get("bulletin", "requirements", REQUIREMENTS)
    if requirements:
        h1("工作要求")
        blocks.append(Block("para", str(requirements)))
    if (progress["source"].fillna("demo") == "demo").any():
        blocks.append(Block("note", "注：标注“示例”的任务为文件未分解到本单位的示意分配，仅作演示。"))
    blocks.extend(_signature(top_name))
    return blocks


def issuer(top_name: str = "") -> str:
    """``[bulletin] issuer``, else '<top unit>“人人持证、技能社会”建设工作领导小组办公室'."""
    own_name = top_name.split("·")[-1]  # an office signs with its own name (柳林县…), not the city-qualified label
    return str(settings.get("bulletin", "issuer", "") or f"{own_name}“人人持证、技能社会”建设工作领导小组办公室")


def issue_date() -> dt.date:
    """``[bulletin] date`` (YYYY-MM-DD) if set, else the day the 通报 is produced."""
    raw = settings.get("bulletin", "date", "")
    if isinstance(raw, dt.date):
        return raw
    if raw:
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            pass
    return dt.date.today()


def _signature(top_name: str) -> list[Block]:
    return [Block("sign", issuer(top_name)), Block("date", ui.fmt_date(issue_date()))]


# ---------------------------------------------------------------- rendering

INDENT = "　　"


def render_text(blocks: list[Block]) -> str:
    """Plain text: the heading, a blank line, paragraphs indented two full-width spaces, 落款 at the end."""
    lines: list[str] = []
    for block in blocks:
        if block.kind == "title":
            lines += [block.text, ""]
        elif block.kind in ("note", "to"):
            lines.append(block.text)
        elif block.kind == "sign":
            lines += ["", INDENT * 8 + block.text]
        elif block.kind == "date":
            lines.append(INDENT * 10 + block.text)
        elif block.kind == "item":
            lines.append(INDENT * 2 + block.text)
        else:
            lines.append(INDENT + block.text)
    return "\n".join(lines) + "\n"


# GB/T 9704 proportions: A4, margins 37 / 35 / 28 / 26 mm, title 2号 (22 pt) 小标宋, body 3号 (16 pt) 仿宋,
# level-1 headings 黑体, level-2 楷体, 28 pt line pitch, page numbers "— 1 —" at the foot.
FONTS = {"title": "方正小标宋简体", "body": "仿宋_GB2312", "h1": "黑体", "h2": "楷体_GB2312"}
FALLBACK = {
    "title": "Noto Serif CJK SC",
    "body": "Noto Serif CJK SC",
    "h1": "Noto Sans CJK SC",
    "h2": "Noto Serif CJK SC",
}


def render_docx(blocks: list[Block]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def font(run: Any, role: str, size: float, bold: bool = False) -> None:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FALLBACK[role]
        fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), FONTS[role])

    def paragraph(
        text: str, role: str = "body", size: float = 16, align: Any = None, indent: float = 2, bold: bool = False
    ) -> Any:
        p = doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(28 if size <= 16 else 36)
        fmt.space_before = fmt.space_after = Pt(0)
        if indent:
            fmt.first_line_indent = Pt(size * indent)
        if align is not None:
            p.alignment = align
        font(p.add_run(text), role, size, bold)
        return p

    for block in blocks:
        if block.kind == "title":
            p = paragraph(block.text, "title", 22, WD_ALIGN_PARAGRAPH.CENTER, indent=0)
            p.paragraph_format.space_after = Pt(16)
        elif block.kind == "note":
            paragraph(block.text, "h2", 14, WD_ALIGN_PARAGRAPH.CENTER if block.text.startswith("（") else None, 0)
        elif block.kind == "to":
            p = paragraph(block.text, indent=0)
            p.paragraph_format.space_before = Pt(14)
        elif block.kind == "h1":  # 黑体 where installed; bold so that it reads as a heading under any font
            paragraph(block.text, "h1", bold=True)
        elif block.kind == "h2":
            paragraph(block.text, "h2")
        elif block.kind == "item":
            paragraph(block.text, indent=4)
        elif block.kind == "sign":
            p = paragraph(block.text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=0)
            p.paragraph_format.space_before = Pt(40)
            p.paragraph_format.right_indent = Pt(32)
        elif block.kind == "date":
            p = paragraph(block.text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=0)
            p.paragraph_format.right_indent = Pt(48)
        else:
            paragraph(block.text)

    # page number "— N —" centred in the footer (a PAGE field, so every page numbers itself)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(footer.add_run("— "), "body", 14)
    run = footer.add_run()
    font(run, "body", 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    font(footer.add_run(" —"), "body", 14)
    doc.core_properties.title = blocks[0].text if blocks else "通报"
    doc.core_properties.author = next((b.text for b in blocks if b.kind == "sign"), "")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
