"""python -m tracker cycle (#14): the biweekly cycle of 柳政办发〔2023〕19号 七(二) (双周调度制度) runs itself.

Stepping --now through liulin-2023 on a small generated demo extract: every closed period is archived exactly once,
re-running changes nothing, a bad extract publishes nothing, a kill leaves no half-written period, two runs at
once do not both publish, and every brief is one A4 page whose numbers equal the queries'.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import brief, cycle, demo, timeliness
from tracker.query import Runner
from tracker.store import current_version, mark_demo

ROOT = Path(__file__).resolve().parent.parent
PLAN = "liulin-2023"
PERIODS = cycle.periods(PLAN)


@pytest.fixture(scope="module")
def demo_extract(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cycle-demo") / "demo"
    demo.write_demo(folder, rows=30_000)
    mark_demo(folder)
    return folder


@pytest.fixture
def dirs(tmp_path, demo_extract):
    data = tmp_path / "data"
    shutil.copytree(demo_extract, data)
    return {"data": data, "inbox": tmp_path / "inbox", "archive": tmp_path / "archive"}


def run(dirs, now: str, **kw):
    return cycle.run_cycle(dirs["data"], dirs["inbox"], dirs["archive"], dt.date.fromisoformat(now), [PLAN], **kw)


def cli(dirs, now: str, env: dict | None = None, **popen) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "tracker", "cycle", "--data", str(dirs["data"]), "--inbox", str(dirs["inbox"])]
    args += ["--archive", str(dirs["archive"]), "--now", now, "--plan", PLAN]
    return subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


def snapshot(archive: Path) -> dict[str, str]:
    """Every file of the archive (not the run status) and its sha256."""
    return {
        str(p.relative_to(archive)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(archive.rglob("*"))
        if p.is_file() and p.name not in (cycle.STATUS_FILE, cycle.LOCK_FILE)
    }


def period_names(archive: Path) -> list[str]:
    folder = archive / PLAN
    return (
        sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) if folder.is_dir() else []
    )


def test_periods_are_the_contract_biweekly_periods_up_to_the_deadline_002():
    assert PERIODS[0].start == dt.date(2023, 1, 1) and PERIODS[0].end == dt.date(2023, 1, 14)
    assert all((b.start - a.start).days == 14 for a, b in itertools.pairwise(PERIODS))
    assert PERIODS[-1].start <= dt.date(2023, 11, 30) <= PERIODS[-1].end  # the last one holds the deadline
    assert PERIODS[0].name == "p01_20230101-20230114"


def test_stepping_now_archives_each_closed_period_exactly_once_and_rerunning_changes_nothing_002(dirs):
    latest = Runner(dirs["data"]).latest_date()
    first_seen: dict[str, dt.date] = {}
    published: list[str] = []
    now = dt.date(2023, 1, 10)
    while now <= dt.date(2023, 12, 20):
        result = run(dirs, now.isoformat())
        published += result.published
        for name in period_names(dirs["archive"]):
            first_seen.setdefault(name, now)
        now += dt.timedelta(days=6)
    assert len(published) == len(set(published)), "a period was published twice"
    expected = [p for p in PERIODS if p.start <= latest]  # periods the data reaches into
    assert period_names(dirs["archive"]) == [p.name for p in expected]
    for p in expected:
        seen = first_seen[p.name]
        # published on the first run after it closed (or after the grace days, when the data stops inside it)
        wait = 0 if latest >= p.end else cycle.grace_days()
        assert p.end < seen <= p.end + dt.timedelta(days=6 + wait), (p.name, seen)
        m = cycle.read_manifest(dirs["archive"] / PLAN / p.name)
        assert m["as_of"] == min(p.end, latest).isoformat()
        assert m["data_complete"] == (latest >= p.end)
        assert m["data_version"] == Runner(dirs["data"]).version()
        for f in m["files"]:
            path = dirs["archive"] / PLAN / p.name / f["path"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"]
        assert {f["kind"] for f in m["files"]} == {"dispatch", "bulletin", "brief"}
    before = snapshot(dirs["archive"])
    again = run(dirs, "2023-12-20")
    assert again.published == [] and snapshot(dirs["archive"]) == before
    assert cli(dirs, "2023-12-20").returncode == 0
    assert snapshot(dirs["archive"]) == before


def test_a_missed_run_catches_up_every_closed_period_002(dirs):
    result = run(dirs, "2023-03-15")
    assert result.published == [f"{PLAN}/{p.name}" for p in PERIODS if p.end < dt.date(2023, 3, 15)]
    assert len(result.published) == 5


def test_a_bad_extract_publishes_nothing_and_keeps_the_last_good_version_003(tmp_path, demo_extract):
    dirs = {"data": tmp_path / "data", "inbox": tmp_path / "inbox", "archive": tmp_path / "archive"}
    dirs["inbox"].mkdir()
    for table in ("training", "certificates"):
        shutil.copy(demo_extract / f"{table}.parquet", dirs["inbox"] / f"{table}.parquet")
    first = run(dirs, "2023-02-01")
    good = current_version(dirs["data"])
    assert first.inbox.version == good and good is not None
    assert first.published == [f"{PLAN}/p01_20230101-20230114", f"{PLAN}/p02_20230115-20230128"]
    assert sorted(p.name for p in (dirs["inbox"] / "imported" / good).iterdir()) == [
        "certificates.parquet",
        "training.parquet",
    ]
    before = snapshot(dirs["archive"])

    bad = dirs["inbox"] / "training_0301.csv"
    bad.write_text(
        "record_id,person_id,county_code,training_type,person_category,institution_id,school_name,occupation,"
        "skill_level,industry,start_date,end_date,hours,status,passed,employed,entered_on\n"
        "X1,P1,141125,enterprise_staff,enterprise_employee,JG1,,电工,5,,2023-02-01,2023-02-10,80,completed,是,,2023-02-12\n"
        "X2,P2,999999,enterprise_staff,enterprise_employee,JG1,,电工,5,,2023-02-01,2023-02-10,80,completed,是,,2023-02-12\n",
        encoding="utf-8",
    )
    out = cli(dirs, "2023-03-01")
    assert out.returncode == 2, out.stdout + out.stderr
    assert "未通过校验" in out.stdout and "本次未发布" in out.stdout
    assert current_version(dirs["data"]) == good  # the last good version is still served
    assert snapshot(dirs["archive"]) == before  # nothing published although p03 and p04 have closed
    rejected = list((dirs["inbox"] / "rejected").iterdir())
    assert len(rejected) == 1 and (rejected[0] / "training_0301.csv").is_file() and not bad.exists()
    problems = (rejected[0] / "问题清单.csv").read_text(encoding="utf-8-sig")
    assert "training_0301.csv" in problems and "999999" in problems and ",3," in problems  # file, value, row 3

    resumed = run(dirs, "2023-03-01")  # the next run goes on from the last good version
    assert resumed.published == [f"{PLAN}/p03_20230129-20230211", f"{PLAN}/p04_20230212-20230225"]
    assert cycle.read_manifest(dirs["archive"] / PLAN / "p03_20230129-20230211")["data_version_id"] == good


def test_later_data_never_changes_an_archived_period_and_is_noted_once_per_version_002(tmp_path, demo_extract):
    dirs = {"data": tmp_path / "data", "inbox": tmp_path / "inbox", "archive": tmp_path / "archive"}
    dirs["inbox"].mkdir()
    for table in ("training", "certificates"):
        shutil.copy(demo_extract / f"{table}.parquet", dirs["inbox"] / f"{table}.parquet")
    run(dirs, "2023-02-01")
    before = snapshot(dirs["archive"])
    # records completed in period 1 that arrive late, in a new extract
    late = dirs["inbox"] / "training_late.csv"
    header = (
        "record_id,person_id,county_code,training_type,person_category,institution_id,school_name,occupation,"
        "skill_level,industry,start_date,end_date,hours,status,passed,employed,entered_on\n"
    )
    rows = "".join(
        f"LATE{i},PLATE{i},141125,enterprise_staff,enterprise_employee,JG1,,电工,5,,2023-01-02,2023-01-10,80,"
        f"completed,是,,2023-01-31\n"
        for i in range(5)
    )
    late.write_text(header + rows, encoding="utf-8")
    second = run(dirs, "2023-02-01")
    assert second.inbox.version and second.published == []
    after = snapshot(dirs["archive"])
    assert {k: v for k, v in after.items() if not k.endswith(cycle.NOTES_FILE)} == before  # archived files unchanged
    notes = cycle.read_notes(dirs["archive"] / PLAN)
    changed = {n["period_name"]: n for n in notes if n["changed"]}
    assert set(changed) == {"p01_20230101-20230114", "p02_20230115-20230128"}
    total = next(c for c in changed["p01_20230101-20230114"]["changes"] if c["metric"] == "training_total")
    assert total["now"] - total["archived"] == 5
    run(dirs, "2023-02-01")
    assert len(cycle.read_notes(dirs["archive"] / PLAN)) == len(notes)  # once per period and data version


def test_a_kill_during_the_cycle_leaves_no_half_written_period_002(dirs):
    env = {cycle.PAUSE_ENV: "60"}
    args = [sys.executable, "-m", "tracker", "cycle", "--data", str(dirs["data"]), "--inbox", str(dirs["inbox"])]
    args += ["--archive", str(dirs["archive"]), "--now", "2023-01-20", "--plan", PLAN]
    proc = subprocess.Popen(args, cwd=ROOT, stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
    try:
        line = proc.stderr.readline()
        assert "[test hook]" in line, line
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert period_names(dirs["archive"]) == []  # nothing complete, only the temp folder
    assert list((dirs["archive"] / PLAN).glob(f"{cycle.TMP_PREFIX}*"))
    from tracker import archive_view

    assert archive_view.period_dirs(dirs["archive"], PLAN) == []
    result = run(dirs, "2023-01-20")
    assert result.published == [f"{PLAN}/p01_20230101-20230114"] and result.removed
    assert not list((dirs["archive"] / PLAN).glob(f"{cycle.TMP_PREFIX}*"))


def test_two_runs_at_once_do_not_both_publish_002(dirs):
    dirs["archive"].mkdir()
    with open(dirs["archive"] / cycle.LOCK_FILE, "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        out = cli(dirs, "2023-02-01")
        assert out.returncode == 0 and "另一次双周调度正在运行" in out.stdout
        assert period_names(dirs["archive"]) == []
    assert cli(dirs, "2023-02-01").returncode == 0
    assert len(period_names(dirs["archive"])) == 2


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_each_brief_is_one_a4_page_with_embedded_chinese_font_and_the_queries_numbers_002_003(dirs, tmp_path):
    run(dirs, "2023-07-05")
    period = next(p for p in PERIODS if p.start <= dt.date(2023, 6, 30) <= p.end)
    folder = dirs["archive"] / PLAN / period.name
    pdf = folder / "briefs" / "141125.pdf"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page*.png"))) == 1  # one page
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M) and "595.276 x 841.89" in info  # one A4 page
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk and all(" yes yes yes " in line for line in cjk)  # embedded, subset, with a Unicode map
    text = _text(pdf)
    assert "柳林县" in text and "演示数据" in text and "第" + str(period.index + 1) + "期" in text

    runner = Runner(dirs["data"])
    dispatch = runner.run("dispatch", plan=PLAN, as_of=period.end)
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    from tracker import ui

    for _, r in dispatch.iterrows():
        label = ui.metric_label(r["metric"])
        assert label in rows, label
        cells = rows[label]
        assert brief.pct_text(r["pct"]) in cells and brief.pct_text(r["expected_pct"]) in cells
        assert brief.gap_text(r["pct"], r["expected_pct"]) in cells  # completion − expected, negative = behind
        if r["kind"] == "count":
            assert ui.fmt_int(r["target"], "") in cells and ui.fmt_int(r["cumulative"], "") in cells
            assert ui.fmt_int(r["increment"], "") in cells
    flat = text.replace("\n", "").replace(" ", "")
    t = timeliness.unit_figures(runner, period.end, "141125", year=2023)
    assert f"录入及时率（结业后{timeliness.window_days()}天内录入，2023年）：{brief.pct_text(t['timely_pct'])}" in flat
    assert f"（{int(t['timely']):,}/{int(t['due']):,}条），在117个县(市、区)中排第{int(t['rank'])}" in flat
    late = runner.run("compliance_late_entry", as_of=period.end, year=2023, county="141125")
    assert f"逾期录入{len(late):,}" in flat and f"超过90天录入（不录不补）{len(late):,}条" in flat


def test_a_valid_batch_that_cannot_be_committed_now_stays_in_the_inbox_and_publishes_nothing_003(
    tmp_path, demo_extract
):
    from tracker import ingest
    from tracker.inbox import inbox_files

    dirs = {"data": tmp_path / "data", "inbox": tmp_path / "inbox", "archive": tmp_path / "archive"}
    dirs["inbox"].mkdir()
    dirs["data"].mkdir()
    for table in ("training", "certificates"):
        shutil.copy(demo_extract / f"{table}.parquet", dirs["inbox"] / f"{table}.parquet")
    with open(dirs["data"] / ingest.LOCK_FILE, "a+") as held:  # another import is running on the data folder
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        busy = run(dirs, "2023-02-01")
    assert busy.stopped and not busy.rejected and busy.inbox.held
    assert sorted(p.name for p in inbox_files(dirs["inbox"])) == ["certificates.parquet", "training.parquet"]
    assert period_names(dirs["archive"]) == []
    retried = run(dirs, "2023-02-01")
    assert retried.inbox.version and len(retried.published) == 2
