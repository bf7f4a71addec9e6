"""The biweekly cycle (双周调度) on its own: inbox → import → aggregates → dispatch, 通报 and briefs → archive → mail.

``python -m tracker cycle --data DIR --inbox DIR --archive DIR [--now DATE]`` is safe to run every few minutes
(deploy/ has a systemd timer and a cron line). Each run:

1. takes ``ARCHIVE/.cycle.lock`` (fcntl, non-blocking): a second run started meanwhile does nothing and says so;
2. imports the files waiting in the inbox as one batch with the normal validation (tracker.inbox). Accepted
   files move to ``INBOX/imported/<version>/``. A rejected batch moves to ``INBOX/rejected/<stamp>/`` with its
   问题清单 (问题清单.csv), the data being served stays as it was, and *this run publishes nothing*;
3. builds the aggregates (the runner's per-plan first counts) for every plan in force at ``--now``;
4. publishes every closed biweekly period of the plans in scope that is not archived yet (a missed run catches
   up) into ``ARCHIVE/<plan>/<period>/``: the dispatch .xlsx, the 通报 .docx, one brief per unit and
   ``manifest.json`` (data version, as-of date, sha256 of every file, the figures). A period is written to a
   temp folder and renamed into place, so a kill leaves no half-written period (the next run removes leftovers);
5. mails what it published when ``[mail]`` is configured (tracker.mail); a failed send stays in the period's
   outbox and is retried on the next run; it never blocks the archive.

Decisions (README "双周调度自动运行"):
- **Closed**: period k of a plan (CONTRACT §3: start + 14k … start + 14k + 13) has closed when ``--now`` is after its
  last day. Periods run up to the one holding the plan's last deadline.
- **In scope**: a plan from its start until ``[cycle] catch_up_days`` (default 60) after its last period closed, so
  a late run still publishes the final period; ``--plan`` / ``[cycle] plans`` restrict which plans are published.
- **As-of of an archived period**: its last day, clamped to the data's latest business date L (CONTRACT §4: the
  figures for D > L are those of L; the brief says 数据截至 L). A period is published as soon as the data reaches its
  last day; when it does not, the cycle waits ``[cycle] grace_days`` (default 3) after the period closed for a newer
  extract, then publishes with the data it has, as long as the data reaches into the period at all. A period the
  data does not reach is not published (nothing would be in it) and is reported as waiting.
- **Once per period and data version**: a period is published once, from the data version current when it became
  ready; its files never change. When a later data version changes that period's figures, the cycle records it
  once per (period, data version) in ``ARCHIVE/<plan>/notes.jsonl`` (shown on the 报告归档 page); the archive
  keeps the figures as they were issued.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tracker import settings, ui
from tracker.inbox import InboxResult, import_inbox
from tracker.store import fsync_dir

LOCK_FILE = ".cycle.lock"
STATUS_FILE = ".cycle-status.json"
NOTES_FILE = "notes.jsonl"
MANIFEST = "manifest.json"
TMP_PREFIX = ".tmp-"
PAUSE_ENV = "SKILLS_CYCLE_PAUSE_BEFORE_RENAME"  # test hook: seconds to sleep before a period is renamed into place
EXIT_REJECTED = 2


class CycleBusy(Exception):
    """Another cycle holds the lock."""


# ---------------------------------------------------------------- plans and periods


@dataclass(frozen=True)
class Period:
    plan: str
    index: int  # k, from 0
    start: dt.date
    end: dt.date

    @property
    def name(self) -> str:
        """Folder name: p01_20230101-20230114 (sorts in order)."""
        return f"p{self.index + 1:02d}_{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    @property
    def label(self) -> str:
        return f"第{self.index + 1}期（{ui.fmt_date(self.start)}—{ui.fmt_date(self.end)}）"


def plan_window(plan: str) -> tuple[dt.date, dt.date]:
    """A plan's start and its last deadline (a metric may run past the plan's own deadline, e.g. sx-edu-2021)."""
    info = ui.plan_info(plan)
    start = dt.date.fromisoformat(info["start"])
    deadlines = [dt.date.fromisoformat(info["deadline"])]
    deadlines += [dt.date.fromisoformat(t["deadline"]) for t in ui._rows("targets") if t["plan_id"] == plan]
    return start, max(deadlines)


def periods(plan: str) -> list[Period]:
    """Every biweekly period of a plan, up to the one holding its last deadline (CONTRACT §3)."""
    start, end = plan_window(plan)
    count = (end - start).days // 14 + 1
    return [
        Period(plan, k, start + dt.timedelta(days=14 * k), start + dt.timedelta(days=14 * k + 13)) for k in range(count)
    ]


def measurable_plans() -> list[str]:
    """Plans with at least one target the extracts can measure (the others are tracked by hand)."""
    measurable = {m["metric"] for m in ui._rows("metrics") if m["computable"] == "true"}
    with_targets = {t["plan_id"] for t in ui._rows("targets") if t["metric"] in measurable}
    return [p["plan_id"] for p in ui.plans() if p["plan_id"] in with_targets]


def in_force(plan: str, now: dt.date) -> bool:
    start, end = plan_window(plan)
    return start <= now <= end


def in_scope(plan: str, now: dt.date) -> bool:
    """From the plan's start until catch_up_days after its last period closed."""
    start, _ = plan_window(plan)
    last = periods(plan)[-1]
    return start <= now <= last.end + dt.timedelta(days=1 + catch_up_days())


