"""Importing real extracts safely (issue #7): validation, row numbers, versions, all-or-nothing, rollback.

Every bad file is built in tmp_path; each must be refused with its exact Chinese message (file, row, column,
value, reason) and leave the served data byte-for-byte unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from extracts import LISHI, certificate_row, training_row, write_extracts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from tracker import ingest, pii
from tracker.contract import CERTIFICATE_SCHEMA, TRAINING_SCHEMA
from tracker.store import active_dir, current_version, data_version, mark_demo

ROOT = Path(__file__).resolve().parent.parent
SALT = "ingest-test-salt-0123456789"
TODAY = dt.date.today()


# ---------------------------------------------------------------- helpers


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def write_csv(
    path: Path,
    rows: list[dict],
    encoding: str = "utf-8",
    drop: tuple[str, ...] = (),
    extra: dict[str, str] | None = None,
    rename: dict[str, str] | None = None,
) -> Path:
    df = frame(rows).drop(columns=list(drop))
    for k, v in (extra or {}).items():
        df[k] = v
    if rename:
        df = df.rename(columns=rename)
    path.write_bytes(df.to_csv(index=False).encode(encoding))
    return path


def write_parquet(path: Path, rows: list[dict], schema: pa.Schema = TRAINING_SCHEMA) -> Path:
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def snapshot(folder: Path) -> tuple[str, dict[str, str]]:
    """The served data version and a hash of every file in the folder (lock file aside)."""
    files = {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ingest.LOCK_FILE
    }
    return data_version(folder), files


def cli(capsys, files: list[Path], data: Path) -> tuple[int, str, str]:
    rc = ingest.ingest_cli([str(f) for f in files], data)
    out = capsys.readouterr()
    return rc, out.out, out.err


def make_id(area: str = "141125", birth: str = "20050101", seq: str = "123") -> str:
    body = area + birth + seq
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture(autouse=True)
def no_salt(monkeypatch):
    monkeypatch.delenv(pii.SALT_ENV, raising=False)
    monkeypatch.delenv(pii.SALT_FILE_ENV, raising=False)
    monkeypatch.delenv(ingest.PAUSE_ENV, raising=False)


@pytest.fixture
def served(tmp_path, capsys) -> Path:
    """A data folder already serving one imported version (5 trainings, 2 certificates)."""
    data = tmp_path / "data"
    src = tmp_path / "first"
    src.mkdir()
    files = [
        write_parquet(src / "training.parquet", [training_row(i) for i in range(1, 6)]),
        write_parquet(src / "certificates.parquet", [certificate_row(i) for i in range(1, 3)], CERTIFICATE_SCHEMA),
    ]
    rc, _, err = cli(capsys, files, data)
    assert rc == 0, err
    return data


# ---------------------------------------------------------------- good files in every format


def test_csv_in_utf8_and_gb18030_imports_with_table_detected_by_columns(tmp_path, capsys):
    data = tmp_path / "data"
    a = write_csv(tmp_path / "weekly_a.csv", [training_row(1, occupation="养老护理员")], encoding="utf-8-sig")
    b = write_csv(tmp_path / "weekly_b.csv", [training_row(2, occupation="养老护理员")], encoding="gb18030")
    c = write_csv(tmp_path / "weekly_c.csv", [certificate_row(1, occupation="养老护理员")], encoding="gb18030")
    rc, out, err = cli(capsys, [a, b, c], data)
    assert rc == 0, err
    manifest = json.loads((active_dir(data) / "manifest.json").read_text(encoding="utf-8"))
    assert [(f["table"], f["encoding"]) for f in manifest["files"]] == [
        ("training", "utf-8"),
        ("training", "gb18030"),
        ("certificates", "gb18030"),
    ]
    training = pq.read_table(active_dir(data) / "training.parquet")
    assert training.schema == TRAINING_SCHEMA
    assert training.column("occupation").to_pylist() == ["养老护理员", "养老护理员"]
    assert "培训实名制记录：本次 2 行（新增 2，替换 0），合计 2 行" in out


def test_xlsx_with_chinese_headers_excel_dates_and_labels_imports(tmp_path, capsys):
    wb = openpyxl.Workbook()
    ws = wb.active
    header = [
        "记录编号",
        "人员标识",
        "县级区划代码",
        "培训类型",
        "人员类别",
        "培训机构",
        "院校名称",
        "职业(工种)",
        "技能等级",
        "产业",
        "开班日期",
        "结业日期",
        "课时",
        "培训状态",
        "培训合格",
        "就业",
        "录入日期",
    ]
    ws.append(header)
    ws.append(
        [
            "T1",
            "P1",
            141125,
            "劳务品牌（吕梁山护工）",
            "脱贫劳动力",
            "JG001",
            None,
            "养老护理员",
            "初级工",
            None,
            dt.datetime(2023, 3, 1),
            dt.datetime(2023, 3, 10),
            80,
            "结业",
            "是",
            "否",
            dt.datetime(2023, 3, 12),
        ]
    )
    ws.append([None] * len(header))  # a blank spreadsheet row is skipped, not an error
    ws.append(
        [
            "T2",
            "P2",
            "141102",
            "enterprise_staff",
            "other",
            "JG002",
            None,
            "电工",
            4,
            None,
            "2023/4/1",
            "20230410",
            "96",
            "completed",
            1,
            None,
            45040,
        ]
    )  # 45040 = Excel serial of 2023-04-24
    wb.save(tmp_path / "培训名单.xlsx")
    data = tmp_path / "data"
    rc, _, err = cli(capsys, [tmp_path / "培训名单.xlsx"], data)
    assert rc == 0, err
    rows = pq.read_table(active_dir(data) / "training.parquet").to_pylist()
    assert rows[0]["training_type"] == "caregiver_brand" and rows[0]["person_category"] == "poverty_relieved"
    assert rows[0]["skill_level"] == 5 and rows[0]["status"] == "completed"
    assert rows[0]["passed"] is True and rows[0]["employed"] is False
    assert rows[0]["county_code"] == "141125"
    assert rows[1]["start_date"] == dt.date(2023, 4, 1) and rows[1]["end_date"] == dt.date(2023, 4, 10)
    assert rows[1]["entered_on"] == dt.date(2023, 4, 24)
    assert rows[1]["hours"] == 96 and rows[1]["employed"] is None


def test_xlsx_rows_are_numbered_as_in_the_spreadsheet(tmp_path, capsys, served):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(TRAINING_SCHEMA.names))
    good, bad = training_row(1), training_row(2, county_code="123456")
    ws.append([good[c] for c in TRAINING_SCHEMA.names])
    ws.append([None] * 17)
    ws.append([bad[c] for c in TRAINING_SCHEMA.names])
    wb.save(tmp_path / "training.xlsx")
    rc, _, err = cli(capsys, [tmp_path / "training.xlsx"], served)
    assert rc == 2
    assert (
        "training.xlsx 第4行 [county_code（县级区划代码）] 值“123456”："
        "不是山西省的县级区划代码（见 data/reference/regions.csv）"
    ) in err


def test_extra_columns_are_reported_as_warnings_and_not_imported(tmp_path, capsys):
    data = tmp_path / "data"
    f = write_csv(tmp_path / "training.csv", [training_row(1)], extra={"备注": "x", "fee": "300"})
    rc, _, err = cli(capsys, [f], data)
    assert rc == 0
    assert "training.csv [备注]：多余的列，已忽略（不导入）（警告）" in err
    assert "training.csv [fee]：多余的列，已忽略（不导入）（警告）" in err
    assert pq.read_table(active_dir(data) / "training.parquet").column_names == TRAINING_SCHEMA.names
    manifest = ingest.read_manifest(active_dir(data))
    assert manifest["validation"]["warnings"] == 2


# ---------------------------------------------------------------- the corpus of bad files


def _truncated_parquet(tmp: Path) -> Path:
    good = write_parquet(tmp / "training.parquet", [training_row(i) for i in range(50)])
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    return good


def _big5(tmp: Path) -> Path:
    return write_csv(
        tmp / "training.csv",
        [training_row(1, occupation="電工", institution_id="職業培訓學校"), training_row(2, occupation="養老護理員")],
        encoding="big5",
    )


def _latin1(tmp: Path) -> Path:
    return write_csv(tmp / "training.csv", [training_row(1, occupation="Café, Müller")], encoding="latin-1")


def _rows(tmp: Path, *rows: dict, name: str = "training.csv", **kw) -> Path:
    return write_csv(tmp / name, list(rows), **kw)


def _raw_ids(tmp: Path) -> Path:
    good = make_id(seq="001")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [training_row(1), training_row(2)]
    for r in rows:
        del r["person_id"]
    rows[0]["身份证号"], rows[1]["身份证号"] = good, bad
    return write_csv(tmp / "training.csv", rows)


def _wrong_column_count(tmp: Path) -> Path:
    f = write_csv(tmp / "training.csv", [training_row(1), training_row(2)])
    lines = f.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit(",", 3)[0]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def _file(tmp: Path, name: str, data: bytes) -> Path:
    (tmp / name).write_bytes(data)
    return tmp / name


def _bad_values(tmp: Path) -> Path:
    row = training_row(1, skill_level=7, passed="maybe", training_type="vocational", hours=0)
    row["start_date"] = "2023-02-30"
    return write_csv(tmp / T, [row])


def _header_only(tmp: Path) -> Path:
    f = tmp / "training.csv"
    f.write_text(",".join(TRAINING_SCHEMA.names) + "\n", encoding="utf-8")
    return f


T = "training.csv"
BAD_FILES = {
    "truncated parquet": (
        _truncated_parquet,
        ["training.parquet：Parquet 文件已损坏或不完整（可能传输中断），无法读取"],
    ),
    "big5 csv": (
        _big5,
        [
            f"{T}：文件编码无法识别：既不是 UTF-8 也不是 GB18030（可能是 Big5、Latin-1 等编码）。"
            "请在 Excel / WPS 中另存为“CSV UTF-8（逗号分隔）”后再导入"
        ],
    ),
    "latin-1 csv": (_latin1, [f"{T}：文件编码无法识别：既不是 UTF-8 也不是 GB18030"]),
    "empty file": (lambda t: _file(t, T, b""), [f"{T}：文件为空（0 字节）"]),
    "header only": (_header_only, [f"{T}：文件中没有数据记录"]),
    "old excel": (
        lambda t: _file(t, "training.xls", b"\xd0\xcf\x11\xe0"),
        [
            "training.xls：不支持的文件类型“.xls”（支持 .parquet、.csv、.xlsx；旧版 .xls 请在 Excel / WPS 中另存为 .xlsx）"
        ],
    ),
    "missing columns": (
        lambda t: _rows(t, training_row(1), drop=("county_code", "entered_on")),
        [
            f"{T} [county_code（县级区划代码）]：缺少必需的列 county_code（县级区划代码）",
            f"{T} [entered_on（录入日期）]：缺少必需的列 entered_on（录入日期）",
        ],
    ),
    "unknown table": (
        lambda t: _rows(t, training_row(1), name="weekly.csv", drop=("record_id",)),
        ["weekly.csv：无法判断是培训记录还是取证记录"],
    ),
    "unknown county": (
        lambda t: _rows(t, training_row(1), training_row(2, county_code="149999")),
        [f"{T} 第3行 [county_code（县级区划代码）] 值“149999”：不是山西省的县级区划代码"],
    ),
    "end before start": (
        lambda t: _rows(t, training_row(1), training_row(2), training_row(3, end_date="2023-02-27")),
        [f"{T} 第4行 [end_date（结业日期）] 值“2023-02-27（开班日期 2023-03-01）”：结业日期早于开班日期"],
    ),
    "entered before start": (
        lambda t: _rows(t, training_row(1, entered_on="2023-02-01")),
        [f"{T} 第2行 [entered_on（录入日期）] 值“2023-02-01（开班日期 2023-03-01）”：录入日期早于开班日期"],
    ),
    "duplicate ids": (
        lambda t: _rows(t, training_row(1), training_row(2), training_row(3, record_id="T000001")),
        [f"{T} 第4行 [record_id（记录编号）] 值“T000001（首次出现在第2行）”：编号在本文件中重复"],
    ),
    "bad values": (
        _bad_values,
        [
            f"{T} 第2行 [start_date（开班日期）] 值“2023-02-30”：不是有效日期（应为 YYYY-MM-DD）",
            f"{T} 第2行 [skill_level（技能等级）] 值“7”：技能等级应为1–5（5 初级工 … 1 高级技师）",
            f"{T} 第2行 [passed（培训合格）] 值“maybe”：不是有效的是/否值（应为 是/否、true/false、1/0）",
            f"{T} 第2行 [training_type（培训类型）] 值“vocational”：不是有效的代码（可用：enterprise_staff、",
            f"{T} 第2行 [hours（课时）] 值“0”：课时应为正整数",
        ],
    ),
    "dates out of range": (
        lambda t: _rows(
            t,
            training_row(
                1, start_date="2014-12-01", end_date="2014-12-20", entered_on=(TODAY + dt.timedelta(days=3)).isoformat()
            ),
        ),
        [
            f"{T} 第2行 [start_date（开班日期）] 值“2014-12-01”：日期早于2015年1月1日",
            f"{T} 第2行 [entered_on（录入日期）] 值“{TODAY + dt.timedelta(days=3)}”：日期晚于今天（{TODAY}）",
        ],
    ),
    "certificate without its level": (
        lambda t: _rows(t, certificate_row(1), certificate_row(2, skill_level=None), name="certificates.csv"),
        [
            "certificates.csv 第3行 [skill_level（技能等级）] 值“skill_level”：职业资格证书 / 职业技能等级证书须填写技能等级"
        ],
    ),
    "missing required value": (
        lambda t: _rows(t, training_row(1, occupation=None)),
        [f"{T} 第2行 [occupation（职业(工种)）]：必填项为空"],
    ),
    "wrong column count": (_wrong_column_count, [f"{T} 第3行：列数与表头不符（应为17列，实为14列）"]),
    "raw ids with a bad check digit": (_raw_ids, [f"{T} 第3行 [身份证号] 值“141125********"]),
    "raw id in person_id": (
        lambda t: _rows(t, training_row(1, person_id=make_id())),
        [f"{T} 第2行 [person_id（人员标识）] 值“141125********", "人员标识中含原始身份证号，但未配置盐值"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_with_its_message_and_data_unchanged(case, served, tmp_path, capsys, monkeypatch):
    if case == "raw ids with a bad check digit":
        monkeypatch.setenv(pii.SALT_ENV, SALT)
    make, expected = BAD_FILES[case]
    bad = tmp_path / "bad"
    bad.mkdir()
    path = make(bad)
    before = snapshot(served)
    rc, out, err = cli(capsys, [path], served)
    assert rc == 2, out
    assert err.startswith("导入被拒绝：")
    assert ingest.ROW_NOTE in err
    for text in expected:
        assert text in err, f"{text!r} not in\n{err}"
    assert snapshot(served) == before
    assert out == ""


def test_bad_check_digit_names_the_reason_and_never_prints_the_full_id(served, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(pii.SALT_ENV, SALT)
    path = _raw_ids(tmp_path)
    bad_id = pd.read_csv(path, dtype=str)["身份证号"][1]
    rc, _, err = cli(capsys, [path], served)
    assert rc == 2
    assert f"{T} 第3行 [身份证号] 值“{pii.mask_id(bad_id)}”：身份证号校验位错误" in err
    assert bad_id not in err and bad_id[:14] not in err


def test_raw_ids_without_a_salt_are_refused(served, tmp_path, capsys):
    good = make_id()
    row = training_row(1)
    del row["person_id"]
    row["id_number"] = good
    before = snapshot(served)
    rc, _, err = cli(capsys, [write_csv(tmp_path / T, [row])], served)
    assert rc == 2
    assert (
        f"{T} [id_number]：文件含身份证号列，但未配置盐值（环境变量 SKILLS_ID_SALT 或 SKILLS_ID_SALT_FILE），"
        "拒绝导入以免原始身份证号落盘"
    ) in err
    assert snapshot(served) == before


def test_raw_ids_are_hashed_into_person_id_and_never_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(pii.SALT_ENV, SALT)
    ids = [make_id(seq=f"{i:03d}") for i in range(3)]
    rows = [training_row(i) for i in range(3)]
    for r, id_number in zip(rows, ids):
        del r["person_id"]
        r["sfzh"] = id_number.lower()
    data = tmp_path / "data"
    rc, _, err = cli(capsys, [write_csv(tmp_path / T, rows)], data)
    assert rc == 0, err
    table = pq.read_table(active_dir(data) / "training.parquet")
    assert "sfzh" not in table.column_names
    assert table.column("person_id").to_pylist() == [pii.person_id_for(i, SALT.encode()) for i in ids]
    for f in data.rglob("*"):
        if f.is_file():
            blob = f.read_bytes()
            assert not any(i.encode() in blob or i.lower().encode() in blob for i in ids), f
    manifest = ingest.read_manifest(active_dir(data))
    assert manifest["salt_fingerprint"] == pii.salt_fingerprint(SALT.encode())
    # a later import with a different salt would split persons: refused, nothing written
    monkeypatch.setenv(pii.SALT_ENV, SALT + "-other")
    before = snapshot(data)
    rc, _, err = cli(capsys, [write_csv(tmp_path / "again.csv", rows)], data)
    assert rc == 2 and "盐值与之前导入所用的不同" in err
    assert snapshot(data) == before


def test_duplicate_ids_across_files_of_one_import_are_refused(served, tmp_path, capsys):
    a = write_csv(tmp_path / "a.csv", [training_row(10), training_row(11)])
    b = write_csv(tmp_path / "b.csv", [training_row(12), training_row(11)])
    before = snapshot(served)
    rc, _, err = cli(capsys, [a, b], served)
    assert rc == 2
    assert "b.csv 第3行 [record_id（记录编号）] 值“T000011（a.csv 第3行）”：编号与同批导入的另一文件重复" in err
    assert snapshot(served) == before


def test_parquet_rows_are_numbered_from_one(tmp_path):
    rows = [training_row(1), training_row(2, county_code="100000")]
    problems = ingest.Problems()
    ingest.check_file(ingest.Source.from_path(write_parquet(tmp_path / "training.parquet", rows)), problems)
    assert problems.frame()[["row", "column"]].values.tolist() == [[2, "county_code"]]


def test_stderr_is_capped_at_fifty_lines_with_a_count_of_the_rest(served, tmp_path, capsys):
    rows = [training_row(i, county_code="100000") for i in range(80)]
    rc, _, err = cli(capsys, [write_csv(tmp_path / T, rows)], served)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 + 50 + 1
    assert lines[-1] == "……另有 30 个错误未列出"


def test_import_refuses_to_build_on_a_missing_current_version(served, tmp_path, capsys):
    (served / "CURRENT").write_text("v0009-20260101T000000\n", encoding="utf-8")
    rc, _, err = cli(capsys, [write_csv(tmp_path / T, [training_row(9)])], served)
    assert rc == 2
    assert "CURRENT 指向不存在的版本 v0009-20260101T000000" in err
    assert [p.name for p in (served / "versions").glob("v*")] == [ingest.list_versions(served)[0]["version"]]


def test_missing_input_file_is_one_line_and_exit_2(served, capsys):
    rc, _, err = cli(capsys, [served / "nope.csv"], served)
    assert rc == 2 and err.strip() == f"错误：文件不存在：{served / 'nope.csv'}"


# ---------------------------------------------------------------- large files (vectorised validation)


def test_300k_row_csv_validates_and_finds_the_planted_problems(tmp_path):
    n = 300_000
    base = pa.Table.from_pylist([training_row(0)], schema=TRAINING_SCHEMA)
    table = pa.table(
        {
            c: pa.repeat(base.column(c)[0], n)
            if base.column(c)[0].is_valid
            else pa.nulls(n, TRAINING_SCHEMA.field(c).type)
            for c in TRAINING_SCHEMA.names
        }
    )
    record_ids = pc.binary_join_element_wise("T", pc.cast(pa.array(np.arange(n)), pa.string()), "")
    county = np.full(n, "141125", dtype=object)
    county[250_000] = "999999"
    end = np.full(n, np.datetime64("2023-03-10"), dtype="datetime64[D]")
    end[1234] = np.datetime64("2023-02-01")
    table = (
        table.set_column(0, "record_id", record_ids)
        .set_column(2, "county_code", pa.array(county, pa.string()))
        .set_column(11, "end_date", pa.array(end, pa.date32()))
    )
    path = tmp_path / "training.csv"
    pacsv.write_csv(table, path)
    t0 = time.perf_counter()
    batch = ingest.validate([ingest.Source.from_path(path)])
    took = time.perf_counter() - t0
    print(f"validated {n:,} CSV rows in {took:.2f} s")
    got = batch.problems.frame()[["row", "column", "reason"]].values.tolist()
    assert got == [
        [1236, "end_date", "结业日期早于开班日期"],
        [250002, "county_code", "不是山西省的县级区划代码（见 data/reference/regions.csv）"],
    ]


# ---------------------------------------------------------------- versions: merge, replace, demo, rollback


def test_reimported_records_replace_older_ones_so_nothing_counts_twice(served, tmp_path, capsys):
    v1 = current_version(served)
    again = [training_row(4, hours=120), training_row(5, hours=120), training_row(6), training_row(7)]
    rc, out, err = cli(capsys, [write_parquet(tmp_path / "training.parquet", again)], served)
    assert rc == 0, err
    assert "培训实名制记录：本次 4 行（新增 2，替换 2），合计 7 行" in out
    assert "取证记录：本次 0 行（新增 0，替换 0），合计 2 行" in out
    training = pq.read_table(active_dir(served) / "training.parquet").to_pandas().set_index("record_id")
    assert sorted(training.index) == [f"T{i:06d}" for i in range(1, 8)]
    assert training.loc["T000004", "hours"] == 120 and training.loc["T000001", "hours"] == 80
    manifest = ingest.read_manifest(active_dir(served))
    assert manifest["previous_version"] == v1
    assert manifest["tables"]["training"] == {"rows": 7, "imported": 4, "added": 2, "replaced": 2, "carried": 3}
    assert manifest["files"][0]["sha256"] == hashlib.sha256((tmp_path / "training.parquet").read_bytes()).hexdigest()
    assert manifest["latest_entered_on"] == "2023-03-12"
    assert set(manifest["compliance"]) == {"repeat_level", "over_three", "cert_twice", "late_entry", "no_outcome"}


def test_first_import_into_a_plain_folder_takes_its_tables_as_the_base(tmp_path, capsys):
    data = write_extracts(tmp_path / "plain", [training_row(1), training_row(2)], [certificate_row(1)])
    rc, out, _ = cli(capsys, [write_csv(tmp_path / T, [training_row(3)])], data)
    assert rc == 0
    assert "合计 3 行" in out
    assert ingest.read_manifest(active_dir(data))["previous_version"] == "base"


def test_import_into_demo_data_replaces_it_and_rollback_brings_it_back(tmp_path, capsys):
    data = write_extracts(tmp_path / "demo", [training_row(i) for i in range(1, 10)], [certificate_row(1)])
    mark_demo(data)
    rc, out, _ = cli(capsys, [write_csv(tmp_path / T, [training_row(100)])], data)
    assert rc == 0
    assert "原数据为演示数据：新版本只含本次导入的数据，演示数据未并入。" in out
    info = ingest.version_info(data)
    assert info["demo"] is False and info["training_rows"] == 1 and info["certificate_rows"] == 0
    assert ingest.read_manifest(active_dir(data))["replaced_demo"] is True
    assert ingest.versions_cli(data, rollback="base") == 0
    assert current_version(data) is None
    assert ingest.version_info(data)["demo"] is True and ingest.version_info(data)["training_rows"] == 9


def test_versions_lists_every_version_and_rollback_switches_current(served, tmp_path, capsys):
    v1 = current_version(served)
    rc, _, _ = cli(capsys, [write_csv(tmp_path / T, [training_row(50)])], served)
    v2 = current_version(served)
    assert rc == 0 and v2 != v1 and v2.startswith("v0002-")
    assert ingest.versions_cli(served, rollback=None) == 0
    listing = capsys.readouterr().out
    assert f"* {v2}" in listing and f"  {v1}" in listing
    before = data_version(served)
    assert ingest.versions_cli(served, rollback=v1) == 0
    assert f"已回退：当前版本为 {v1}" in capsys.readouterr().out
    assert current_version(served) == v1 and data_version(served) != before
    assert ingest.versions_cli(served, rollback="v9999-20990101T000000") == 2
    assert "没有版本 v9999-20990101T000000" in capsys.readouterr().err
    # an import after a rollback builds on the version being served and keeps both earlier versions
    rc, out, _ = cli(capsys, [write_csv(tmp_path / "more.csv", [training_row(60)])], served)
    assert rc == 0 and "合计 6 行" in out
    assert [v["version"] for v in ingest.list_versions(served)][:2] == [v1, v2]


def test_version_info_for_plain_and_versioned_folders(served, tmp_path):
    plain = write_extracts(tmp_path / "plain", [training_row(1, entered_on="2023-05-02")], [])
    info = ingest.version_info(plain)
    assert info["version"] is None and info["versioned"] is False and info["imported_at"] is None
    assert info["latest_entered_on"] == dt.date(2023, 5, 2) and info["training_rows"] == 1
    info = ingest.version_info(served)
    assert info["version"] == current_version(served) and info["versioned"] is True
    assert isinstance(info["imported_at"], dt.datetime)
    assert info["latest_entered_on"] == dt.date(2023, 3, 12)
    assert info["age_days"] == (TODAY - dt.date(2023, 3, 12)).days
    assert info["demo"] is False and info["certificate_rows"] == 2


# ---------------------------------------------------------------- crashes


def test_leftover_temp_folders_are_ignored_then_cleaned_by_the_next_import(served, tmp_path, capsys):
    leftover = served / "versions" / f"{ingest.TMP_PREFIX}v0002-20260101T000000-999"
    leftover.mkdir()
    (leftover / "training.parquet").write_bytes(b"partial")
    assert ingest.version_info(served)["version"] == current_version(served)
    assert [v["version"] for v in ingest.list_versions(served)] == [current_version(served)]
    rc, out, _ = cli(capsys, [write_csv(tmp_path / T, [training_row(70)])], served)
    assert rc == 0 and not leftover.exists()
    assert leftover.name in out


def test_import_killed_before_switching_leaves_the_previous_version_serving(served, tmp_path, capsys):
    v1 = current_version(served)
    before = snapshot(served)
    rows_before = pq.read_table(active_dir(served) / "training.parquet").num_rows
    path = write_csv(tmp_path / T, [training_row(i) for i in range(100, 110)])
    env = {**os.environ, ingest.PAUSE_ENV: "120", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracker", "ingest", str(path), "--data", str(served)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            written = [p for p in (served / "versions").glob("v0002-*") if (p / "manifest.json").is_file()]
            if written:
                break
            assert proc.poll() is None, "the import ended before it was killed"
            time.sleep(0.05)
        else:
            pytest.fail("the new version was never written")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    # the new version is on disk, but CURRENT never moved: the previous version still serves
    assert current_version(served) == v1
    assert data_version(served) == before[0]
    assert pq.read_table(active_dir(served) / "training.parquet").num_rows == rows_before
    states = {v["version"]: v["state"] for v in ingest.list_versions(served)}
    assert states[v1] == "ok" and states[written[0].name] == "interrupted"
    with pytest.raises(ingest.IngestError, match="未完成的导入"):
        ingest.rollback_version(served, written[0].name)
    # the next import works, removes the interrupted version and takes its number
    rc, out, err = cli(capsys, [path], served)
    assert rc == 0, err
    assert f"已清理中断导入留下的文件夹：{written[0].name}" in out
    assert current_version(served).startswith("v0002-")  # may even reuse the same name within one second
    assert [v["state"] for v in ingest.list_versions(served)] == ["ok", "ok"]
    assert pq.read_table(active_dir(served) / "training.parquet").num_rows == rows_before + 10


# ---------------------------------------------------------------- property-based: the validators


ISO = st.dates(min_value=dt.date(2015, 1, 1), max_value=min(TODAY, dt.date(2030, 1, 1)))


@st.composite
def valid_training_rows(draw, n: int):
    rows = []
    for i in range(n):
        start = draw(ISO)
        end = draw(st.dates(min_value=start, max_value=TODAY))
        entered = draw(st.dates(min_value=start, max_value=TODAY))
        rows.append(
            training_row(
                i,
                start_date=start,
                end_date=end,
                entered_on=entered,
                county_code=draw(st.sampled_from(["141125", LISHI, "140105", "140981"])),
                training_type=draw(st.sampled_from(list(ingest.TRAINING_TYPES))),
                person_category=draw(st.sampled_from(list(ingest.PERSON_CATEGORIES))),
                skill_level=draw(st.one_of(st.none(), st.integers(1, 5))),
                hours=draw(st.integers(1, min(4000, 12 * ((end - start).days + 1)))),
                status=draw(st.sampled_from(list(ingest.STATUSES))),
                passed=draw(st.one_of(st.none(), st.booleans())),
                employed=draw(st.one_of(st.none(), st.booleans())),
                occupation=draw(st.text(alphabet="电工焊护理员养老", min_size=1, max_size=6)),
            )
        )
    return rows


def _as_text_table(rows: list[dict]) -> pa.Table:
    """The rows as a CSV reader would give them: every value a string (dates ISO, booleans true/false)."""

    def text(v):
        if v is None:
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        return v.isoformat() if isinstance(v, dt.date) else str(v)

    return pa.table({c: pa.array([text(r[c]) for r in rows], pa.string()) for c in TRAINING_SCHEMA.names})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_training_rows(5))
def test_any_valid_generated_rows_pass(rows):
    problems = ingest.Problems()
    result = ingest.check_table(_as_text_table(rows), problems, name=T, fmt="csv")
    assert problems.errors == 0, problems.frame().to_dict("records")
    assert result.table == "training"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_training_rows(6), st.integers(0, 5), st.integers(1, 400))
def test_any_row_ending_before_it_starts_is_reported_with_its_row_number(rows, bad, days_early):
    start = max(rows[bad]["start_date"], dt.date(2016, 3, 1))
    rows[bad].update(start_date=start, end_date=start - dt.timedelta(days=days_early), entered_on=start)
    problems = ingest.Problems()
    ingest.check_table(_as_text_table(rows), problems, name=T, fmt="csv")
    found = problems.frame()
    flagged = found[found["reason"] == "结业日期早于开班日期"]
    assert flagged["row"].tolist() == [bad + 2]
    assert flagged["column"].tolist() == ["end_date"]
