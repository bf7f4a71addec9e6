"""Compliance checks (合规核查): the rules, their seed documents and how their findings are summed up.

Each check is a named query ``queries/compliance_<check>.sql`` returning one row per flagged record, with at least
``check_id, year, person_id, county_code, county_name, institution_id``, one page of them with ``limit`` / ``offset``.
The rules themselves live only in SQL (over the compliance aggregates, queries/aggregates/2x_*.sql);
``queries/compliance_summary.sql`` sums the same findings up per check, county and institution, so the page never
loads a whole list (only a download does). This module names the checks, reads the summary, and masks person keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tracker import pii


@dataclass(frozen=True)
class Check:
    id: str
    query: str
    label: str
    short: str  # for cards
    seed: str
    rule: str  # the sentence of the document the check enforces
    unit: str  # what a finding is (条记录 / 张证书)


CHECKS: dict[str, Check] = {
    c.id: c
    for c in (
        Check(
            "repeat_level",
            "compliance_repeat_level",
            "同一职业同一等级重复培训",
            "同级重复培训",
            "001、003",
            "每人每年可参加补贴性培训不超过3次，但同一职业同一等级不可重复参加（001）；"
            "企业职工培训同一工种同一等级同一年度内不得重复培训（003）。按开班年度统计，不含退出的记录。",
            "条培训记录",
        ),
        Check(
            "over_three",
            "compliance_over_three",
            "一年内补贴性培训超过3次",
            "年培训超3次",
            "001",
            "原则上每人每年可参加补贴性培训不超过3次（001）。按开班年度统计，不含退出的记录。",
            "条培训记录",
        ),
        Check(
            "cert_twice",
            "compliance_cert_twice",
            "同一等级重复取证",
            "同级重复取证",
            "003",
            "取证补贴只针对新增技能人才和新增高技能人才，同一等级只能享受一次取证补贴（003）。"
            "统计职业资格证书和职业技能等级证书；第1张之后的为重复。",
            "张证书",
        ),
        Check(
            "late_entry",
            "compliance_late_entry",
            "结业后逾期录入",
            "逾期录入",
            "002、003",
            "严格落实“不录不补”，按时间节点实时录入系统数据（002、003）。结业日期到录入日期超过规定天数即列出。",
            "条培训记录",
        ),
        Check(
            "no_outcome",
            "compliance_no_outcome",
            "结业但无合格记录也无证书",
            "无合格无证书",
            "001",
            "参加财政补贴性培训，要按规定取得相应证书（001）。列出结业但未标记培训合格、也没有对应证书的记录。",
            "条培训记录",
        ),
    )
}

DEFAULT_MAX_DAYS = 90


def params_for(accepted: set[str], **params: Any) -> dict[str, Any]:
    """Only the parameters the check's query declares (the runner refuses unknown ones); None dropped."""
    return {k: v for k, v in params.items() if k in accepted and v is not None}


def run_checks(
    run: Callable[..., pd.DataFrame], declared: Callable[[str], set[str]], **params: Any
) -> dict[str, pd.DataFrame]:
    """Findings of every check. ``run(query, **params)`` runs a named query; ``declared(query)`` its params."""
    return {cid: run(c.query, **params_for(declared(c.query), **params)) for cid, c in CHECKS.items()}


