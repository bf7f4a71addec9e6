"""What 总览 draws from progress and biweekly: the headline cards of the plan's top unit (built once per data and
plan for every session: the page calls these through app.shared)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tracker import ui


def headline(progress: pd.DataFrame, series: pd.DataFrame) -> dict[str, Any]:
    """The top unit's name, its rows (``rows``: ui.headline_rows) and one card per metric: ``title`` (label and
    status), ``value``, ``delta`` (change since the previous biweekly period), ``captions``."""
    rows = ui.headline_rows(progress)
    current = series[series["period"] == series.groupby(["unit_code", "metric"])["period"].transform("max")]
    change_of = {
        (u, m): inc for u, m, inc in zip(current["unit_code"], current["metric"], current["increment"], strict=True)
    }
    cards = []
    for row in rows.itertuples():
        info = ui.metric_info(row.metric)
        change = change_of.get((row.unit_code, row.metric))
        if row.kind == "rate":
            pending = getattr(row, "pending", None)
            first = f"目标 ≥{ui.fmt_pct(row.target)} · 差距 {ui.fmt_pts(ui.gap_of(row.actual, row.target))}" + (
                f" · 到期{ui.fmt_int(row.denominator)}，待核实{ui.fmt_int(pending)}" if pd.notna(pending) else ""
            )
        else:
            first = (
                f"目标 {ui.fmt_wan(row.target, info['unit'])} · 完成 {ui.fmt_pct(row.pct)} · "
                f"时序 {ui.fmt_pct(row.expected_pct)} · 差距 {ui.fmt_pts(ui.gap_of(row.pct, row.expected_pct))}"
            )
        cards.append(
            {
                "title": f"**{info['label']}** {ui.status_text(row.status)}",
                "value": ui.fmt_value(row.actual, info["unit"], wan=True),
                "delta": ui.fmt_change(change, info["unit"]),
                "delta_color": "off" if not change else "normal",
                "captions": [first, f"依据：{ui.source_label(row.source)}"],
            }
        )
    return {"unit_name": rows["unit_name"].iloc[0], "rows": rows, "cards": cards}
