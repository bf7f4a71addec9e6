"""004/#4: the dispatch .xlsx and the 通报 text carry exactly the query's figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from extracts import certificate_row, training_row, write_extracts

from tracker import report, ui
from tracker.query import Runner

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    rows = (
        [training_row(i, end_date="2023-05-10") for i in range(400)]
        + [training_row(1000 + i, training_type="caregiver_brand", end_date="2023-06-20") for i in range(300)]
        + [training_row(2000 + i, training_type="entrepreneurship", end_date="2023-06-25") for i in range(20)]
    )
    certs = [certificate_row(1000 + i, issue_date="2023-06-28") for i in range(280)]
    certs.append(certificate_row(5000, issue_date="2023-06-30", county_code="141102"))  # the extract reaches 06-30
    return write_extracts(folder, rows, certs)


def test_xlsx_cells_equal_the_dispatch_query_002(data, tmp_path):
    out = tmp_path / "dispatch.xlsx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "report",
            "--plan",
            "liulin-2023",
            "--as-of",
            "2023-06-30",
            "--data",
            str(data),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    dispatch = Runner(data).run("dispatch", plan="liulin-2023", as_of="2023-06-30")
    sheet = openpyxl.load_workbook(out).active
    assert "柳林" in sheet["A1"].value and "柳政办发〔2023〕19号" in sheet["A2"].value
    assert "2023年6月30日" in sheet["A2"].value
    assert sheet.freeze_panes == "C5"
    headers = [c.value for c in sheet[4]]
    assert headers[:3] == ["单位", "指标", "年度任务"]
    col = {h: i for i, h in enumerate(headers)}
    body = list(sheet.iter_rows(min_row=5, max_row=4 + len(dispatch), values_only=True))
    for row, (_, expected) in zip(body, dispatch.iterrows()):
        assert row[col["指标"]] == ui.metric_label(expected["metric"])
        assert row[col["年度任务"]] == expected["target"]
        if expected["status"] == "no_data":  # CONTRACT §4: nobody due yet, an empty rate and no status colour
            assert row[col["累计完成"]] is None and row[col["完成率"]] is None
            assert row[col["状态"]] == "无数据"
            continue
        assert row[col["累计完成"]] == expected["cumulative"]
        assert row[col["本期新增"]] == expected["increment"]
        assert row[col["完成率"]] == pytest.approx(expected["pct"] / 100)
        assert row[col["时序进度"]] == pytest.approx(expected["expected_pct"] / 100)
        assert row[col["状态"]] == ui.STATUS_LABELS[expected["status"]]
    assert sheet.cell(5, col["完成率"] + 1).number_format == "0.0%"
    status_cell = sheet.cell(5, col["状态"] + 1)
    assert status_cell.fill.fgColor.rgb.endswith(ui.STATUS_COLORS[dispatch.iloc[0]["status"]].lstrip("#").upper())
    notes = [sheet.cell(r, 1).value or "" for r in range(5 + len(dispatch), sheet.max_row + 1)]
    assert any(n.startswith("说明") for n in notes)


def test_summary_numbers_equal_the_progress_query_002(data):
    runner = Runner(data)
    progress = runner.run("progress", plan="liulin-2023", as_of="2023-06-30")
    text = report.summary_text(
        progress, ui.plan_info("liulin-2023"), progress["start"].iloc[0].replace(month=6, day=30)
    )
    assert text.startswith("截至2023年6月30日，全县")
    total = progress.set_index("metric").loc["training_total"]
    assert f"职业技能培训(四类合计)累计{int(total.actual):,}人" in text
    assert f"完成年度任务{total.pct:.1f}%" in text
    assert f"时序进度{total.expected_pct:.1f}%" in text
    assert f"滞后{total.expected_pct - total.pct:.1f}个百分点" in text
    rate = progress.set_index("metric").loc["caregiver_cert_rate"]
    assert f"吕梁山护工持证率{rate.actual:.1f}%" in text
    lagging = progress[progress.status == "lagging"]
    listed = re.search(r"滞后于时序进度10个百分点以上的指标：(.+?)。", text).group(1).split("、")
    assert listed == [ui.metric_label(m) for m in lagging.sort_values("position").metric]


def test_markdown_report_from_the_command_line(data):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "report",
            "--plan",
            "liulin-2023",
            "--as-of",
            "2023-06-30",
            "--data",
            str(data),
            "--format",
            "md",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# 2023年柳林县")
    assert "截至2023年6月30日" in done.stdout


def test_report_for_an_unknown_plan_is_a_clear_error(data):
    done = subprocess.run(
        [sys.executable, "-m", "tracker", "report", "--plan", "nope", "--data", str(data), "--format", "md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "未知计划" in done.stderr and "Traceback" not in done.stderr