def catch_up_days() -> int:
    return int(settings.get("cycle", "catch_up_days", 60))


def grace_days() -> int:
    return int(settings.get("cycle", "grace_days", 3))


def configured_plans() -> list[str]:
    chosen = settings.get("cycle", "plans", []) or []
    return [p for p in measurable_plans() if not chosen or p in chosen]


def readiness(period: Period, now: dt.date, latest: dt.date) -> tuple[str, dt.date | None]:
    """('open' | 'waiting' | 'ready', as-of date) for a period given --now and the data's latest date L."""
    if now <= period.end:
        return "open", None
    if latest >= period.end:
        return "ready", period.end
    if latest < period.start:
        return "waiting", None
    if now > period.end + dt.timedelta(days=grace_days()):
        return "ready", latest
    return "waiting", None


# ---------------------------------------------------------------- files on disk


def _write(path: Path, data: bytes) -> dict[str, Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_json_atomic(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(value, fh, ensure_ascii=False, indent=1, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def cycle_lock(archive: Path) -> Iterator[None]:
    import fcntl

    archive.mkdir(parents=True, exist_ok=True)
    with open(archive / LOCK_FILE, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CycleBusy(f"另一次双周调度正在运行（{archive / LOCK_FILE}），本次不做任何改动") from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def remove_leftovers(archive: Path) -> list[str]:
    """Temp folders of periods a killed run did not finish (only ever called under the lock)."""
    removed = []
    for plan_dir in (p for p in archive.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for tmp in plan_dir.glob(f"{TMP_PREFIX}*"):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(f"{plan_dir.name}/{tmp.name}")
    return removed


def read_manifest(period_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((period_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------- one period's outputs


def _figures(dispatch: pd.DataFrame) -> list[dict[str, Any]]:
    cols = ["unit_code", "metric", "cumulative", "pct", "expected_pct"]
    out = []
    for row in dispatch[cols].itertuples(index=False):
        out.append(
            {
                "unit_code": row.unit_code,
                "metric": row.metric,
                "cumulative": None if pd.isna(row.cumulative) else round(float(row.cumulative), 4),
                "pct": None if pd.isna(row.pct) else round(float(row.pct), 4),
                "expected_pct": None if pd.isna(row.expected_pct) else round(float(row.expected_pct), 4),
            }
        )
    return out


def build_period(runner: Any, period: Period, as_of: dt.date, latest: dt.date, now: dt.date, target: Path) -> dict:
    """Write one period's files into ``target`` (a temp folder) and return its manifest."""
    from tracker import brief, report, timeliness
    from tracker.store import current_version, is_demo

    info = ui.plan_info(period.plan)
    dispatch = runner.run("dispatch", plan=period.plan, as_of=as_of)
    files: list[dict[str, Any]] = []
    stamp = f"{period.plan}_第{period.index + 1:02d}期"
    written = _write(target / "dispatch.xlsx", report.dispatch_xlsx(runner, period.plan, as_of, None))
    files.append({"path": "dispatch.xlsx", "kind": "dispatch", "title": f"双周调度表_{stamp}.xlsx", **written})
    written = _write(target / "bulletin.docx", report.bulletin_docx(runner, period.plan, as_of, None))
    files.append({"path": "bulletin.docx", "kind": "bulletin", "title": f"通报_{stamp}.docx", **written})
    for data in brief.collect(runner, period.plan, as_of):
        if as_of < period.end:
            data.notes.append(
                f"本期数据截至{ui.fmt_date(as_of)}（期末为{ui.fmt_date(period.end)}，此后的数据尚未报送）。"
            )
        path = f"briefs/{data.unit_code}.pdf"
        written = _write(target / path, brief.render(data))
        files.append(
            {
                "path": path,
                "kind": "brief",
                "unit_code": data.unit_code,
                "unit_type": data.unit_type,
                "unit_name": data.unit_name,
                "title": f"简报_{data.unit_name}_{stamp}.pdf",
                **written,
            }
        )
    return {
        "plan": period.plan,
        "plan_name": info["name"],
        "document": info["document"],
        "period": period.index,
        "period_name": period.name,
        "period_label": period.label,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "as_of": as_of.isoformat(),
        "data_latest": latest.isoformat(),
        "data_complete": latest >= period.end,
        "data_version": runner.version(),
        "data_version_id": current_version(runner.data_dir),
        "demo": is_demo(runner.data_dir),
        "timeliness_days": timeliness.window_days(),
        "now": now.isoformat(),
        "published_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "files": files,
        "figures": _figures(dispatch),
    }


def publish_period(runner: Any, archive: Path, period: Period, as_of: dt.date, latest: dt.date, now: dt.date) -> Path:
    """Build a period in a temp folder and rename it into place (all or nothing)."""
    plan_dir = archive / period.plan
    plan_dir.mkdir(parents=True, exist_ok=True)
    final = plan_dir / period.name
    tmp = plan_dir / f"{TMP_PREFIX}{period.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        manifest = build_period(runner, period, as_of, latest, now, tmp)
        write_json_atomic(tmp / MANIFEST, manifest)
        for sub in (tmp / "briefs", tmp):
            fsync_dir(sub)
        pause = os.environ.get(PAUSE_ENV)
        if pause:
            print(
                f"[test hook] {period.plan}/{period.name} 已写入临时目录，{pause} 秒后改名", file=sys.stderr, flush=True
            )
            time.sleep(float(pause))
        os.rename(tmp, final)
        fsync_dir(plan_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


# ---------------------------------------------------------------- later data for archived periods


def _noted(plan_dir: Path) -> set[tuple[str, str]]:
    path = plan_dir / NOTES_FILE
    if not path.is_file():
        return set()
    seen = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            entry = json.loads(line)
            seen.add((entry["period_name"], entry["data_version"]))
    return seen


def read_notes(plan_dir: Path) -> list[dict[str, Any]]:
    path = plan_dir / NOTES_FILE
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):
            out.append(json.loads(line))
    return out


def check_later_data(runner: Any, period_dir: Path, manifest: dict[str, Any], latest: dt.date) -> dict | None:
    """Once per (period, data version): do the current data's figures for an archived period differ?"""
    version = runner.version()
    if manifest.get("data_version") == version or (manifest["period_name"], version) in _noted(period_dir.parent):
        return None
    period_end = dt.date.fromisoformat(manifest["period_end"])
    as_of = min(period_end, latest)
    if as_of < dt.date.fromisoformat(manifest["period_start"]):
        return None
    now = runner.run("dispatch", plan=manifest["plan"], as_of=as_of)
    before = {(f["unit_code"], f["metric"]): f for f in manifest.get("figures", [])}
    changes = []
    for f in _figures(now):
        old = before.get((f["unit_code"], f["metric"]))
        if old is None or old["cumulative"] != f["cumulative"]:
            changes.append(
                {
                    "unit_code": f["unit_code"],
                    "metric": f["metric"],
                    "archived": None if old is None else old["cumulative"],
                    "now": f["cumulative"],
                }
            )
    entry = {
        "period_name": manifest["period_name"],
        "period": manifest["period"],
        "archived_version": manifest.get("data_version"),
        "data_version": version,
        "as_of": as_of.isoformat(),
        "checked_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "changed": bool(changes),
        "changes": changes[:50],
        "note": (
            f"{manifest['period_label']}归档后，数据版本 {version} 改变了本期 {len(changes)} 项数字；归档文件保持发出时的数字不变。"
            if changes
            else f"数据版本 {version} 未改变本期数字。"
        ),
    }
    with open(period_dir.parent / NOTES_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return entry


# ---------------------------------------------------------------- the run


@dataclass
class CycleResult:
    now: dt.date
    inbox: InboxResult
    data_version: str | None = None
    latest: dt.date | None = None
    materialized: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    mail: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        """The inbox batch failed validation (moved aside with its 问题清单)."""
        return self.inbox.rejected_to is not None

    @property
    def stopped(self) -> bool:
        """Nothing was published because of the inbox: a rejected batch, or one that could not be committed."""
        return self.rejected or self.inbox.held is not None

    def lines(self) -> list[str]:
        out = [f"双周调度 {ui.fmt_date(self.now)}"]
        if self.inbox.message:
            out.append(self.inbox.message)
        if self.removed:
            out.append(f"已清理中断运行留下的临时目录：{'、'.join(self.removed)}")
        if self.data_version:
            out.append(f"数据版本 {self.data_version}，最新业务日期 {ui.fmt_date(self.latest)}")
        if self.materialized:
            out.append(f"已建汇总：{'、'.join(self.materialized)}")
        out += [f"已归档 {p}" for p in self.published]
        out += [f"等待数据 {w}" for w in self.waiting]
        out += self.notes
        out += self.mail
        if not self.published and not self.stopped:
            out.append("没有新的已结束调度期需要归档")
        return out


def run_cycle(
    data: Path,
    inbox: Path,
    archive: Path,
    now: dt.date | None = None,
    plans: list[str] | None = None,
    send: bool = True,
) -> CycleResult:
    """One idempotent run of the cycle (raises CycleBusy when another run holds the lock)."""
    from tracker.query import Runner
    from tracker.store import has_extracts

    now = now or dt.date.today()
    with cycle_lock(archive):
        result = CycleResult(now=now, inbox=import_inbox(inbox, data))
        result.removed = remove_leftovers(archive)
        if result.stopped:
            return result
        if not has_extracts(data):
            result.notes.append(f"数据目录 {data} 中还没有数据，等待收件箱中的抽取文件")
            return result
        runner = Runner(data)
        result.data_version = runner.version()
        result.latest = latest = runner.latest_date()
        for plan in measurable_plans():
            if in_force(plan, now):
                runner.materialize(plan)
                result.materialized.append(plan)
        chosen = [p for p in configured_plans() if not plans or p in plans]
        for plan in chosen:
            if not in_scope(plan, now):
                continue
            for period in periods(plan):
                state, as_of = readiness(period, now, latest)
                if state == "open":
                    break
                period_dir = archive / plan / period.name
                manifest = read_manifest(period_dir)
                if manifest is not None:
                    entry = check_later_data(runner, period_dir, manifest, latest)
                    if entry and entry["changed"]:
                        result.notes.append(f"{plan}/{period.name}：{entry['note']}")
                    continue
                if state == "waiting":
                    result.waiting.append(f"{plan}/{period.name}")
                    continue
                publish_period(runner, archive, period, as_of, latest, now)
                result.published.append(f"{plan}/{period.name}")
                if send:
                    from tracker import mail

                    mail.queue_period(archive / plan / period.name)
        if send:
            from tracker import mail

            result.mail = mail.deliver_pending(archive)
        write_json_atomic(
            archive / STATUS_FILE,
            {
                "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "now": now.isoformat(),
                "data_version": result.data_version,
                "latest": latest.isoformat(),
                "published": result.published,
                "waiting": result.waiting,
                "mail": result.mail,
            },
        )
        return result


def cycle_cli(
    data: Path, inbox: Path, archive: Path, now: dt.date | None, plans: list[str] | None, send: bool = True
) -> int:
    """``python -m tracker cycle``: 0 done (or nothing to do, or another run busy), 2 an inbox batch was rejected
    or could not be imported (nothing published)."""
    unknown = [p for p in plans or [] if p not in measurable_plans()]
    if unknown:
        print(f"错误：未知计划 {'、'.join(unknown)}（可用：{', '.join(measurable_plans())}）", file=sys.stderr)
        return 2
    try:
        result = run_cycle(data, inbox, archive, now, plans, send)
    except CycleBusy as exc:
        print(str(exc))
        return 0
    for line in result.lines():
        print(line)
    return EXIT_REJECTED if result.stopped else 0
