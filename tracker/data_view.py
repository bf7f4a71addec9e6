"""What the 数据管理 page needs beyond drawing: upload limits, the problem list as a table and as a safe CSV.

The import itself runs in a worker process (:mod:`tracker.ingest.worker`); this module turns its JSON result
into what the page shows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tracker.contract import COLUMN_LABELS
from tracker.ingest import SEVERITY_LABELS
from tracker.ingest import limits as lim
from tracker.ingest.read import too_large

PROBLEM_HEADERS = {"severity": "级别", "file": "文件", "row": "行号", "column": "列", "value": "值", "reason": "问题"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def oversized(uploads: list[tuple[str, int]], limits: lim.Limits | None = None) -> list[str]:
    """Sentences for uploads past the size limit (checked before anything is read)."""
    limits = limits or lim.current()
    return [too_large(name, size, limits) for name, size in uploads if size > limits.max_file_bytes]


def limits_note(limits: lim.Limits | None = None) -> str:
    """The upload limits in one sentence (shown under the uploader)."""
    limits = limits or lim.current()
    return (
        f"单个文件不超过 {limits.max_file_mb:g} MB、{limits.max_rows:,} 行；导入在单独的进程中进行，"
        "进行中其他用户照常使用（上限见设置文件 [import]）。"
    )


def problems_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The worker's problem records as the page's table (Chinese headers)."""
    df = pd.DataFrame(records, columns=["file", "row", "column", "value", "reason", "severity"])
    if df.empty:
        return df.rename(columns=PROBLEM_HEADERS)
    df = df.assign(
        severity=df["severity"].map(SEVERITY_LABELS),
        row=df["row"].map(lambda r: "" if r is None or pd.isna(r) else str(int(r))),
        column=df["column"].map(lambda c: f"{c}（{COLUMN_LABELS[c]}）" if c in COLUMN_LABELS else (c or "")),
        value=df["value"].fillna(""),
    )
    return df[list(PROBLEM_HEADERS)].rename(columns=PROBLEM_HEADERS)


def neutralise(value: Any) -> Any:
    """A cell that a spreadsheet would run as a formula (= + - @ at its start) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def problems_csv(frame: pd.DataFrame) -> bytes:
    """The 问题清单 download: UTF-8 with BOM (Excel opens it), every cell text, no cell runs as a formula."""
    safe = frame.astype(str).map(neutralise)
    return safe.to_csv(index=False).encode("utf-8-sig")


def files_frame(files: list[dict[str, Any]], table_labels: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "文件": f["name"],
                "识别为": table_labels.get(f["table"], "无法识别"),
                "格式": f["format"] or "—",
                "编码": f["encoding"] or "—",
                "记录数": f["rows"],
                "错误": f["errors"],
                "警告": f["warnings"],
                "身份证号": ("已校验，将脱敏" if f["raw_id_column"] or f.get("hashed_person_ids") else "—"),
            }
            for f in files
        ]
    )
