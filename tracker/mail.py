"""Sending what the cycle published: each unit its brief, the working office the whole set (SMTP).

Configured in the settings file (settings.example.toml documents every key)::

    [mail]
    host = "smtp.example.gov.cn"   # empty: no mail is sent
    port = 25
    sender = "jnsx@example.gov.cn"
    office = ["zhuanban@example.gov.cn"]   # the working office: dispatch, 通报 and every brief
    starttls = false
    user = ""                      # login name; the password comes from the environment (SKILLS_SMTP_PASSWORD)

    [mail.units]                   # a unit's own recipients, by unit code: its brief only
    "141125" = ["liulin@example.gov.cn"]

When a period is published while mail is configured, its messages are written to an outbox file
(``ARCHIVE/<plan>/outbox/<period>.json``). Every run of the cycle sends what is still unsent; a failed send keeps
its error and is retried on the next run (up to ``max_attempts``). Sending never blocks or changes the archive.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import mimetypes
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from tracker import settings

PASSWORD_ENV = "SKILLS_SMTP_PASSWORD"
OUTBOX_DIR = "outbox"


def config() -> dict[str, Any] | None:
    """The [mail] settings, or None when no SMTP host and sender are set (mail off)."""
    host = settings.get("mail", "host", "")
    sender = settings.get("mail", "sender", "")
    if not host or not sender:
        return None
    units = settings.get("mail", "units", {}) or {}
    return {
        "host": str(host),
        "port": int(settings.get("mail", "port", 25)),
        "sender": str(sender),
        "office": list(settings.get("mail", "office", []) or []),
        "units": {str(k): list(v) if isinstance(v, list) else [str(v)] for k, v in units.items()},
        "starttls": bool(settings.get("mail", "starttls", False)),
        "user": str(settings.get("mail", "user", "") or ""),
        "timeout": float(settings.get("mail", "timeout", 30)),
        "max_attempts": int(settings.get("mail", "max_attempts", 50)),
    }


def outbox_path(period_dir: Path) -> Path:
    return period_dir.parent / OUTBOX_DIR / f"{period_dir.name}.json"


def _write_json(path: Path, value: Any) -> None:
    from tracker.cycle import write_json_atomic

    write_json_atomic(path, value)


def plan_messages(manifest: dict[str, Any], cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages of one published period: one per unit with recipients, one for the office."""
    head = f"【双周调度】{manifest['plan_name']} {manifest['period_label']}"
    messages = []
    briefs = [f for f in manifest["files"] if f["kind"] == "brief"]
    for f in briefs:
        to = cfg["units"].get(f["unit_code"], [])
        if to:
            messages.append(
                {
                    "id": f"unit-{f['unit_code']}",
                    "to": to,
                    "subject": f"{head} {f['unit_name']}简报",
                    "attachments": [f["path"]],
                    "sent_at": None,
                    "attempts": 0,
                    "last_error": None,
                }
            )
    if cfg["office"]:
        messages.append(
            {
                "id": "office",
                "to": cfg["office"],
                "subject": f"{head} 调度表、通报及各单位简报",
                "attachments": [f["path"] for f in manifest["files"]],
                "sent_at": None,
                "attempts": 0,
                "last_error": None,
            }
        )
    return messages


def queue_period(period_dir: Path) -> Path | None:
    """Write the period's outbox when mail is configured (once; an existing outbox is kept)."""
    cfg = config()
    if cfg is None:
        return None
    path = outbox_path(period_dir)
    if path.is_file():
        return path
    from tracker.cycle import read_manifest

    manifest = read_manifest(period_dir)
    if manifest is None:
        return None
    messages = plan_messages(manifest, cfg)
    if not messages:
        return None
    _write_json(path, {"period_name": period_dir.name, "plan": manifest["plan"], "messages": messages})
    return path


def build_message(cfg: dict[str, Any], period_dir: Path, manifest: dict[str, Any], msg: dict[str, Any]) -> EmailMessage:
    titles = {f["path"]: f.get("title", Path(f["path"]).name) for f in manifest["files"]}
    email = EmailMessage()
    email["From"] = cfg["sender"]
    email["To"] = ", ".join(msg["to"])
    email["Subject"] = msg["subject"]
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = make_msgid(domain=cfg["sender"].rpartition("@")[2] or None)
    lines = [
        f"{manifest['plan_name']}（{manifest['document']}）",
        f"{manifest['period_label']}，数据截至{manifest['as_of']}，数据版本 {manifest['data_version']}。",
        "",
        "附件：",
        *[f"  {titles[p]}" for p in msg["attachments"]],
        "",
        "本邮件由技能山西目标进度系统在双周调度期结束后自动发送；归档文件见“报告归档”页。",
    ]
    if manifest.get("demo"):
        lines.append("（演示数据，不代表真实进度）")
    email.set_content("\n".join(lines))
    for rel in msg["attachments"]:
        path = period_dir / rel
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = ctype.split("/", 1)
        email.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=titles[rel])
    return email


@contextlib.contextmanager
def _smtp(cfg: dict[str, Any]):
    client = smtplib.SMTP(cfg["host"], cfg["port"], timeout=cfg["timeout"])
    try:
        if cfg["starttls"]:
            client.starttls(context=ssl.create_default_context())
        if cfg["user"]:
            client.login(cfg["user"], os.environ.get(PASSWORD_ENV, ""))
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.quit()


def deliver_pending(archive: Path) -> list[str]:
    """Send every unsent message of every outbox; returns one line per message tried. Never raises."""
    cfg = config()
    if cfg is None or not archive.is_dir():
        return []
    from tracker.cycle import read_manifest

    lines: list[str] = []
    for path in sorted(archive.glob(f"*/{OUTBOX_DIR}/*.json")):
        try:
            box = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            lines.append(f"发件箱 {path} 无法读取：{exc}")
            continue
        pending = [m for m in box["messages"] if not m["sent_at"] and m["attempts"] < cfg["max_attempts"]]
        if not pending:
            continue
        period_dir = path.parent.parent / box["period_name"]
        manifest = read_manifest(period_dir)
        if manifest is None:
            continue
        tried: set[str] = set()
        try:
            with _smtp(cfg) as client:
                for msg in pending:
                    tried.add(msg["id"])
                    msg["attempts"] += 1
                    try:
                        client.send_message(build_message(cfg, period_dir, manifest, msg))
                    except (smtplib.SMTPException, OSError) as exc:
                        msg["last_error"] = f"{type(exc).__name__}: {exc}"
                        lines.append(
                            f"邮件发送失败（下次运行重试）：{box['plan']}/{box['period_name']} {msg['id']}：{exc}"
                        )
                    else:
                        msg["sent_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
                        msg["last_error"] = None
                        lines.append(f"已发送 {box['plan']}/{box['period_name']} {msg['id']} → {'、'.join(msg['to'])}")
                    _write_json(path, box)
        except (smtplib.SMTPException, OSError) as exc:
            for msg in pending:
                if msg["sent_at"]:
                    continue
                if msg["id"] not in tried:
                    msg["attempts"] += 1
                msg["last_error"] = f"{type(exc).__name__}: {exc}"
            _write_json(path, box)
            lines.append(f"无法连接邮件服务器 {cfg['host']}:{cfg['port']}（下次运行重试）：{exc}")
    return lines


def outbox_state(period_dir: Path) -> list[dict[str, Any]]:
    """The period's messages and their state (for the archive page); [] when nothing was queued."""
    path = outbox_path(period_dir)
    try:
        return json.loads(path.read_text(encoding="utf-8"))["messages"]
    except (OSError, ValueError, KeyError):
        return []
