"""The cycle's inbox: new extract files are imported as one batch, or moved aside with their 问题清单.

Files ready in the inbox are the regular files that are not hidden and not partial uploads (``*.part``, ``*.tmp``,
``*.crdownload``): an uploader writes ``NAME.part`` and renames it when complete. Only the public functions of
tracker.ingest are used (Source, ingest, the Batch it returns when a batch is rejected).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

INBOX_IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload")
INBOX_SUPPORTED = (".parquet", ".csv", ".xlsx")


@dataclass
class InboxResult:
    files: list[str] = field(default_factory=list)
    version: str | None = None
    rejected_to: Path | None = None
    errors: int = 0
    message: str = ""


def inbox_files(inbox: Path) -> list[Path]:
    """Files ready in the inbox: not hidden, not partial uploads (write NAME.part, then rename)."""
    if not inbox.is_dir():
        return []
    return sorted(
        p
        for p in inbox.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and not p.name.endswith(INBOX_IGNORED_SUFFIXES)
        and p.suffix.lower() in INBOX_SUPPORTED
    )


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%dT%H%M%S")


def _move_all(files: list[Path], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for f in files:
        os.replace(f, target / f.name)


def import_inbox(inbox: Path, data: Path) -> InboxResult:
    """Import every waiting file as one batch (all or nothing)."""
    from tracker import ingest, pii

    files = inbox_files(inbox)
    result = InboxResult(files=[f.name for f in files])
    if not files:
        return result
    problems: pd.DataFrame | None = None
    try:
        sources = [ingest.Source.from_path(f) for f in files]
        outcome = ingest.ingest(sources, data, salt=pii.load_salt())
    except (ingest.IngestError, pii.SaltError) as exc:
        outcome = None
        problems = pd.DataFrame(
            [{"file": "、".join(result.files), "row": None, "column": None, "value": None, "reason": str(exc)}]
        )
    if outcome is not None and not isinstance(outcome, ingest.Batch):
        result.version = outcome.version
        _move_all(files, inbox / "imported" / outcome.version)
        result.message = f"已导入 {len(files)} 个文件，新数据版本 {outcome.version}"
        return result
    if outcome is not None:
        problems = outcome.problems.frame()
        problems = problems[problems["severity"] == ingest.ERROR] if len(problems) else problems
    target = inbox / "rejected" / _stamp()
    while target.exists():
        target = target.with_name(target.name + "-1")
    _move_all(files, target)
    table = problems.rename(
        columns={"file": "文件", "row": "行号", "column": "列", "value": "值", "reason": "问题", "severity": "级别"}
    )
    table.to_csv(target / "问题清单.csv", index=False, encoding="utf-8-sig")
    (target / "说明.txt").write_text(
        f"本批 {len(files)} 个文件未通过校验，未导入，数据保持原版本；本次调度未发布任何内容。\n"
        f"问题见 问题清单.csv（{len(problems):,} 项）。{ingest.ROW_NOTE}\n"
        "改正后把全部文件重新放入收件箱即可。\n",
        encoding="utf-8",
    )
    result.rejected_to = target
    result.errors = len(problems)
    result.message = f"收件箱中 {len(files)} 个文件未通过校验（{len(problems):,} 个问题），已移至 {target}，本次未发布"
    return result
