"""Ready-to-send biweekly reports: the dispatch table as a formatted .xlsx and a Chinese 通报 summary.

Both are built from the ``dispatch`` query's rows, so the page, the workbook, the text and
``python -m tracker query dispatch`` always show the same figures.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from tracker import ui

UNIT_WORD = {"province": "全省", "city": "全市", "county": "全县", "school": "各院校"}

# column id, header, width, kind (text|int|pct|pts|rank)
DISPATCH_COLUMNS = [
    ("unit_name", "单位", 14, "text"),
    ("metric_label", "指标", 22, "text"),
    ("target", "年度任务", 11, "num"),
    ("unit", "计量单位", 8, "text"),
    ("increment", "本期新增", 10, "num"),
    ("cumulative", "累计完成", 11, "num"),
    ("pct", "完成率", 9, "pct"),
    ("expected_pct", "时序进度", 9, "pct"),
    ("gap_pts", "滞后(百分点)", 11, "pts"),
    ("rank", "排名", 6, "int"),
    ("rank_change", "排名变化", 8, "int"),
    ("status_label", "状态", 9, "text"),
    ("needed_per_period", "每期需完成", 11, "num"),
    ("source_label", "依据", 22, "text"),
]


def dispatch_table(dispatch: pd.DataFrame) -> pd.DataFrame:
    """The dispatch rows with labels, in the shape an office sends up (one row per unit and metric)."""
    table = dispatch.copy()
    table["metric_label"] = table["metric"].map(ui.metric_label)
    table["unit"] = table["metric"].map(lambda m: ui.metric_info(m)["unit"])
    table["status_label"] = table["status"].map(ui.STATUS_LABELS).fillna("—")
    table["source_label"] = table["source"].map(ui.source_label)
    return table


def period_label(row: pd.Series) -> str:
    start, end, on = (pd.Timestamp(row[c]).date() for c in ("period_start", "period_end", "measured_on"))
    text = f"第{int(row['period']) + 1}期（{ui.fmt_date(start)}—{ui.fmt_date(end)}）"
    return text if on >= end else text + f"，截至{ui.fmt_date(on)}"


def build_xlsx(dispatch: pd.DataFrame, plan: dict[str, str], demo: bool = False) -> bytes:
    """The dispatch table as a formatted workbook: title, units, frozen header, % formats, status colours, notes."""
    table = dispatch_table(dispatch)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        book = writer.book
        sheet = book.add_worksheet("双周调度")
        writer.sheets["双周调度"] = sheet
        title = book.add_format({"bold": True, "font_size": 14})
        sub = book.add_format({"font_color": "#555555"})
        head = book.add_format(
            {
                "bold": True,
                "bg_color": "#DCE6F1",
                "border": 1,
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
            }
        )
        fmt = {
            "text": book.add_format({"border": 1}),
            "num": book.add_format({"border": 1, "num_format": "#,##0"}),
            "int": book.add_format({"border": 1, "num_format": "0;-0;0"}),
            "pct": book.add_format({"border": 1, "num_format": "0.0%"}),
            "pts": book.add_format({"border": 1, "num_format": "0.0"}),
        }
        fills = {
            key: book.add_format({"border": 1, "bg_color": color, "font_color": "#FFFFFF", "bold": True})
            for key, color in ui.STATUS_COLORS.items()
        }
        as_of = pd.Timestamp(table["measured_on"].iloc[0]).date() if len(table) else None
        sheet.write(0, 0, f"{plan['name']} 双周调度表", title)
        sheet.write(
            1,
            0,
            f"依据：{plan['document']}　截至：{ui.fmt_date(as_of)}"
            + (f"　{period_label(table.iloc[0])}" if len(table) else ""),
            sub,
        )
        sheet.write(2, 0, "计量单位：人（人次、%见“单位”列）；完成率、时序进度为百分比，滞后为百分点", sub)
        header_row = 3
        for col, (_, header, width, _) in enumerate(DISPATCH_COLUMNS):
            sheet.write(header_row, col, header, head)
            sheet.set_column(col, col, width)
        for i, (_, row) in enumerate(table.iterrows(), start=header_row + 1):
            for col, (key, _, _, kind) in enumerate(DISPATCH_COLUMNS):
                value = row[key]
                if pd.isna(value) if not isinstance(value, str) else False:
                    sheet.write_blank(i, col, None, fmt["text"])
                elif kind == "pct":
                    sheet.write_number(i, col, float(value) / 100, fmt["pct"])
                elif kind in ("num", "int", "pts"):
                    sheet.write_number(i, col, float(value), fmt[kind])
                elif key == "status_label" and row["status"] in fills:
                    sheet.write(i, col, value, fills[row["status"]])
                else:
                    sheet.write(i, col, value, fmt["text"])
        sheet.freeze_panes(header_row + 1, 2)
        notes_row = header_row + len(table) + 2
        notes = [
            "说明：完成率=累计完成÷年度任务；时序进度按计划起止日期（及文件规定的节点）线性计算；"
            "滞后=时序进度−完成率；比率类指标（持证率、就业率）以目标值为时序进度。",
            "状态：达到进度＝完成率不低于时序进度；略滞后＝差距在10个百分点以内；滞后＝差距超过10个百分点。",
            "排名按完成率由高到低；排名变化为与上一期相比上升(+)或下降(−)的位次。每期需完成＝剩余任务÷剩余双周期数。",
            "“依据”列为文件文号；标“示例”的任务为文件未分解到本单位的示意分配。",
        ]
        if demo:
            notes.append("演示数据：本表数字由演示数据生成，不代表真实进度。")
        for k, note in enumerate(notes):
            sheet.write(notes_row + k, 0, note, sub)
    return buffer.getvalue()


def summary_text(progress: pd.DataFrame, plan: dict[str, str], as_of: dt.date, demo: bool = False) -> str:
    """A 通报 paragraph from the progress rows: headline unit's figures, then the lagging metrics and units."""
    if progress.empty:
        return f"截至{ui.fmt_date(as_of)}，{plan['name']}暂无可计算的指标。"
    order = {"province": 0, "city": 1, "county": 2, "school": 3}
    top_type = min(progress["unit_type"], key=lambda t: order.get(t, 9))
    top = progress[progress["unit_type"] == top_type]
    top_units = top["unit_code"].unique()
    headline = top[top["unit_code"] == top_units[0]] if len(top_units) == 1 else None
    parts = []
    if headline is not None:
        word = UNIT_WORD.get(top_type, "")
        sentences = []
        for _, row in headline.sort_values("position").iterrows():
            info = ui.metric_info(row["metric"])
            if row["kind"] == "rate":
                sentences.append(f"{info['label']}{ui.fmt_pct(row['actual'])}（目标{ui.fmt_pct(row['target'], 0)}）")
                continue
            gap = row["expected_pct"] - row["pct"]
            tail = f"滞后{gap:.1f}个百分点" if gap > 0 else f"超出{-gap:.1f}个百分点"
            sentences.append(
                f"{info['label']}累计{ui.fmt_int(row['actual'], info['unit'])}，完成年度任务"
                f"{ui.fmt_pct(row['pct'])}，时序进度{ui.fmt_pct(row['expected_pct'])}，{tail}"
            )
        parts.append(f"截至{ui.fmt_date(as_of)}，{word}" + "；".join(sentences) + "。")
    else:
        parts.append(f"截至{ui.fmt_date(as_of)}，{plan['name']}各单位进度如下。")
    lagging = progress[progress["status"] == "lagging"]
    if headline is not None and len(lagging):
        names = "、".join(ui.metric_label(m) for m in lagging.sort_values("position")["metric"])
        parts.append(f"滞后于时序进度10个百分点以上的指标：{names}。")
    lower = progress[progress["unit_type"] != top_type] if headline is not None else progress
    if len(lower):
        for metric, rows in lower.groupby("metric", sort=False):
            late = rows[rows["status"] == "lagging"].sort_values("pct")
            if late.empty:
                continue
            listed = "、".join(f"{r.unit_name}（{ui.fmt_pct(r.pct)}）" for r in late.head(10).itertuples())
            more = f"等{len(late)}个单位" if len(late) > 10 else ""
            parts.append(f"{ui.metric_label(metric)}滞后的单位：{listed}{more}。")
    on_track = progress["status"].eq("on_track").sum()
    parts.append(f"共{len(progress)}项任务，{on_track}项达到时序进度。依据：{plan['document']}。")
    if demo:
        parts.append("（演示数据）")
    return "\n\n".join(parts)


