"""The documents an office sends: the 双周调度 table (.xlsx) and the 通报 (.docx and the same text as .txt).

Agreed API (others call these; ``runner`` is a :class:`tracker.query.Runner`):

    dispatch_xlsx(runner, plan, as_of, level) -> bytes
    bulletin_docx(runner, plan, as_of, level) -> bytes
    bulletin_text(runner, plan, as_of, level) -> str

``level`` is the level whose units the table and the 通报 list (province, city, county, school); None means the
plan's own top level. Only units that carry a target at that level are listed and counted. All figures come from
the ``progress`` and ``dispatch`` queries, so the page, the workbook, the text and ``python -m tracker query``
agree. The 通报's layout (heading, 主送, numbered sections, 落款) is in :mod:`tracker.bulletin`.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from tracker import export, ui

if TYPE_CHECKING:
    from tracker.query import Runner

UNIT_WORD = {"province": "全省", "city": "全市", "county": "全县", "school": "各院校"}
LEVEL_WORD = {"province": "省", "city": "市", "county": "县（市、区）", "school": "院校（教育局）"}
COUNTER = {"province": "个", "city": "个市", "county": "个县（市、区）", "school": "个单位"}

# column id, header, kind (export kinds: text, status, count, int, pct, pts)
DISPATCH_COLUMNS = [
    ("unit_label", "单位", "text"),
    ("metric_label", "指标", "text"),
    ("unit", "计量单位", "text"),
    ("target", "年度任务", "count"),
    ("increment", "本期新增", "count"),
    ("cumulative", "累计完成", "count"),
    ("pct", "完成率", "pct"),
    ("expected_pct", "时序进度", "pct"),
    ("gap", "差距（百分点）", "pts"),
    ("rank", "排名", "int"),
    ("rank_change", "排名变化", "int"),
    ("status_label", "状态", "status"),
    ("needed_per_period", "每期需完成", "count"),
    ("source_label", "依据", "text"),
]
RANK_HEADERS = ("排名", "排名变化")
DISPATCH_NOTES = [
    "说明：完成率＝累计完成÷年度任务；时序进度按计划起止日期（及文件规定的节点）线性计算；"
    "差距＝完成率−时序进度（负数为落后）；比率类指标（持证率、就业率）以目标值为时序进度。",
    "状态：达到进度＝完成率不低于时序进度；略滞后＝低于时序进度不到10个百分点；滞后＝低于10个百分点及以上；"
    "无数据＝统计期内尚无可计算的数据；未开始＝计划尚未开始。",
    "排名按完成率由高到低；排名变化为与上一期相比上升(+)或下降(−)的位次。每期需完成＝剩余任务÷剩余双周期数。"
    "合计为各单位之和。",
    "“依据”列为文件文号；标“示例”的任务为文件未分解到本单位的示意分配。",
]


# ---------------------------------------------------------------- shared pieces


def period_label(row: pd.Series | dict[str, Any]) -> str:
    """'第21期（2023年10月8日—2023年10月21日），截至2023年10月20日'."""
    start, end, on = (pd.Timestamp(row[c]).date() for c in ("period_start", "period_end", "measured_on"))
    text = f"第{int(row['period']) + 1}期（{ui.fmt_date(start)}—{ui.fmt_date(end)}）"
    return text if on >= end else text + f"，截至{ui.fmt_date(on)}"


def data_date(runner: Runner, as_of: dt.date) -> dt.date:
    """Figures stand as of the latest business date in the data when the as-of date lies beyond it (§4)."""
    return min(as_of, runner.latest_date())


def targeted(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows that carry a target: only they are tasks (units without a target are not counted)."""
    return rows[rows["target"].notna()] if "target" in rows else rows


def top_level(rows: pd.DataFrame) -> str:
    return min(rows["unit_type"], key=lambda t: ui.UNIT_ORDER.get(t, 9))


def with_gap(rows: pd.DataFrame) -> pd.DataFrame:
    """差距 = pct − expected_pct (CONTRACT §4, negative = behind), computed here from the two columns so that
    texts and exports carry §4's sign whichever sign the query's gap_pts column has."""
    return rows.assign(gap=rows["pct"] - rows["expected_pct"])


