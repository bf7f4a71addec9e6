"""录入及时率 (不录不补, seeds 002 · 003): how promptly completed trainings reach the real-name system.

The figures are the named queries ``queries/timeliness_{county,institution,unit}.sql`` over the one definition in
``queries/models/55_entry_timeliness.sql`` (which the compliance late-entry check shares). This module only fills in
the operator's settings: the window N (``[timeliness] days``, default 30) and 不录不补's limit, the late-entry check's
own default (:data:`tracker.compliance.DEFAULT_MAX_DAYS`). The 通报 and the briefs call :func:`league`.

Certificates carry no 录入日期 in the contract (CONTRACT §1), so the league measures training records only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import pandas as pd

from tracker import compliance, settings

DEFAULT_DAYS = 30
LEVELS = ("county", "institution")


class _Runs(Protocol):
    def run(self, name: str, **params: Any) -> pd.DataFrame: ...


def window_days() -> int:
    """N of 录入及时率: records entered within N days of completion count as timely (settings [timeliness] days)."""
    value = settings.get("timeliness", "days", DEFAULT_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return days if days > 0 else DEFAULT_DAYS


def limit_days() -> int:
    """不录不补's limit: the compliance late-entry check's days (one definition, shared)."""
    return compliance.DEFAULT_MAX_DAYS


def params(as_of: dt.date, year: int | None = None, unit: str | None = None) -> dict[str, Any]:
    return {"as_of": as_of, "year": year, "unit": unit, "days": window_days(), "max_days": limit_days()}


def league(
    runner: _Runs,
    as_of: dt.date,
    by: str = "county",
    *,
    year: int | None = None,
    unit: str | None = None,
    min_completed: int | None = None,
) -> pd.DataFrame:
    """The ranked league per county or per institution (rank 1 = most timely), within region ``unit`` if given.

    ``min_completed`` ranks only institutions with at least that many completions (small ones rank by chance).
    Columns: rank, ranked_units, county_code/county_name/city_name or institution_id, completed, due, timely,
    timely_pct (0–100, NULL when nothing is due), median_lag (days; negative = entered before completion), late.
    """
    if by not in LEVELS:
        raise ValueError(f"by must be one of {LEVELS}: {by}")
    extra = {"min_completed": min_completed} if by == "institution" and min_completed else {}
    return runner.run(f"timeliness_{by}", **params(as_of, year, unit), **extra)


def unit_figures(runner: _Runs, as_of: dt.date, unit: str, *, year: int | None = None) -> dict[str, Any] | None:
    """One region unit's figures and its rank among the units of its level; None for a unit that is not a region."""
    df = runner.run("timeliness_unit", **params(as_of, year, unit))
    if df.empty:
        return None
    return df.iloc[0].to_dict()


HEADERS = {
    "rank": "排名",
    "county_name": "县(市、区)",
    "city_name": "所属市",
    "institution_id": "培训机构",
    "completed": "结业记录",
    "due": "已满期限",
    "timely": "按期录入",
    "timely_pct": "录入及时率",
    "median_lag": "录入间隔中位数(天)",
    "late": "超期录入(不录不补)",
}


def display_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The league with Chinese headers; a county row carries its city (两个“城区”)."""
    out = df.copy()
    if "county_name" in out:
        out["county_name"] = [
            f"{c}·{n}" if isinstance(c, str) else n for c, n in zip(out["city_name"], out["county_name"])
        ]
    keep = [c for c in HEADERS if c in out and c != "city_name"]
    return out[keep].rename(columns=HEADERS)
