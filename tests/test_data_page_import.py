"""#16: the 数据管理 import runs in a worker process with progress, refuses oversized uploads before reading them,
says what Excel habits it normalised, and offers a problem list whose cells never run as formulas."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pandas as pd
import pytest
from extracts import certificate_row, training_row, write_extracts
from streamlit.testing.v1 import AppTest

from tracker import data_view, ingest, pii
from tracker.ingest import worker

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
CORPUS = ROOT / "tests" / "corpus" / "files"


@pytest.fixture
def served(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(pii.SALT_ENV, raising=False)
    monkeypatch.delenv(pii.SALT_FILE_ENV, raising=False)
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(tmp_path / "none.toml"))
    src = write_extracts(tmp_path / "src", [training_row(i) for i in range(1, 4)], [certificate_row(1)])
    data = tmp_path / "data"
    assert ingest.ingest_cli([str(src / "training.parquet"), str(src / "certificates.parquet")], data) == 0
    monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
    return data


def test_the_worker_validates_and_commits_in_another_process_with_progress(served):
    data = (CORPUS / "two_tables.xlsx").read_bytes()
    job = worker.start("check", [("two_tables.xlsx", data)], served, None)
    seen = []
    while (polled := worker.poll(job))[2] is None:
        seen.append(polled[0])
        time.sleep(0.05)
    result = polled[2]
    assert result["pid"] != os.getpid()
    assert result["ok"] and [f["table"] for f in result["files"]] == ["training", "certificates"]
    assert not job.folder.exists() or not list(job.folder.glob("f*/*")), "uploads left on disk"
    kept = Path(result["batch_dir"])
    assert (kept / worker.BATCH).is_file()  # what the check validated, kept for the import (no re-reading)
    before = ingest.version_info(served)["version"]
    job = worker.start("commit", [], served, None, batch_from=kept)
    while (polled := worker.poll(job))[2] is None:
        time.sleep(0.05)
    assert polled[2]["version"] == ingest.version_info(served)["version"] != before
    assert polled[2]["manifest"]["tables"]["certificates"]["imported"] == 2
    assert not kept.exists()  # the kept batch does not outlive the import


def test_the_page_reads_every_sheet_and_says_what_was_normalised(served):
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(
        ("title_rows.xlsx", (CORPUS / "title_rows.xlsx").read_bytes(), "application/octet-stream")
    ).run()
    assert not at.exception
    assert any("校验通过，有 1 个警告" in w.value for w in at.warning)
    problems = at.dataframe[1].value
    assert problems["问题"].tolist() == ["表头在第3行，上方的2行标题已跳过"]
    assert any(b.label == "导入为新版本" for b in at.button)


def test_an_upload_past_the_size_limit_is_refused_before_it_is_read(served, tmp_path, monkeypatch):
    settings = tmp_path / "settings.toml"
    settings.write_text("[import]\nmax_file_mb = 0.001\n", encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(settings))
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("training.csv", b"x" * 5000, "text/csv")).run()
    assert not at.exception
    assert any("超过上限 0.001 MB（设置 [import] max_file_mb）" in e.value for e in at.error)


def test_the_problem_list_download_never_runs_a_cell_as_a_formula():
    """#16 item 4 for the 问题清单 this page writes: leading = + - @ neutralised, every cell text."""
    frame = data_view.problems_frame(
        [
            {
                "file": "t.csv",
                "row": 2,
                "column": "occupation",
                "value": '=HYPERLINK("http://x","y")',
                "reason": "r",
                "severity": "error",
            },
            {"file": "@evil.csv", "row": None, "column": None, "value": "+1", "reason": "-2", "severity": "warning"},
        ]
    )
    back = pd.read_csv(io.BytesIO(data_view.problems_csv(frame)), dtype=str, encoding="utf-8-sig").fillna("")
    cells = [c for row in back.values.tolist() for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert '\'=HYPERLINK("http://x","y")' in cells and "'@evil.csv" in cells


def test_the_worker_deletes_its_own_upload_copies_but_never_a_file_given_from_elsewhere(served, tmp_path):
    mine = tmp_path / "clean_training.csv"
    mine.write_bytes((CORPUS / "clean_training.csv").read_bytes())
    job = tmp_path / "job"
    job.mkdir()
    assert worker.run("check", [str(mine)], served, job) == 0
    assert mine.is_file()