def worst_first(rows: pd.DataFrame) -> pd.DataFrame:
    """By metric (the document's order), then the most behind first; no-data rows last."""
    order = rows["status"].map(ui.STATUS_ORDER).fillna(9)
    return (
        rows.assign(_order=order)
        .sort_values(["position", "gap", "_order", "unit_code"], na_position="last", kind="stable")
        .drop(columns="_order")
    )


def dispatch_table(dispatch: pd.DataFrame) -> pd.DataFrame:
    """The dispatch rows with labels, in the shape an office sends up (one row per unit and metric)."""
    table = with_gap(dispatch)
    table["unit_label"] = [
        ui.unit_display(t, c, n) for t, c, n in zip(table["unit_type"], table["unit_code"], table["unit_name"])
    ]
    table["metric_label"] = table["metric"].map(ui.metric_label)
    table["unit"] = table["metric"].map(lambda m: ui.metric_info(m)["unit"])
    table["status_label"] = table["status"].map(ui.status_label)
    table["source_label"] = table["source"].map(ui.source_label)
    return table


def dispatch_frame(dispatch: pd.DataFrame) -> pd.DataFrame:
    """The table as printed: Chinese headers, worst first within each metric, a 合计 row per count metric
    with more than one unit, rank columns only where several units are ranked."""
    table = worst_first(dispatch_table(targeted(dispatch)))
    single = table["unit_code"].nunique() <= 1
    if single:  # one unit: its tasks, the most behind first
        table = table.assign(position=0).sort_values(["gap"], na_position="last", kind="stable")
    blocks = []
    for _, rows in table.groupby("position", sort=True):
        block = rows[[key for key, _, _ in DISPATCH_COLUMNS]].rename(
            columns={key: header for key, header, _ in DISPATCH_COLUMNS}
        )
        block[export.RATE_MARK] = (rows["kind"] == "rate").to_numpy()
        block[export.TOTAL_MARK] = False
        blocks.append(block)
        if len(rows) > 1 and (rows["kind"] == "count").all():
            target, done = rows["target"].sum(), rows["cumulative"].sum()
            pct = 100.0 * done / target if target else None
            expected = rows["expected_pct"].iloc[0] if rows["expected_pct"].nunique() == 1 else None
            total = {
                "单位": "合计",
                "指标": rows["metric_label"].iloc[0],
                "计量单位": rows["unit"].iloc[0],
                "年度任务": target,
                "本期新增": rows["increment"].sum(),
                "累计完成": done,
                "完成率": pct,
                "时序进度": expected,
                "差距（百分点）": None if pct is None or expected is None else pct - expected,
                "每期需完成": rows["needed_per_period"].sum(),
                export.RATE_MARK: False,
                export.TOTAL_MARK: True,
            }
            blocks.append(pd.DataFrame([total]))
    frame = (
        pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame(columns=[h for _, h, _ in DISPATCH_COLUMNS])
    )
    if single:
        frame = frame.drop(columns=[h for h in RANK_HEADERS if h in frame])
    return frame


def dispatch_workbook(
    dispatch: pd.DataFrame, plan: dict[str, str], demo: bool = False, maker: str | None = None
) -> bytes:
    """The dispatch rows (one period, one level) as the print-ready workbook (``maker``: 制表单位)."""
    rows = targeted(dispatch)
    level = top_level(rows) if len(rows) else None
    period = period_label(rows.iloc[0]) if len(rows) else None
    as_of = pd.Timestamp(rows["measured_on"].iloc[0]).date() if len(rows) else None
    level_text = f"（{LEVEL_WORD.get(level, '')}）" if level and rows["unit_code"].nunique() > 1 else ""
    notes = list(DISPATCH_NOTES)
    if demo:
        notes.append(ui.DEMO_NOTE)
    table = export.Table(
        frame=dispatch_frame(dispatch),
        title=f"{plan['name']}双周调度表{level_text}",
        sheet="双周调度",
        basis=plan["document"],
        as_of=as_of,
        period=period.split("，")[0] if period else None,
        units="计量单位：见“计量单位”列（比率类指标为%）；完成率、时序进度为百分比，差距为百分点（负数为落后）",
        notes=notes,
        kinds={header: kind for _, header, kind in DISPATCH_COLUMNS},
        rate_kinds={"年度任务": "rate", "累计完成": "rate", "本期新增": "pts"},
        maker=maker,
    )
    return export.write_xlsx(table)


