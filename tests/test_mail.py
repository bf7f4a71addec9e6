"""Sending the published period (#14) to a real SMTP server (aiosmtpd) on loopback: each unit its brief, the
working office the whole set; a failed send is retried on the next run and never blocks the archive (002 七(二))."""

from __future__ import annotations

import datetime as dt
import email
import shutil
import socket
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tracker import cycle, demo, mail
from tracker.store import mark_demo

PLAN = "liulin-2023"
OFFICE = "zhuanban@example.gov.cn"
LIULIN = "liulin-rsj@example.gov.cn"


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_extract(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mail-demo") / "demo"
    demo.write_demo(folder, rows=20_000)
    mark_demo(folder)
    return folder


@pytest.fixture
def setup(tmp_path, demo_extract, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(demo_extract, data)
    port = free_port()
    conf = tmp_path / "settings.toml"
    conf.write_text(
        f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsender = "jnsx@example.gov.cn"\noffice = ["{OFFICE}"]\n'
        f'timeout = 5\n\n[mail.units]\n"141125" = ["{LIULIN}"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(conf))
    return {"data": data, "inbox": tmp_path / "inbox", "archive": tmp_path / "archive", "port": port}


def run(s, now: str) -> cycle.CycleResult:
    return cycle.run_cycle(s["data"], s["inbox"], s["archive"], dt.date.fromisoformat(now), [PLAN])


def attachments(msg) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in msg.iter_attachments()}


def test_each_unit_gets_its_brief_and_the_office_the_whole_set_002(setup):
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=setup["port"])
    controller.start()
    try:
        result = run(setup, "2023-01-20")
    finally:
        controller.stop()
    assert result.published == [f"{PLAN}/p01_20230101-20230114"]
    assert len(received.messages) == 2
    by_rcpt = {tuple(r): m for r, m in received.messages}
    unit = by_rcpt[(LIULIN,)]
    assert (
        unit["Subject"]
        == "【双周调度】2023年柳林县推进“人人持证、技能山西”建设 第1期（2023年1月1日—2023年1月14日） 吕梁市·柳林县简报"
    )
    folder = setup["archive"] / PLAN / "p01_20230101-20230114"
    files = attachments(unit)
    assert list(files) == ["简报_吕梁市·柳林县_liulin-2023_第01期.pdf"]
    assert files["简报_吕梁市·柳林县_liulin-2023_第01期.pdf"] == (folder / "briefs" / "141125.pdf").read_bytes()
    office = by_rcpt[(OFFICE,)]
    assert office["Subject"].endswith("调度表、通报及各单位简报")
    assert set(attachments(office)) == {
        "双周调度表_liulin-2023_第01期.xlsx",
        "通报_liulin-2023_第01期.docx",
        "简报_吕梁市·柳林县_liulin-2023_第01期.pdf",
    }
    assert attachments(office)["双周调度表_liulin-2023_第01期.xlsx"] == (folder / "dispatch.xlsx").read_bytes()
    assert "演示数据" in office.get_body(("plain",)).get_content()
    assert all(m["sent_at"] for m in mail.outbox_state(folder))
    # nothing is sent twice
    controller = Controller(received, hostname="127.0.0.1", port=setup["port"])
    controller.start()
    try:
        run(setup, "2023-01-20")
    finally:
        controller.stop()
    assert len(received.messages) == 2


def test_a_failed_send_never_blocks_the_archive_and_is_retried_next_run_002(setup):
    # no server listening yet: the period is archived all the same, the messages wait in the outbox
    first = run(setup, "2023-01-20")
    folder = setup["archive"] / PLAN / "p01_20230101-20230114"
    assert first.published == [f"{PLAN}/p01_20230101-20230114"] and cycle.read_manifest(folder)
    state = mail.outbox_state(folder)
    assert len(state) == 2 and not any(m["sent_at"] for m in state)
    assert all(m["attempts"] == 1 and m["last_error"] for m in state)
    assert any("下次运行重试" in line for line in first.mail)

    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=setup["port"])
    controller.start()
    try:
        second = run(setup, "2023-01-20")
    finally:
        controller.stop()
    assert second.published == []
    assert sorted(r[0] for r, _ in received.messages) == sorted([LIULIN, OFFICE])
    assert all(m["sent_at"] and m["attempts"] == 2 for m in mail.outbox_state(folder))


def test_without_mail_settings_nothing_is_queued(setup, monkeypatch, tmp_path):
    empty = tmp_path / "none.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(empty))
    result = run(setup, "2023-01-20")
    assert result.published and result.mail == []
    assert mail.outbox_state(setup["archive"] / PLAN / "p01_20230101-20230114") == []
