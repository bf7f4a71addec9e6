"""#11 / #16: one export template (print-ready .xlsx, clean CSV), zh-CN number conventions, nothing from the data
executes; and (marked browser: it needs LibreOffice) every export converted to PDF prints one page wide."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from extracts import LISHI, certificate_row, d, training_row, write_extracts

from tracker import export, report, ui
from tracker.query import Runner

HOSTILE = ['=HYPERLINK("http://x/?q="&A1,"点此查看")', "JG](http://evil.invalid)", "+1+2", "-3+4", "@SUM(A1)"]


def test_half_up_rounding_from_the_exact_value_contract_4():
    assert ui.round_half_up(115.25) == 115.3 and ui.fmt_pct(115.25) == "115.3%"
    assert ui.fmt_pct(82.03) == "82.0%" and ui.fmt_pct(0.05) == "0.1%"
    assert ui.fmt_pct(-2.25) == "−2.3%"


def test_wan_from_ten_thousand_and_whole_persons():
    assert ui.fmt_wan(391787) == "39.18万人" and ui.fmt_wan(500000) == "50万人"
    assert ui.fmt_wan(9999) == "9,999人" and ui.fmt_wan(1422.5) == "1,423人"
    assert ui.fmt_int(1422.8) == "1,423人"
    ticks = ui.axis_wan([391787])
    assert ticks["ticktext"][:3] == ["0", "10万", "20万"]


def test_gap_sign_contract_4_negative_is_behind():
    assert ui.gap_of(70.0, 80.3) == pytest.approx(-10.3)
    assert ui.fmt_pts(-10.3) == "−10.3个百分点" and ui.fmt_pts(2) == "+2.0个百分点"
    assert ui.gap_words(-9.66) == "滞后时序进度9.7个百分点" and ui.gap_words(1.04) == "超出时序进度1.0个百分点"
    table = ui.league_table(
        pd.DataFrame(
            {
                "unit_type": ["city", "city"],
                "unit_code": ["140100", "140700"],
                "unit_name": ["太原市", "晋中市"],
                "metric": ["subsidised_trainees"] * 2,
                "target": [100, 100],
                "actual": [90, 60],
                "pct": [90.0, 60.0],
                "expected_pct": [80.25, 80.25],
                "status": ["on_track", "lagging"],
                "source": ["demo", "demo"],
            }
        )
    )
    assert list(table["单位"]) == ["晋中市", "太原市"], "most behind first"
    assert list(table["差距(百分点)"]) == [-20.3, 9.8]


def test_every_status_has_a_label_colour_and_legend():
    for status in ("on_track", "behind", "lagging", "no_data", "not_started"):
        assert ui.status_label(status) != "—" and status in ui.STATUS_COLORS
    legend = ui.status_legend_markdown()
    assert "达到进度" in legend and "略滞后" in legend and "<10" not in legend and "无数据" in legend


def frame_with(text_values: list[str]) -> pd.DataFrame:
    n = len(text_values)
    return pd.DataFrame(
        {
            "单位": text_values,
            "任务": [725.0] * n,
            "完成率": [82.03] * n,
            "差距(百分点)": [-9.66] * n,
            "状态": ["🔴 滞后"] * n,
        }
    )


def test_xlsx_stores_data_text_as_text_16():
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(frame_with(HOSTILE), "区域分析", ["说明"])))
    sheet = book.active
    cells = [c for row in sheet.iter_rows() for c in row if c.value in HOSTILE]
    assert len(cells) == len(HOSTILE)
    assert all(c.data_type == "s" and c.hyperlink is None for c in cells), [(c.value, c.data_type) for c in cells]


def test_csv_neutralises_formulas_and_writes_whole_numbers_16():
    text = export.to_csv(frame_with(HOSTILE)).decode("utf-8-sig")
    rows = list(pd.read_csv(io.StringIO(text), dtype=str).itertuples(index=False))
    for row, raw in zip(rows, HOSTILE):
        assert row.单位 == ("'" + raw if raw[0] in "=+-@" else raw)
        assert row.任务 == "725" and row.完成率 == "82.0" and row._3 == "-9.7"
        assert row.状态 == "滞后", "no emoji in cells"
    assert "725.0" not in text


def test_page_table_export_has_the_template_and_kinds():
    frame = frame_with(["太原市", "晋中市"])
    sheet = openpyxl.load_workbook(
        io.BytesIO(
            export.to_xlsx(
                frame,
                "区域分析",
                ["注"],
                title="各市进度",
                basis="晋人社厅函〔2023〕786号",
                as_of=dt.date(2023, 10, 20),
            )
        )
    ).active
    assert sheet["A1"].value == "各市进度" and "截至：2023年10月20日" in sheet["A2"].value
    header = next(r for r in range(1, 6) if sheet.cell(r, 1).value == "单位")
    values = [c.value for c in sheet[header + 1]]
    formats = [c.number_format for c in sheet[header + 1]]
    assert values[1:4] == [725, pytest.approx(0.82), pytest.approx(-9.7)]
    assert formats[1:4] == ["#,##0", "0.0%", "+0.0;−0.0;0.0"]
    assert values[4] == "滞后"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == f"${header}:${header}"


# ---------------------------------------------------------------- as printed (LibreOffice)

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def pdf_text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    if not SOFFICE or not shutil.which("pdfinfo"):
        pytest.skip("LibreOffice / poppler not installed (make test installs them)")
    folder = tmp_path_factory.mktemp("printed")
    rows = [training_row(i, end_date="2023-05-10") for i in range(400)] + [
        training_row(5000 + i, county_code=LISHI, end_date="2023-06-30") for i in range(3000)
    ]
    data = write_extracts(folder / "data", rows, [certificate_row(1, issue_date="2023-06-01")])
    runner = Runner(data)
    on = d("2023-06-30")
    files = {
        "liulin.xlsx": report.dispatch_xlsx(runner, "liulin-2023", on, None),
        "county.xlsx": report.dispatch_xlsx(runner, "sx-train-2023", on, "county"),
        "city.xlsx": report.dispatch_xlsx(runner, "sx-train-2023", on, "city"),
        "liulin-通报.docx": report.bulletin_docx(runner, "liulin-2023", on, None),
        "county-通报.docx": report.bulletin_docx(runner, "sx-train-2023", on, "county"),
        "wide.xlsx": export.to_xlsx(
            pd.DataFrame({f"很长的列名第{i}列": ["内容" * 6] * 60 for i in range(18)}), "宽表", title="十八列的宽表"
        ),
    }
    out = folder / "pdf"
    out.mkdir()
    for name, payload in files.items():
        (folder / name).write_bytes(payload)
    subprocess.run(
        [SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(out), *[str(folder / n) for n in files]],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return {name: out / (Path(name).stem + ".pdf") for name in files}


@pytest.mark.browser
@pytest.mark.parametrize("name", ["liulin.xlsx", "county.xlsx", "city.xlsx", "wide.xlsx"])
def test_each_xlsx_prints_one_page_wide_with_title_and_page_numbers(printed, name):
    pdf = printed[name]
    pages = pdf_pages(pdf)
    first = pdf_text(pdf, 1)
    assert "调度表" in first or "宽表" in first, "title on the first page"
    for page in range(1, pages + 1):
        text = pdf_text(pdf, page)
        assert f"第{page}页 共{pages}页" in text, f"page {page}: no page number"
        assert "制表日期" in text
        # one page wide: every printed page holds the first and the last column's header (repeated print titles)
        headers = ("单位", "依据") if name != "wide.xlsx" else ("很长的列名第0列", "很长的列名第17列")
        assert all(h in text for h in headers), f"page {page} of {name} is cut: {headers}"
    if name == "liulin.xlsx":
        assert pages == 1


@pytest.mark.browser
@pytest.mark.parametrize("name", ["liulin-通报.docx", "county-通报.docx"])
def test_the_bulletin_prints_as_an_office_document(printed, name):
    pdf = printed[name]
    pages = pdf_pages(pdf)
    assert 1 <= pages <= 8
    first = pdf_text(pdf, 1)
    assert "关于" in first and "双周调度情况的通报" in first
    assert re.search(r"—\s*1\s*—", first), "page number at the foot"
    last = pdf_text(pdf, pages)
    assert re.search(rf"—\s*{pages}\s*—", last)
    assert "建设工作领导小组办公室" in last or "人社局" in last


def test_column_kinds_from_headers_whole_persons_years_and_shares(monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(tmp_path / "none.toml"))  # the default 制表单位
    frame = pd.DataFrame({"年度": [2023], "缺口(人)": [9822.6], "占缺口比重": [45.43], "需提速(倍)": [1.25]})
    sheet = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(frame, plan="sx-train-2023"))).active
    header = next(r for r in range(1, 6) if sheet.cell(r, 1).value == "年度")
    cells = list(sheet[header + 1])
    assert [c.value for c in cells] == [2023, 9823, pytest.approx(0.454), 1.3]
    assert [c.number_format for c in cells] == ["0", "#,##0", "0.0%", "#,##0.0"]
    assert "山西省“人人持证、技能社会”建设工作领导小组办公室" in sheet.oddHeader.left.text
    row = export.to_csv(frame).decode("utf-8-sig").splitlines()[1]
    assert row == "2023,9823,45.4,1.3"
