"""报告归档 page helpers: what the cycle published (tracker.cycle), read back from the archive folder.

The archive folder is ``[cycle] archive`` in the settings (default ``data/archive`` of the checkout), the same
folder the cycle is given with ``--archive``. Nothing here writes: the page only lists and offers downloads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from tracker import ROOT, mail, settings, ui
from tracker.cycle import MANIFEST, STATUS_FILE, read_manifest, read_notes, sha256_file

KIND_LABELS = {"dispatch": "双周调度表", "bulletin": "通报", "brief": "单位简报"}
MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
}


def archive_dir() -> Path:
    configured = settings.get("cycle", "archive", None)
    path = Path(configured).expanduser() if configured else ROOT / "data" / "archive"
    return path if path.is_absolute() else ROOT / path


def plans(archive: Path) -> list[str]:
    """Plans with at least one archived period, in the plan library's order."""
    if not archive.is_dir():
        return []
    present = {p.parent.parent.name for p in archive.glob(f"*/*/{MANIFEST}")}
    order = [p["plan_id"] for p in ui.plans()]
    return sorted(present, key=lambda p: order.index(p) if p in order else len(order))


def period_dirs(archive: Path, plan: str) -> list[Path]:
    """Complete periods only (a temp folder of an interrupted run is never listed)."""
    folder = archive / plan
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file())


def mail_summary(period_dir: Path) -> str:
    messages = mail.outbox_state(period_dir)
    if not messages:
        return "未发送（未配置邮件）"
    sent = sum(1 for m in messages if m["sent_at"])
    if sent == len(messages):
        return f"已发送 {sent} 封"
    return f"已发送 {sent}/{len(messages)} 封，其余待重试"


def periods_table(archive: Path, plan: str) -> pd.DataFrame:
    """One row per archived period, newest first."""
    notes = [n for n in read_notes(archive / plan) if n.get("changed")]
    rows = []
    for folder in period_dirs(archive, plan):
        m = read_manifest(folder) or {}
        later = [n for n in notes if n["period_name"] == folder.name]
        rows.append(
            {
                "period_name": folder.name,
                "调度期": m.get("period_label", folder.name),
                "数据截至": ui.fmt_date(m.get("as_of")),
                "数据完整": "是" if m.get("data_complete") else "截至最新数据",
                "数据版本": m.get("data_version", "—"),
                "文件": len(m.get("files", [])),
                "归档时间": (m.get("published_at") or "")[:16].replace("T", " "),
                "邮件": mail_summary(folder),
                "归档后数据变化": f"{len(later)}个新版本改变了本期数字" if later else "—",
            }
        )
    return pd.DataFrame(rows).iloc[::-1].reset_index(drop=True) if rows else pd.DataFrame()


def period_files(period_dir: Path) -> list[dict[str, Any]]:
    """The period's files with their download name, whether the checksum still matches, and their bytes."""
    manifest = read_manifest(period_dir) or {}
    out = []
    for f in manifest.get("files", []):
        path = period_dir / f["path"]
        ok = path.is_file() and sha256_file(path) == f["sha256"]
        out.append(
            {
                **f,
                "kind_label": KIND_LABELS.get(f["kind"], f["kind"]),
                "checksum_ok": ok,
                "mime": MIME.get(path.suffix, "application/octet-stream"),
                "file": path,
            }
        )
    return out


def period_notes(archive: Path, plan: str, period_name: str) -> list[str]:
    return [n["note"] for n in read_notes(archive / plan) if n["period_name"] == period_name and n.get("changed")]


def last_run(archive: Path) -> dict[str, Any] | None:
    try:
        return json.loads((archive / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
