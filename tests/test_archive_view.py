"""报告归档 page (#14): every archived period per plan with its files and data version (AppTest), and the 录入及时率
section of 合规核查 (不录不补, 003)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from extracts import certificate_row, training_row, write_extracts
from streamlit.testing.v1 import AppTest

from tracker import archive_view, cycle

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
PLAN = "liulin-2023"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive-page")
    rows = [training_row(i, end_date=f"2023-01-{2 + i % 20:02d}", entered_on="2023-01-25") for i in range(60)]
    data = write_extracts(root / "data", rows, [certificate_row(1, issue_date="2023-01-20")])
    archive = root / "archive"
    conf = root / "settings.toml"
    conf.write_text(f'[cycle]\narchive = "{archive}"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SKILLS_SETTINGS_FILE", str(conf))
        result = cycle.run_cycle(data, root / "inbox", archive, dt.date(2023, 1, 20), [PLAN])
    assert result.published == [f"{PLAN}/p01_20230101-20230114"]
    return {"data": data, "archive": archive, "settings": conf}


@pytest.fixture
def app(published, monkeypatch):
    monkeypatch.setenv("SKILLS_DATA_DIR", str(published["data"]))
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(published["settings"]))
    return AppTest.from_file(DASHBOARD, default_timeout=90)


def test_periods_table_lists_the_archived_period_with_its_data_version_002(published, monkeypatch):
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(published["settings"]))
    assert archive_view.archive_dir() == published["archive"]
    assert archive_view.plans(published["archive"]) == [PLAN]
    table = archive_view.periods_table(published["archive"], PLAN)
    assert list(table["调度期"]) == ["第1期（2023年1月1日—2023年1月14日）"]
    manifest = cycle.read_manifest(published["archive"] / PLAN / "p01_20230101-20230114")
    assert table["数据版本"].iloc[0] == manifest["data_version"]
    files = archive_view.period_files(published["archive"] / PLAN / "p01_20230101-20230114")
    assert [f["kind"] for f in files] == ["dispatch", "bulletin", "brief"] and all(f["checksum_ok"] for f in files)


def test_a_changed_file_is_flagged_by_its_checksum_002(published, tmp_path):
    import shutil

    copy = tmp_path / "archive"
    shutil.copytree(published["archive"], copy)
    (copy / PLAN / "p01_20230101-20230114" / "dispatch.xlsx").write_bytes(b"edited")
    files = archive_view.period_files(copy / PLAN / "p01_20230101-20230114")
    assert [f["checksum_ok"] for f in files] == [False, True, True]


def test_archive_page_offers_every_file_for_download(app):
    at = app.run()
    at.switch_page("pages/archive.py").run()
    assert not at.exception
    assert at.title[0].value == "报告归档"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["双周调度表", "通报", "吕梁市·柳林县"]


def test_compliance_page_shows_the_timeliness_league_003(app):
    at = app.run()
    at.switch_page("pages/compliance.py").run()
    assert not at.exception
    assert any(h.value == "录入及时率（不录不补）" for h in at.subheader)
    leagues = [d.value for d in at.dataframe if "录入及时率" in d.value.columns]
    assert [list(t.columns[:2]) for t in leagues] == [["排名", "县(市、区)"], ["排名", "培训机构"]]
    assert leagues[0]["县(市、区)"].iloc[0] == "吕梁市·柳林县"
