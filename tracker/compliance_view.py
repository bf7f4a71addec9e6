"""What 合规核查 draws from ``compliance_summary`` and a page of records: cards, the county chart, the per-check
tables (shared across sessions through :func:`tracker.app.shared`; figures and rules: tracker.compliance)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from tracker import charts, compliance, timeliness

PALETTE = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de"]


def county_figure(matrix: pd.DataFrame) -> go.Figure:
    """Flagged records per county, stacked by check (the counties with most findings first)."""
    fig = go.Figure()
    for (cid, check), color in zip(compliance.CHECKS.items(), PALETTE, strict=False):
        fig.add_bar(y=matrix["county_name"], x=matrix[cid], name=check.label, orientation="h", marker_color=color)
    fig.update_layout(
        barmode="stack",
        height=max(260, 90 + 28 * len(matrix)),
        font=charts.FONT,
        margin=dict(l=10, r=10, t=70, b=10),
        plot_bgcolor="white",
        title=f"问题记录最多的县(市、区)（前{len(matrix)}个）",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, traceorder="normal"),
    )
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title="问题记录数", gridcolor="#eee", separatethousands=True)
    return fig


def summary_view(summary: pd.DataFrame) -> dict[str, Any]:
    """Everything the page shows from the summary: ``totals`` per check, the county ``figure`` (None when nothing
    was found) and per check with findings its ``counties`` and ``institutions`` tables (Chinese headers)."""
    totals = compliance.summary_counts(summary)
    matrix = compliance.summary_county_matrix(summary)
    tables = {}
    for cid in compliance.CHECKS:
        if not totals[cid]["records"]:
            continue
        counties = compliance.summary_by_unit(summary, cid, "county").drop(columns="county_code")
        institutions = compliance.summary_by_unit(summary, cid, "institution")
        tables[cid] = {
            "counties": counties.rename(columns=compliance.COLUMN_HEADERS),
            "institutions": institutions.rename(columns=compliance.COLUMN_HEADERS),
        }
    return {"totals": totals, "figure": county_figure(matrix) if len(matrix) else None, "tables": tables}


def records_frame(records: pd.DataFrame) -> pd.DataFrame:
    """One page of a check's records as shown (masked persons, Chinese labels and headers)."""
    return compliance.display_frame(records)


def league_frame(league: pd.DataFrame) -> pd.DataFrame:
    """The timeliness league as shown (Chinese headers, a county with its city)."""
    return timeliness.display_frame(league)