def write_report(
    plan: str,
    as_of: dt.date | None,
    data: Path,
    out: str | None,
    fmt: str = "xlsx",
    level: str | None = None,
    runner: Any = None,
) -> None:
    from tracker.query import get_runner
    from tracker.store import is_demo

    runner = runner or get_runner(data)  # a tracker.scope.ScopedRunner when the CLI acts as a user (--user)
    as_of = as_of or runner.latest_date()
    info = ui.plan_info(plan) if plan in runner.plans else None
    if info is None:
        from tracker.query import QueryError

        raise QueryError(f"未知计划 {plan}（可用：{', '.join(runner.plans)}）")
    demo = is_demo(runner.data_dir)
    if fmt == "md":
        progress = runner.run("progress", plan=plan, as_of=as_of, level=level)
        text = f"# {info['name']} 双周调度通报\n\n" + summary_text(progress, info, as_of, demo) + "\n"
        if out in (None, "-"):
            sys.stdout.write(text)
        else:
            Path(out).write_text(text, encoding="utf-8")
        return
    if not out:
        from tracker.cli import UsageError

        raise UsageError("--out FILE.xlsx 必填（或使用 --format md 输出文字通报）")
    dispatch = runner.run("dispatch", plan=plan, as_of=as_of, level=level)
    Path(out).write_bytes(build_xlsx(dispatch, info, demo))
    print(f"已写入 {out}（{len(dispatch)} 行，截至{ui.fmt_date(as_of)}）")


# --- interim (issue-14): replaced by issue-11's versions on merge
def dispatch_xlsx(runner: object, plan: str, as_of: dt.date, level: str | None) -> bytes:
    """The dispatch workbook of the period holding ``as_of`` (interim: build_xlsx over the dispatch query)."""
    from tracker.store import is_demo

    dispatch = runner.run("dispatch", plan=plan, as_of=as_of, level=level)
    return build_xlsx(dispatch, ui.plan_info(plan), is_demo(runner.data_dir))


def bulletin_text(runner: object, plan: str, as_of: dt.date, level: str | None) -> str:
    """The 通报 text as of ``as_of`` (interim: summary_text over the progress query)."""
    from tracker.store import is_demo

    progress = runner.run("progress", plan=plan, as_of=as_of, level=level)
    return summary_text(progress, ui.plan_info(plan), as_of, is_demo(runner.data_dir))


def bulletin_docx(runner: object, plan: str, as_of: dt.date, level: str | None) -> bytes:
    """The 通报 as a Word document (interim: the text of bulletin_text, one paragraph per block)."""
    import docx

    info = ui.plan_info(plan)
    document = docx.Document()
    document.add_heading(f"{info['name']} 双周调度通报", level=1)
    for block in bulletin_text(runner, plan, as_of, level).split("\n\n"):
        document.add_paragraph(block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
