"""The audit trail: one JSON line per sign-in, import, rollback, export and view of person-level records.

Appended to ``audit.jsonl`` in the data folder (``[audit] log_file`` in the settings file may name another
path), each line written with one ``write`` on a file opened for appending and fsync'd before returning, so
lines of concurrent replicas never interleave and a line is on disk once the action is shown. The dashboard
only reads it (数据管理); nothing in the dashboard rewrites or deletes it.

Line: ``{"at": ISO time UTC, "user", "role", "scope", "event", "what", "records", "detail"}``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from tracker import settings

LOG_NAME = "audit.jsonl"
EVENTS = {
    "sign_in": "登录成功",
    "sign_in_failed": "登录失败",
    "sign_out": "退出登录",
    "import": "导入数据",
    "rollback": "版本回退",
    "export": "导出下载",
    "view_records": "查看个人明细",
    "denied": "越权请求被拒绝",
}
_log = logging.getLogger(__name__)


class AuditError(Exception):
    """The audit log cannot be written (message is shown as is)."""


def log_path(data_dir: Path) -> Path:
    configured = settings.get("audit", "log_file", "")
    return Path(configured).expanduser() if configured else Path(data_dir) / LOG_NAME


def record(
    data_dir: Path,
    event: str,
    scope: Any,
    *,
    what: str = "",
    records: int | None = None,
    detail: dict[str, Any] | None = None,
    user: str | None = None,
) -> dict[str, Any]:
    """Append one event. ``scope`` is a tracker.scope.Scope (or None for an anonymous attempt)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event}")
    line = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "user": user if user is not None else (scope.user if scope is not None else ""),
        "role": scope.role if scope is not None else "",
        "scope": scope.describe() if scope is not None else "",
        "event": event,
        "what": what,
        "records": records,
        "detail": detail or {},
    }
    path = log_path(data_dir)
    data = (json.dumps(line, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        _log.error("audit log %s not written: %s (%s)", path, exc, line)
        raise AuditError(f"审计日志 {path} 无法写入：{exc.strerror or exc}") from exc
    return line


def read(data_dir: Path, limit: int | None = 2000) -> pd.DataFrame:
    """The newest ``limit`` events, newest first, with Chinese headers (for 数据管理, read-only)."""
    path = log_path(data_dir)
    rows: list[dict[str, Any]] = []
    if path.is_file():
        with path.open(encoding="utf-8") as fh:
            for text in fh:
                try:
                    rows.append(json.loads(text))
                except json.JSONDecodeError:
                    rows.append({"event": "?", "what": text.strip()[:200]})
    if limit is not None:
        rows = rows[-limit:]
    frame = pd.DataFrame(rows, columns=["at", "user", "role", "scope", "event", "what", "records", "detail"])
    frame = frame.iloc[::-1].reset_index(drop=True)
    frame["event"] = frame["event"].map(lambda e: EVENTS.get(e, e))
    frame["detail"] = frame["detail"].map(
        lambda d: json.dumps(d, ensure_ascii=False) if isinstance(d, dict) and d else ""
    )
    return frame.rename(
        columns={
            "at": "时间(UTC)",
            "user": "用户",
            "role": "角色",
            "scope": "范围",
            "event": "事件",
            "what": "内容",
            "records": "记录数",
            "detail": "参数",
        }
    )


def dashboard_event(event: str, *, what: str = "", records: int | None = None, detail: dict | None = None) -> None:
    """Record an event of the signed-in dashboard user (import, rollback); a log that cannot be written is said on
    the page when sign-in is on (the action itself has already happened and is not undone)."""
    import streamlit as st

    from tracker import app
    from tracker.scope import OPEN

    scope = app.current_scope()
    try:
        record(
            app.data_dir(), event, scope, what=what, records=records, detail=detail, user=scope.user or "（演示模式）"
        )
    except AuditError as exc:
        if scope is not OPEN:
            st.error(str(exc))


def show_log(data_dir: Path, limit: int = 2000) -> None:
    """The audit trail for the data office (数据管理): read-only, newest first."""
    import streamlit as st

    from tracker import ui

    st.subheader("审计日志")
    frame = read(data_dir, limit)
    st.caption(
        f"{log_path(data_dir)} · 最近 {len(frame):,} 条（最新在前）。登录、导入、回退、导出和查看个人明细均逐条追加记录，"
        "本页只读，不能修改或删除。"
    )
    if frame.empty:
        st.info("审计日志中还没有记录。")
        return
    st.dataframe(frame, hide_index=True, height=ui.table_height(len(frame), 420))


def download_button(
    label: str,
    data: bytes | str | Callable[[], bytes | str],
    file_name: str,
    *,
    what: str,
    records: int | None = None,
    **kwargs: Any,
) -> bool:
    """``st.download_button`` that writes an ``export`` line when the file is taken (pages call this)."""
    import streamlit as st

    from tracker import app

    kwargs.pop("on_click", None)

    def _logged() -> None:
        scope = app.current_scope()
        try:
            record(
                app.data_dir(),
                "export",
                scope,
                what=what,
                records=records,
                detail={"file": file_name},
                user=scope.user or "（演示模式）",
            )
        except AuditError as exc:
            _log.error("%s", exc)

    return st.download_button(label, data, file_name=file_name, on_click=_logged, **kwargs)


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_button(
    rows: pd.DataFrame | Callable[[], pd.DataFrame],
    file_name: str,
    *,
    what: str,
    key: str | None = None,
    records: int | None = None,
    label: str = "下载 CSV",
) -> bool:
    """A logged CSV download of a table (or of the table a callable fetches when the file is taken)."""
    from tracker import export

    def build() -> bytes:
        return export.to_csv(rows() if callable(rows) else rows)

    count = records if records is not None else (len(rows) if isinstance(rows, pd.DataFrame) else None)
    return download_button(
        label, build, file_name, what=what, records=count, mime="text/csv", key=key, icon=":material/download:"
    )


def xlsx_button(
    build: Callable[[], bytes],
    file_name: str,
    *,
    what: str,
    records: int | None,
    key: str | None = None,
    label: str = "下载 Excel",
) -> bool:
    """A logged Excel download; the workbook is built when the file is taken."""
    return download_button(
        label, build, file_name, what=what, records=records, mime=XLSX_MIME, key=key, icon=":material/download:"
    )
