"""#11: the dispatch .xlsx and the 通报 (.docx / .txt) carry exactly the queries' figures, laid out as an office sends them."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest
from extracts import LISHI, TAIYUAN_XIAODIAN, certificate_row, d, training_row, write_extracts

from tracker import bulletin, report, ui
from tracker.query import Runner

ROOT = Path(__file__).resolve().parent.parent
AS_OF = d("2023-06-30")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    rows = (
        [training_row(i, end_date="2023-05-10") for i in range(400)]
        + [training_row(1000 + i, training_type="caregiver_brand", end_date="2023-06-20") for i in range(300)]
        + [training_row(2000 + i, training_type="entrepreneurship", end_date="2023-06-25") for i in range(20)]
        # other counties, so that the province plan has units ahead and behind at city and county level
        + [training_row(3000 + i, county_code=LISHI, end_date="2023-04-10") for i in range(2500)]
        + [training_row(6000 + i, county_code=TAIYUAN_XIAODIAN, end_date="2023-04-10") for i in range(9000)]
        + [training_row(20000, county_code=LISHI, end_date="2023-06-30")]  # the latest business date
    )
    certs = [certificate_row(1000 + i, issue_date="2023-06-28") for i in range(280)]
    certs.append(certificate_row(5000, issue_date="2023-06-30", county_code="141102"))  # the extract reaches 06-30
    return write_extracts(folder, rows, certs)


@pytest.fixture(autouse=True)
def office_settings(tmp_path, monkeypatch):
    path = tmp_path / "settings.toml"
    path.write_text('[bulletin]\nissuer = "柳林县人社局"\ndate = "2023-07-03"\n', encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(path))


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=ROOT, capture_output=True, text=True)


def sheet_rows(sheet) -> tuple[list[str], list[tuple]]:
    """The header (the row holding 单位) and the body rows below it up to the blank row before the notes."""
    header_row = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "单位")
    headers = [c.value for c in sheet[header_row]]
    body = []
    for row in sheet.iter_rows(min_row=header_row + 1, values_only=True):
        if row[0] is None:
            break
        body.append(row)
    return headers, body


def test_xlsx_cells_equal_the_dispatch_query_002(data, tmp_path):
    out = tmp_path / "dispatch.xlsx"
    done = cli("report", "--plan", "liulin-2023", "--as-of", "2023-06-30", "--data", str(data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    dispatch = Runner(data).run("dispatch", plan="liulin-2023", as_of=AS_OF)
    book = openpyxl.load_workbook(out)
    sheet = book.active
    assert "柳林" in sheet["A1"].value and "双周调度表" in sheet["A1"].value
    assert any(str(r).startswith("A1:") for r in sheet.merged_cells.ranges), "title not merged"
    assert "柳政办发〔2023〕19号" in sheet["A2"].value and "截至：2023年6月30日" in sheet["A2"].value
    assert "期次：第13期" in sheet["A2"].value
    assert sheet.freeze_panes == "A5"
    headers, body = sheet_rows(sheet)
    assert "排名" not in headers and "排名变化" not in headers, "one unit: rank columns mean nothing"
    col = {h: i for i, h in enumerate(headers)}
    assert len(body) == len(dispatch)
    by_metric = dispatch.set_index("metric")
    gaps = []
    for row in body:
        metric = next(m for m in by_metric.index if ui.metric_label(m) == row[col["指标"]])
        expected = by_metric.loc[metric]
        assert row[col["单位"]] == "吕梁市·柳林县"
        assert row[col["年度任务"]] == pytest.approx(expected["target"])
        if expected["status"] == "no_data":  # CONTRACT §4: nobody due yet — an empty rate, no verdict, last
            assert row[col["累计完成"]] is None and row[col["完成率"]] is None
            assert row[col["状态"]] == "无数据"
            continue
        assert row[col["累计完成"]] == pytest.approx(
            ui.round_half_up(expected["cumulative"], 1 if expected["kind"] == "rate" else 0)
        )
        assert row[col["完成率"]] == pytest.approx(ui.round_half_up(expected["pct"], 1) / 100)
        assert row[col["时序进度"]] == pytest.approx(ui.round_half_up(expected["expected_pct"], 1) / 100)
        gap = ui.round_half_up(expected["pct"] - expected["expected_pct"], 1)
        assert row[col["差距（百分点）"]] == pytest.approx(gap), "§4: 差距 = completion − expected"
        assert row[col["状态"]] == ui.STATUS_LABELS[expected["status"]]
        if expected["kind"] == "count":
            assert row[col["每期需完成"]] == expected["needed_per_period"]
        gaps.append(gap)
    assert gaps == sorted(gaps), "worst first"
    first = 5
    assert sheet.cell(first, col["完成率"] + 1).number_format == "0.0%"
    assert sheet.cell(first, col["差距（百分点）"] + 1).number_format.startswith("+0.0")
    status_cell = sheet.cell(first, col["状态"] + 1)
    status = next(k for k, v in ui.STATUS_LABELS.items() if v == status_cell.value)
    assert status_cell.fill.fgColor.rgb.endswith(ui.STATUS_COLORS[status].lstrip("#").upper())
    assert not any(re.search("[\U0001f300-\U0001faff]", str(c)) for r in body for c in r), "no emoji in cells"
    # print: A4 landscape, one page wide, header repeated, 制表单位 / 制表日期 / 第N页 共M页
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$4:$4"
    assert "制表单位：柳林县人社局" in sheet.oddHeader.left.text
    assert "制表日期" in sheet.oddHeader.right.text
    assert sheet.oddFooter.center.text == "第&P页 共&N页"
    notes = [sheet.cell(r, 1).value or "" for r in range(5 + len(body), sheet.max_row + 1)]
    assert any(n.startswith("说明") for n in notes)


def test_county_sheet_worst_first_with_a_total_and_ranks_003(data):
    runner = Runner(data)
    book = openpyxl.load_workbook(io.BytesIO(report.dispatch_xlsx(runner, "sx-train-2023", AS_OF, "county")))
    headers, body = sheet_rows(book.active)
    col = {h: i for i, h in enumerate(headers)}
    dispatch = runner.run("dispatch", plan="sx-train-2023", as_of=AS_OF, level="county")
    dispatch = dispatch[dispatch.target.notna()]
    units = [r for r in body if r[col["单位"]] != "合计"]
    total = [r for r in body if r[col["单位"]] == "合计"]
    assert len(units) == len(dispatch) == 117 and len(total) == 1
    assert "排名" in headers
    gaps = [r[col["差距（百分点）"]] for r in units]
    assert gaps == sorted(gaps), "the most behind county first"
    assert total[0][col["年度任务"]] == pytest.approx(dispatch.target.sum())
    assert total[0][col["累计完成"]] == pytest.approx(dispatch.cumulative.sum())
    assert total[0][col["完成率"]] == pytest.approx(
        ui.round_half_up(100 * dispatch.cumulative.sum() / dispatch.target.sum(), 1) / 100
    )
    names = {r[col["单位"]] for r in units}
    assert "晋城市·城区" in names and "阳泉市·城区" in names, "county rows carry their city"


def test_bulletin_text_numbers_equal_the_progress_query_002(data):
    runner = Runner(data)
    text = report.bulletin_text(runner, "liulin-2023", AS_OF, None)
    lines = text.splitlines()
    progress = runner.run("progress", plan="liulin-2023", as_of=AS_OF).set_index("metric")
    dispatch = runner.run("dispatch", plan="liulin-2023", as_of=AS_OF).set_index("metric")
    assert lines[0] == "关于2023年柳林县推进“人人持证、技能山西”建设第13期双周调度情况的通报"
    assert lines[2] == "各乡（镇）人民政府，县直有关单位："
    assert "柳政办发〔2023〕19号" in text and "截至2023年6月30日" in text
    assert "　　一、总体进展" in lines and "　　二、各项任务进展" in lines
    assert "三、各" not in text, "one county: no section of units"
    assert lines[-2].strip() == "柳林县人社局" and lines[-1].strip() == "2023年7月3日", "落款 from the settings"
    targeted = progress[progress.target.notna()]
    assert f"全县{len(targeted)}项任务中，{(targeted.status == 'on_track').sum()}项达到时序进度" in text
    for metric, row in targeted.iterrows():
        label = ui.metric_label(metric)
        line = next(x for x in lines if re.match(rf"　　（[一二三四五六七八九十]+）{re.escape(label)}。", x))
        if row.status == "no_data":  # CONTRACT §4: nobody due yet — said in words, never a 0 % rate
            assert "无数据" in line and "%" not in line
            continue
        if row.kind == "rate":
            assert f"{label}{ui.fmt_pct(row.actual)}" in line
            assert f"目标不低于{ui.fmt_pct(row.target)}" in line
            continue
        assert (
            f"累计完成{ui.fmt_wan(row.actual)}" in line
            and f"（{ui.fmt_wan(row.target)}）的{ui.fmt_pct(row.pct)}" in line
        )
        assert f"时序进度{ui.fmt_pct(row.expected_pct)}" in line
        assert ui.gap_words(row.pct - row.expected_pct) in line
        assert ui.status_label(row.status) in line
        need = dispatch.loc[metric]
        if row.actual < row.target:
            assert f"每期需完成{ui.fmt_wan(need.needed_per_period)}" in line
        else:
            assert "已完成年度任务" in line


def test_bulletin_at_county_level_lists_every_lagging_county_under_its_city_003(data):
    runner = Runner(data)
    text = report.bulletin_text(runner, "sx-train-2023", AS_OF, "county")
    progress = runner.run("progress", plan="sx-train-2023", as_of=AS_OF)
    counties = progress[(progress.unit_type == "county") & progress.target.notna()]
    province = progress[(progress.unit_type == "province") & progress.target.notna()]
    assert f"全省{len(province)}项任务中" in text, "task counts count targeted rows only"
    total = province.set_index("metric").loc["subsidised_trainees"]
    assert f"累计完成{ui.fmt_wan(total.actual)}，完成年度任务（{ui.fmt_wan(total.target)}）" in text
    assert ui.fmt_wan(total.target) == "50万人", "万人 from 10,000"
    assert "　　三、各县（市、区）进展" in text
    lagging = counties[counties.status == "lagging"]
    assert len(lagging) > 10
    assert f"滞后的{len(lagging)}个县（市、区）" in text
    item_lines = [x for x in text.splitlines() if x.startswith("　　　　")]
    for row in lagging.itertuples():
        city = ui.region_name(ui.region_parent(row.unit_code))
        assert any(
            x.startswith(f"　　　　{city}（") and f"{row.unit_name}{ui.fmt_pct(row.pct)}" in x for x in item_lines
        ), row
    ahead = counties[counties.status == "on_track"]
    if len(ahead):
        assert f"达到时序进度的{len(ahead)}个县（市、区）（先进）" in text
        for row in ahead.itertuples():
            assert f"{row.unit_name}{ui.fmt_pct(row.pct)}" in text
    assert len(set(text.splitlines()) - {""}) == len([x for x in text.splitlines() if x]), "no line repeated"
    city_text = report.bulletin_text(runner, "sx-train-2023", AS_OF, "city")
    assert "各县（市、区）进展" not in city_text and "　　三、各市进展" in city_text
    assert "县" not in city_text.split("三、各市进展")[1].split("四、")[0], "only the chosen level's units"


def test_docx_holds_the_same_text_as_the_txt(data, tmp_path):
    out = tmp_path / "通报.docx"
    done = cli(
        "report",
        "--plan",
        "sx-train-2023",
        "--level",
        "city",
        "--as-of",
        "2023-06-30",
        "--data",
        str(data),
        "--format",
        "docx",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    document = docx.Document(str(out))
    paragraphs = [p.text for p in document.paragraphs]
    text = report.bulletin_text(Runner(data), "sx-train-2023", AS_OF, "city")
    assert [p.strip() for p in paragraphs if p.strip()] == [x.strip() for x in text.splitlines() if x.strip()]
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.top_margin.mm) == 37
    assert "PAGE" in section.footer._element.xml
    title = document.paragraphs[0]
    assert title.runs[0].font.size.pt == 22 and title.alignment == 1  # centred


def test_txt_on_stdout_and_md_alias(data):
    txt = cli("report", "--plan", "liulin-2023", "--as-of", "2023-06-30", "--data", str(data), "--format", "txt")
    md = cli("report", "--plan", "liulin-2023", "--as-of", "2023-06-30", "--data", str(data), "--format", "md")
    assert txt.returncode == 0 and md.returncode == 0, txt.stderr + md.stderr
    assert txt.stdout == md.stdout and txt.stdout.startswith("关于2023年柳林县")


def test_an_as_of_past_the_data_states_the_data_date_004(data):
    text = report.bulletin_text(Runner(data), "liulin-2023", d("2023-09-30"), None)
    assert "截至2023年6月30日（数据截至该日）" in text


def test_report_for_an_unknown_plan_or_level_is_a_clear_error(data, tmp_path):
    done = cli("report", "--plan", "nope", "--data", str(data), "--format", "txt")
    assert done.returncode == 2 and "未知计划" in done.stderr and "Traceback" not in done.stderr
    done = cli("report", "--plan", "liulin-2023", "--data", str(data), "--level", "town", "--format", "txt")
    assert done.returncode == 2 and "--level" in done.stderr and "Traceback" not in done.stderr
    done = cli("report", "--plan", "liulin-2023", "--data", str(data), "--out", str(tmp_path / "no" / "x.xlsx"))
    assert done.returncode == 2 and "输出文件夹不存在" in done.stderr


def test_issuer_defaults_to_the_plan_s_office(data, monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(tmp_path / "none.toml"))
    text = report.bulletin_text(Runner(data), "sx-train-2023", AS_OF, None)
    assert "山西省“人人持证、技能社会”建设工作领导小组办公室" in text
    assert bulletin.issue_date() == bulletin.dt.date.today()