def counts(findings: dict[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    """Records and distinct persons flagged per check."""
    return {
        cid: {"records": len(df), "persons": int(df["person_id"].nunique()) if len(df) else 0}
        for cid, df in findings.items()
    }


# ---------------------------------------------------------------- summed up in SQL (the page: no full lists shipped)

SUMMARY_QUERY = "compliance_summary"
PAGE_ROWS = 200  # records of a check shown per page; the download holds them all


def summary_counts(summary: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Records and distinct persons flagged per check, from ``compliance_summary`` (as :func:`counts` gives)."""
    totals = summary[summary["level"] == "check"].set_index("check_id")
    return {
        cid: {
            "records": int(totals.at[cid, "records"]) if cid in totals.index else 0,
            "persons": int(totals.at[cid, "persons"]) if cid in totals.index else 0,
        }
        for cid in CHECKS
    }


def summary_by_unit(summary: pd.DataFrame, check_id: str, unit: str) -> pd.DataFrame:
    """One check's findings by ``county`` (county_code, county_name) or ``institution`` (institution_id): records and
    distinct persons, largest first (as :func:`by_unit` gives), from ``compliance_summary``."""
    keys = ["county_code", "county_name"] if unit == "county" else ["institution_id"]
    rows = summary[(summary["level"] == unit) & (summary["check_id"] == check_id)]
    out = rows[[*keys, "records", "persons"]].astype({"records": "int64", "persons": "int64"})
    return out.sort_values(["records", keys[0]], ascending=[False, True], kind="stable").reset_index(drop=True)


def summary_county_matrix(summary: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """Flagged records per county (rows, most first, at most ``top``) and check (columns, in CHECKS order), from
    ``compliance_summary`` (as :func:`county_matrix` gives)."""
    rows = summary[summary["level"] == "county"]
    if rows.empty:
        return pd.DataFrame(columns=["county_code", "county_name", *CHECKS])
    wide = rows.pivot_table(
        index=["county_code", "county_name"], columns="check_id", values="records", aggfunc="sum", fill_value=0
    ).reindex(columns=list(CHECKS), fill_value=0)
    wide = wide.assign(_total=wide.sum(axis=1)).sort_values("_total", ascending=False, kind="stable").head(top)
    return wide.drop(columns="_total").reset_index().rename_axis(columns=None)


def shown_records(run: Callable[..., pd.DataFrame], query: str, params: dict[str, Any]) -> pd.DataFrame:
    """Every record of a check as shown (masked, Chinese headers): for a download, built only when clicked."""
    return display_frame(run(query, **params))


def page_params(page: int, rows: int = PAGE_ROWS) -> dict[str, int]:
    """The ``limit`` / ``offset`` of page ``page`` (1-based) of a check's records."""
    return {"limit": rows, "offset": (max(1, page) - 1) * rows}


def summary_for_folder(folder: Path, **params: Any) -> dict[str, dict[str, int]]:
    """Counts per check (all years unless ``year`` is given) on the extracts in ``folder`` (used at import)."""
    from tracker.query import Runner

    runner = Runner(folder)
    declared = {p.name for p in runner.queries[SUMMARY_QUERY].params}
    return summary_counts(runner.run(SUMMARY_QUERY, **params_for(declared, **params)))


def summary_lines(summary: dict[str, dict[str, int]]) -> list[str]:
    lines = []
    for cid, c in CHECKS.items():
        s = summary.get(cid, {"records": 0, "persons": 0})
        lines.append(f"{c.label}（{c.seed}）：{s['records']:,} {c.unit}，涉及 {s['persons']:,} 人")
    return lines


def by_unit(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Findings counted by ``county`` (county_code, county_name) or ``institution`` (institution_id):
    records and distinct persons, largest first."""
    keys = ["county_code", "county_name"] if unit == "county" else ["institution_id"]
    if df.empty:
        return pd.DataFrame(columns=[*keys, "records", "persons"])
    out = (
        df.groupby(keys, dropna=False)
        .agg(records=("person_id", "size"), persons=("person_id", "nunique"))
        .reset_index()
        .sort_values(["records", keys[0]], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    return out


def masked(df: pd.DataFrame) -> pd.DataFrame:
    """The findings with person keys masked (P1a2b****9f0e) — the only form shown or exported."""
    out = df.copy()
    if "person_id" in out and len(out):
        out["person_id"] = out["person_id"].map(pii.mask_person)
    return out


# ---------------------------------------------------------------- display (Chinese headers, labels, masking)

COLUMN_HEADERS = {
    "year": "年度",
    "person_id": "人员（脱敏）",
    "times": "次数",
    "claim_no": "第几张",
    "record_id": "记录编号",
    "cert_id": "证书编号",
    "county_code": "区划代码",
    "county_name": "县(市、区)",
    "institution_id": "机构",
    "training_type": "培训类型",
    "cert_type": "证书类型",
    "occupation": "职业(工种)",
    "skill_level": "技能等级",
    "status": "状态",
    "passed": "培训合格",
    "start_date": "开班日期",
    "end_date": "结业日期",
    "entered_on": "录入日期",
    "days_after_end": "结业后录入(天)",
    "issue_date": "发证日期",
    "first_issue_date": "首张发证日期",
    "records": "记录数",
    "persons": "人数",
}


def display_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Findings as shown and exported: person keys masked, codes as Chinese labels, Chinese headers."""
    from tracker.contract import CERT_TYPES, SKILL_LEVELS, STATUSES, TRAINING_TYPES

    out = masked(df).drop(columns=["check_id", "county_code"], errors="ignore")
    labels = {"training_type": TRAINING_TYPES, "cert_type": CERT_TYPES, "status": STATUSES}
    for col, mapping in labels.items():
        if col in out:
            out[col] = out[col].map(lambda v, m=mapping: m.get(v, v))
    if "skill_level" in out:
        out["skill_level"] = out["skill_level"].map(
            lambda v: "—" if pd.isna(v) else f"{int(v)}级 {SKILL_LEVELS.get(int(v), '')}".strip()
        )
    if "passed" in out:
        out["passed"] = out["passed"].map(lambda v: "未填" if pd.isna(v) else ("是" if v else "否"))
    for col in ("start_date", "end_date", "entered_on", "issue_date", "first_issue_date"):
        if col in out:
            out[col] = pd.to_datetime(out[col]).dt.date
    return out.rename(columns=COLUMN_HEADERS)


def county_matrix(findings: dict[str, pd.DataFrame], top: int = 15) -> pd.DataFrame:
    """Flagged records per county (rows, most first, at most ``top``) and check (columns, in CHECKS order)."""
    parts = [
        df.assign(check_id=cid)[["county_code", "county_name", "check_id"]] for cid, df in findings.items() if len(df)
    ]
    if not parts:
        return pd.DataFrame(columns=["county_code", "county_name", *CHECKS])
    long = pd.concat(parts, ignore_index=True)
    wide = long.pivot_table(
        index=["county_code", "county_name"], columns="check_id", aggfunc="size", fill_value=0
    ).reindex(columns=list(CHECKS), fill_value=0)
    wide = wide.assign(_total=wide.sum(axis=1)).sort_values("_total", ascending=False, kind="stable").head(top)
    return wide.drop(columns="_total").reset_index()