def issuer_for(plan: str) -> str:
    """制表单位 / 发文单位 of a plan: ``[bulletin] issuer``, else the office of the plan's top unit (targets.csv)."""
    return export.issuer(plan)


def dispatch_xlsx(runner: Runner, plan: str, as_of: dt.date, level: str | None) -> bytes:
    """The 双周调度 table of the period holding the data date, for the chosen level's units."""
    from tracker import bulletin
    from tracker.store import is_demo

    on = data_date(runner, as_of)
    everything = targeted(runner.run("dispatch", plan=plan, as_of=on))
    top = everything[everything["unit_type"] == top_level(everything)] if len(everything) else everything
    rows = everything[everything["unit_type"] == (level or top_level(everything))] if len(everything) else everything
    maker = bulletin.issuer(top["unit_name"].iloc[0] if len(top) else "")
    return dispatch_workbook(rows, ui.plan_info(plan), is_demo(runner.data_dir), maker)


def bulletin_text(runner: Runner, plan: str, as_of: dt.date, level: str | None) -> str:
    """The 通报 as plain text (the same words as the .docx)."""
    from tracker import bulletin

    return bulletin.render_text(bulletin.compose(runner, plan, as_of, level))


def bulletin_docx(runner: Runner, plan: str, as_of: dt.date, level: str | None) -> bytes:
    """The 通报 as a Word document in the layout of a government notice (GB/T 9704 proportions)."""
    from tracker import bulletin

    return bulletin.render_docx(bulletin.compose(runner, plan, as_of, level))


# ---------------------------------------------------------------- command line


def write_report(
    plan: str,
    as_of: dt.date | None,
    data: Path,
    out: str | None,
    fmt: str = "xlsx",
    level: str | None = None,
    runner: Any = None,
) -> None:
    """``python -m tracker report``: xlsx (the dispatch table), docx (the 通报), txt / md (the 通报's text)."""
    from tracker.cli import UsageError
    from tracker.query import QueryError, get_runner

    runner = runner or get_runner(data)  # a tracker.scope.ScopedRunner when the CLI acts as a user (--user)
    if plan not in runner.plans:
        raise QueryError(f"未知计划 {plan}（可用：{', '.join(runner.plans)}）")
    if level is not None and level not in LEVEL_WORD:
        raise UsageError(f"--level 应为 {' / '.join(LEVEL_WORD)} 之一：{level}")
    if as_of is None:  # the latest data date, but a finished plan is reported on its deadline
        from tracker import coverage

        as_of = coverage.default_as_of(plan, runner.latest_date())
    if fmt in ("txt", "md"):
        text = bulletin_text(runner, plan, as_of, level)
        if out in (None, "-"):
            sys.stdout.write(text)
        else:
            _write(out, text.encode("utf-8"))
        return
    if not out or out == "-":
        raise UsageError(f"--out 文件名必填（.{fmt}）；文字通报请用 --format txt")
    payload = dispatch_xlsx(runner, plan, as_of, level) if fmt == "xlsx" else bulletin_docx(runner, plan, as_of, level)
    _write(out, payload)
    print(f"已写入 {out}（截至{ui.fmt_date(data_date(runner, as_of))}）")


def _write(out: str, payload: bytes) -> None:
    from tracker.cli import UsageError

    path = Path(out)
    if not path.parent.exists():
        raise UsageError(f"输出文件夹不存在：{path.parent}")
    try:
        path.write_bytes(payload)
    except OSError as exc:
        raise UsageError(f"无法写入 {path.name}：{exc.strerror}") from None
