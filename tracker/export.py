"""One export template for every table that leaves the dashboard (.xlsx to print, CSV to reuse).

Every .xlsx — the 双周调度 table, 院校取证, 区域分析, 合规核查 — is drawn by :func:`write_xlsx`: a merged
title, one line with 依据 / 截至 / 期次, the units, a frozen header repeated on every printed page, landscape A4
fitted to one page wide, 制表单位 / 制表日期 in the page header and 第N页 共M页 in the footer, number formats by
column kind (人 whole, % and 个百分点 to one decimal), status as text on a coloured fill (no emoji), an
optional 合计 row and the notes below the table.

Nothing from the data executes (#16): the workbook stores every string as a string (no formulas, no links), and
the CSV prefixes text that a spreadsheet would read as a formula (leading = + - @, tab, CR) with an apostrophe.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import xlsxwriter

from tracker import settings, ui

# column kinds: text, status, count (whole persons), decimal, int (rank, 序号), pct (a percentage 0–100 shown
# as 82.0%), pts (percentage points, signed), date
PCT_HINTS = ("完成率", "时序进度", "持证率", "就业率", "合格率", "占比", "比例", "比重", "占本级", "(%)", "（%）")
PTS_HINTS = ("差距", "百分点", "进度差")
INT_HINTS = ("序号", "排名", "年度", "年份", "代码", "编号", "双周")
PERSON_HINTS = ("(人)", "（人）", "人数", "人次", "任务", "完成", "需完成", "缺口", "尚需", "落后人数")
# marker columns a caller may add (never written): per-row "this row is a rate" and "this is the 合计 row"
RATE_MARK = "_rate"
TOTAL_MARK = "_total"
MARKS = (RATE_MARK, TOTAL_MARK)

_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def issuer(plan: str | None = None) -> str:
    """制表单位 / 发文单位: ``[bulletin] issuer`` in the settings file, else the office of the plan's top unit
    ('<unit>“人人持证、技能社会”建设工作领导小组办公室'), else ''."""
    configured = str(settings.get("bulletin", "issuer", "") or "")
    if configured or not plan:
        return configured
    rows = [t for t in ui._rows("targets") if t["plan_id"] == plan]
    if not rows:
        return ""
    top = min(rows, key=lambda t: ui.UNIT_ORDER.get(t["unit_type"], 9))["unit_name"]
    return f"{top}“人人持证、技能社会”建设工作领导小组办公室"


@dataclass
class Table:
    """A table to print: a frame whose columns are the Chinese headers, and what the page around it says."""

    frame: pd.DataFrame
    title: str
    sheet: str = "数据"
    basis: str | None = None  # 依据 (document number)
    as_of: dt.date | None = None  # 截至
    period: str | None = None  # 期次
    units: str | None = "计量单位：人；完成率、时序进度为百分比，差距为百分点（负数为落后）"
    notes: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # header → kind, overriding the guess
    rate_kinds: dict[str, str] = field(default_factory=dict)  # header → kind in rows marked _rate (count → rate)
    made_on: dt.date | None = None  # 制表日期 (default today)
    maker: str | None = None  # 制表单位 (default: [bulletin] issuer)


def column_kind(header: str, values: pd.Series, given: Mapping[str, str] | None = None) -> str:
    """The kind of a column from its header and values (the caller may say it outright)."""
    if given and header in given:
        return given[header]
    if header == "状态" or header.endswith("状态"):
        return "status"
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if pd.api.types.is_datetime64_any_dtype(values) or (
        len(values.dropna()) and all(isinstance(v, dt.date) for v in values.dropna().head(50))
    ):
        return "date"
    if not numeric:
        return "text"
    if any(h in header for h in PTS_HINTS):
        return "pts"
    if any(h in header for h in PCT_HINTS):
        return "pct"
    if any(h in header for h in INT_HINTS):
        return "int"
    if any(h in header for h in PERSON_HINTS):
        return "count"  # whole persons, whatever a division left behind
    finite = values.dropna()
    if len(finite) and (finite.astype(float) % 1 != 0).any():
        return "decimal"
    return "count"


def clean_text(value: Any) -> str:
    """Cell text without emoji (status icons stay on screen only)."""
    text = str(value)
    return _EMOJI.sub("", text).strip() if _EMOJI.search(text) else text


def _status_key(text: str) -> str | None:
    label = clean_text(text)
    for key, name in ui.STATUS_LABELS.items():
        if label == name:
            return key
    return None


def _text_width(value: Any) -> int:
    text = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _widths(frame: pd.DataFrame, kinds: Mapping[str, str]) -> list[float]:
    widths = []
    for header in frame.columns:
        sample = frame[header].head(300)
        if kinds[header] in ("pct", "pts"):
            longest = 7
        elif kinds[header] in ("count", "int", "decimal"):
            longest = max([len(f"{ui.whole(v):,}") for v in sample if not ui._missing(v)] + [3]) + 1
        elif kinds[header] == "date":
            longest = 12
        else:
            longest = max([_text_width(clean_text(v)) for v in sample if not ui._missing(v)] + [4])
        header_width = max(_text_width(part) for part in str(header).split("\n"))
        widths.append(min(max(longest, min(header_width, 12)) + 2, 36))
    return widths


def _header_text(text: str) -> str:
    """Text for the page header/footer: '&' is a code there."""
    return text.replace("&", "&&")


def write_xlsx(tables: Table | Iterable[Table]) -> bytes:
    """The tables as one workbook, one sheet each, ready to print on A4 landscape one page wide."""
    tables = [tables] if isinstance(tables, Table) else list(tables)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **XLSX_OPTIONS})
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}

    def fmt(**extra: Any) -> Any:
        return book.add_format({**base, **extra})

    title_fmt = fmt(bold=True, font_size=16, align="center")
    sub_fmt = fmt(font_color="#333333")
    head_fmt = fmt(bold=True, bg_color="#DCE6F1", border=1, text_wrap=True, align="center")
    cell = {
        "text": {"border": 1, "text_wrap": True},
        "count": {"border": 1, "num_format": "#,##0"},
        "decimal": {"border": 1, "num_format": "#,##0.0"},
        "int": {"border": 1, "num_format": "0", "align": "center"},
        "pct": {"border": 1, "num_format": "0.0%"},
        "rate": {"border": 1, "num_format": '0.0"%"'},
        "pts": {"border": 1, "num_format": "+0.0;−0.0;0.0"},
        "date": {"border": 1, "num_format": 'yyyy"年"m"月"d"日"'},
        "status": {"border": 1, "align": "center"},
    }
    formats = {(kind, bold): fmt(**spec, bold=bold) for kind, spec in cell.items() for bold in (False, True)}
    fills = {
        key: fmt(
            border=1, align="center", bold=True, bg_color=color, font_color="#000000" if key == "behind" else "#FFFFFF"
        )
        for key, color in ui.STATUS_COLORS.items()
    }
    used: set[str] = set()
    for table in tables:
        name = re.sub(r"[\[\]:*?/\\]", "", table.sheet)[:31] or "数据"
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        _write_sheet(book.add_worksheet(name), table, title_fmt, sub_fmt, head_fmt, formats, fills)
    book.close()
    return buffer.getvalue()


def _write_sheet(sheet: Any, table: Table, title_fmt, sub_fmt, head_fmt, formats, fills) -> None:
    frame = table.frame.reset_index(drop=True)
    rate_rows = frame[RATE_MARK].fillna(False).astype(bool) if RATE_MARK in frame else pd.Series(False, frame.index)
    total_rows = frame[TOTAL_MARK].fillna(False).astype(bool) if TOTAL_MARK in frame else pd.Series(False, frame.index)
    frame = frame[[c for c in frame.columns if c not in MARKS]]
    headers = [str(c) for c in frame.columns]
    kinds = {h: column_kind(h, frame[c], table.kinds) for h, c in zip(headers, frame.columns)}
    ncols = max(len(headers), 1)
    last = ncols - 1

    def line(row: int, text: str, fmt: Any) -> None:
        if last:
            sheet.merge_range(row, 0, row, last, text, fmt)
        else:
            sheet.write_string(row, 0, text, fmt)

    line(0, table.title, title_fmt)
    sheet.set_row(0, 28)
    basis = [f"依据：{table.basis}"] if table.basis else []
    if table.as_of:
        basis.append(f"截至：{ui.fmt_date(table.as_of)}")
    if table.period:
        basis.append(f"期次：{table.period}")
    row = 1
    if basis:
        line(row, "　".join(basis), sub_fmt)
        row += 1
    if table.units:
        line(row, table.units, sub_fmt)
        row += 1
    header_row = row
    for col, header in enumerate(headers):
        sheet.write_string(header_row, col, header, head_fmt)
    for col, width in enumerate(_widths(frame, kinds)):
        sheet.set_column(col, col, width)
    sheet.set_row(header_row, 30)
    rate_flags = rate_rows.tolist()
    total_flags = total_rows.tolist()
    for col, header in enumerate(headers):
        kind = kinds[header]
        values = frame.iloc[:, col].tolist()
        missing = pd.isna(frame.iloc[:, col]).tolist()
        for i, value in enumerate(values):
            r = header_row + 1 + i
            bold = total_flags[i]
            this = table.rate_kinds.get(header, "rate" if kind == "count" else kind) if rate_flags[i] else kind
            if missing[i]:
                sheet.write_blank(r, col, None, formats[("text" if this == "status" else this, bold)])
            elif isinstance(value, str) or this in ("text", "status"):
                text = clean_text(value)
                status = _status_key(text) if this == "status" else None
                sheet.write_string(r, col, text, fills[status] if status else formats[("text", bold)])
            elif this == "date":
                sheet.write_datetime(r, col, pd.Timestamp(value).to_pydatetime(), formats[(this, bold)])
            elif this == "pct":
                sheet.write_number(r, col, ui.round_half_up(value, 1) / 100, formats[(this, bold)])
            elif this in ("pts", "rate", "decimal"):
                sheet.write_number(r, col, ui.round_half_up(value, 1), formats[(this, bold)])
            else:
                sheet.write_number(r, col, ui.whole(value), formats[(this, bold)])
    first_data = header_row + 1
    sheet.freeze_panes(first_data, 0)
    notes_row = first_data + len(frame) + 1
    for k, note in enumerate(table.notes):
        line(notes_row + k, note, sub_fmt)
        sheet.set_row(notes_row + k, 15 * max(1, -(-_text_width(note) // int(sum(_widths(frame, kinds)) or 1))))
    # print: A4 landscape, one page wide, title rows on every page, 制表单位 / 制表日期, 第N页 共M页
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    sheet.repeat_rows(header_row)
    made_on = table.made_on or dt.date.today()
    maker = table.maker or issuer() or "　" * 8
    sheet.set_header(f"&L制表单位：{_header_text(maker)}&R制表日期：{ui.fmt_date(made_on)}")
    sheet.set_footer("&C第&P页 共&N页")


def to_xlsx(
    frame: pd.DataFrame,
    sheet: str = "数据",
    notes: Iterable[str] = (),
    *,
    title: str | None = None,
    basis: str | None = None,
    as_of: dt.date | None = None,
    period: str | None = None,
    units: str | None = None,
    kinds: Mapping[str, str] | None = None,
    plan: str | None = None,
) -> bytes:
    """A page table (Chinese headers) as a print-ready one-sheet workbook (see :func:`write_xlsx`); ``plan``
    names the 制表单位 when the settings do not."""
    table = Table(
        frame=frame,
        title=title or sheet,
        sheet=sheet,
        basis=basis,
        as_of=as_of,
        period=period,
        notes=list(notes),
        kinds=dict(kinds or {}),
        maker=issuer(plan) or None,
    )
    if units is not None:
        table.units = units
    return write_xlsx(table)


def safe_text(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (= + - @ at the start) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as CSV cells: whole numbers without '.0', percentages to one decimal, text neutralised."""
    out = frame[[c for c in frame.columns if c not in MARKS]].copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_bool_dtype(values):
            continue
        if pd.api.types.is_numeric_dtype(values):
            finite = values.dropna()
            kind = column_kind(str(column), values)
            if kind in ("pct", "pts", "decimal"):
                out[column] = values.map(lambda v: None if ui._missing(v) else ui.round_half_up(v, 1))
            elif kind in ("count", "int") or len(finite) == 0 or (finite.astype(float) % 1 == 0).all():
                out[column] = pd.array([None if ui._missing(v) else ui.whole(v) for v in values], dtype="Int64")
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            out[column] = values.map(lambda v: safe_text(clean_text(v)) if isinstance(v, str) else v)
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV with a BOM so that Excel opens the Chinese headers; nothing in it runs as a formula."""
    return csv_frame(frame).to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8-sig")
