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

INBOX_IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload")
INBOX_SUPPORTED = (".parquet", ".csv", ".xlsx")


@dataclass
class InboxResult:
    files: list[str] = field(default_factory=list)
    version: str | None = None
    rejected_to: Path | None = None
    held: str | None = None  # why a valid batch could not be committed this run (it stays in the inbox)
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
    """Import every waiting file as one batch (all or nothing).

    A batch that fails validation moves to ``inbox/rejected/<stamp>/`` with its 问题清单. A batch that is valid but
    cannot be committed now (another import holds the data folder, the ID salt differs from the one used before,
    the salt is not readable) stays in the inbox and is tried again on the next run; either way nothing is published.
    """
    from tracker import ingest, pii

    files = inbox_files(inbox)
    result = InboxResult(files=[f.name for f in files])
    if not files:
        return result
    try:
        sources = [ingest.Source.from_path(f) for f in files]
        salt = pii.load_salt()
        batch = ingest.validate(sources, salt=salt)
        if batch.ok:
            committed = ingest.commit(batch, data)
    except (ingest.IngestError, pii.SaltError) as exc:
        result.held = str(exc)
        result.message = f"收件箱中 {len(files)} 个文件本次未能导入（留在收件箱，下次运行重试），本次未发布：{exc}"
        return result
    if batch.ok:
        result.version = committed.version
        _move_all(files, inbox / "imported" / committed.version)
        result.message = f"已导入 {len(files)} 个文件，新数据版本 {committed.version}"
        return result
    problems = batch.problems.frame()
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
