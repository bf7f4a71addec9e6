"""What 双周调度 draws from the dispatch query: the table in the shape an office sends up (tracker.report holds the
rules and documents). Built once per data and choice for every session (pages call it through app.shared)."""

from __future__ import annotations

import pandas as pd

from tracker import report, ui


def dispatch_shown(view: pd.DataFrame, single_unit: bool) -> tuple[pd.DataFrame, list[str]]:
    """The dispatch rows of one level (and metric), worst first, with Chinese headers and formatted cells, and the
    columns to show (ranks only among several units; the metric column only for one unit)."""
    table = report.worst_first(report.dispatch_table(view))
    shown = table.rename(columns={key: header for key, header, _ in report.DISPATCH_COLUMNS})
    for column in ("年度任务", "本期新增", "累计完成", "每期需完成"):
        shown[column] = [ui.fmt_value(v, u) for v, u in zip(shown[column], table["unit"], strict=True)]
    for column in ("完成率", "时序进度", "差距（百分点）"):
        shown[column] = [None if ui._missing(v) else ui.round_half_up(v, 1) for v in shown[column]]
    shown["状态"] = [ui.status_text(s) for s in table["status"]]
    shown["进度"] = [
        ui.progress_bar(p, s, e) for p, s, e in zip(table["pct"], table["status"], table["expected_pct"], strict=True)
    ]
    columns = [h for key, h, _ in report.DISPATCH_COLUMNS if key != "unit"]
    columns.insert(columns.index("完成率"), "进度")
    if single_unit:  # one unit: ranks among units mean nothing
        columns = [c for c in columns if c not in report.RANK_HEADERS]
    else:  # one metric, chosen above
        columns = [c for c in columns if c != "指标"]
    return shown[columns], columns
