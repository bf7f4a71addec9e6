"""Compliance checks (合规核查, issue #7 §4) on a hand-made extract, every answer counted by hand; the pages.

Persons and records (as of 2023-12-31 unless said otherwise):
  repeat_level (001/003)  A: T1 + T2 电工 level 5 in 2023 (T3 is level 4: not a repeat); K: T8 + T9 创业 with no level
                          in 2023 (T9 in 离石区).  B: 焊工 in 2021 and 2023 (different years); C: second one dropped.
  over_three (001)        D: T10–T13 in 2023.  E has 3; F has 4 but one dropped; A has 3.
  cert_twice (003)        G: C1 (2021) + C2 (2023) skill-level certificates at level 4 (C9 at level 4 is issued
                          2024-02-01, after the as-of date); I: C5 qualification + C6 skill-level at level 3.
                          H: level 4 skill-level + special-operation (not a subsidy type); J: levels 5 and 4.
  late_entry (不录不补)    T22 entered 91 days after it ended; T21 after exactly 90 (flagged only with max_days=30);
                          T23 is still enrolled.
  no_outcome              T24 passed false, T25 passed unknown, T28 only has a certificate in another occupation.
                          T26 has a certificate naming it; T27 one in its occupation since it started; T29 enrolled.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from extracts import LISHI, certificate_row, training_row, write_extracts
from streamlit.testing.v1 import AppTest

from tracker import compliance, ingest, pii
from tracker.contract import CERTIFICATE_SCHEMA, TRAINING_SCHEMA
from tracker.query import Runner

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
AS_OF = "2023-12-31"


def tr(n: int, person: str, start: str, **over) -> dict:
    s = dt.date.fromisoformat(start)
    row = dict(person_id=person, start_date=s, end_date=s + dt.timedelta(days=9), entered_on=s + dt.timedelta(days=11))
    row.update(over)
    return training_row(n, **row)


def cert(n: int, person: str, issued: str, **over) -> dict:
    return certificate_row(n, person_id=person, issue_date=issued, **over)


TRAINING = [
    tr(1, "PA", "2023-03-01"),
    tr(2, "PA", "2023-06-01", status="enrolled", passed=None),
    tr(3, "PA", "2023-07-01", skill_level=4),
    tr(4, "PB", "2021-03-01", occupation="焊工"),
    tr(5, "PB", "2023-03-01", occupation="焊工"),
    tr(6, "PC", "2023-03-01", occupation="育婴员"),
    tr(7, "PC", "2023-05-01", occupation="育婴员", status="dropped", passed=None),
    tr(8, "PK", "2023-04-01", occupation="创业", skill_level=None, training_type="entrepreneurship"),
    tr(
        9,
        "PK",
        "2023-08-01",
        occupation="创业",
        skill_level=None,
        training_type="entrepreneurship",
        county_code=LISHI,
        institution_id="JG009",
    ),
    *[
        tr(10 + i, "PD", f"2023-0{i + 2}-01", occupation=occ)
        for i, occ in enumerate(["电工", "焊工", "育婴员", "保育员"])
    ],
    *[tr(14 + i, "PE", f"2023-0{i + 2}-01", occupation=occ) for i, occ in enumerate(["电工", "焊工", "育婴员"])],
    *[
        tr(17 + i, "PF", f"2023-0{i + 2}-01", occupation=occ, status="dropped" if i == 3 else "completed")
        for i, occ in enumerate(["电工", "焊工", "育婴员", "保育员"])
    ],
    tr(21, "PL", "2023-03-01", entered_on=dt.date(2023, 6, 8)),
    tr(22, "PM", "2023-03-01", entered_on=dt.date(2023, 6, 9)),
    tr(23, "PN", "2023-03-01", status="enrolled", end_date=dt.date(2023, 3, 10), entered_on=dt.date(2023, 9, 1)),
    tr(24, "PO", "2023-03-01", passed=False),
    tr(25, "PP", "2023-03-01", passed=None),
    tr(26, "PQ", "2023-03-01", passed=False),
    tr(27, "PR", "2023-03-01", passed=False, occupation="养老护理员"),
    tr(28, "PS", "2023-03-01", passed=False),
    tr(29, "PT", "2023-03-01", status="enrolled", passed=None),
]
CERTS = [
    cert(1, "PG", "2021-05-01", skill_level=4),
    cert(2, "PG", "2023-05-01", skill_level=4),
    cert(9, "PG", "2024-02-01", skill_level=4),
    cert(3, "PH", "2023-05-01", skill_level=4),
    cert(4, "PH", "2023-06-01", skill_level=4, cert_type="special_operation"),
    cert(5, "PI", "2023-02-01", skill_level=3, cert_type="qualification"),
    cert(6, "PI", "2023-08-01", skill_level=3),
    cert(7, "PJ", "2023-02-01", skill_level=5),
    cert(8, "PJ", "2023-08-01", skill_level=4),
    cert(
        10,
        "PQ",
        "2023-04-01",
        skill_level=None,
        cert_type="special_ability",
        occupation="育婴员",
        training_record_id="T000026",
    ),
    cert(11, "PR", "2023-04-01", skill_level=None, cert_type="special_ability", occupation="养老护理员"),
    cert(12, "PS", "2023-04-01", skill_level=None, cert_type="special_ability", occupation="焊工"),
]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_extracts(tmp_path_factory.mktemp("compliance"), TRAINING, CERTS)


@pytest.fixture(scope="module")
def runner(data) -> Runner:
    return Runner(data)


def ids(df, column="record_id") -> list[str]:
    return sorted(df[column])


def test_same_occupation_and_level_twice_in_a_year_is_flagged_001_003(runner):
    df = runner.run("compliance_repeat_level", as_of=AS_OF, year=2023)
    assert ids(df) == ["T000001", "T000002", "T000008", "T000009"]
    assert set(df["times"]) == {2}
    assert compliance.counts({"x": df})["x"] == {"records": 4, "persons": 2}
    assert runner.run("compliance_repeat_level", as_of=AS_OF, year=2021).empty


def test_repeat_in_another_county_still_counts_but_only_records_in_the_chosen_area_are_listed(runner):
    liulin = runner.run("compliance_repeat_level", as_of=AS_OF, year=2023, county="141125")
    assert ids(liulin) == ["T000001", "T000002", "T000008"]
    city = runner.run("compliance_repeat_level", as_of=AS_OF, year=2023, county="141100")
    assert ids(city) == ["T000001", "T000002", "T000008", "T000009"]
    assert runner.run("compliance_repeat_level", as_of=AS_OF, county="140100").empty


def test_more_than_three_subsidised_trainings_in_a_year_are_flagged_001(runner):
    df = runner.run("compliance_over_three", as_of=AS_OF, year=2023)
    assert ids(df) == ["T000010", "T000011", "T000012", "T000013"]
    assert set(df["person_id"]) == {"PD"} and set(df["times"]) == {4}
    # as of 2023-04-15 PD had started only 3 of them
    assert runner.run("compliance_over_three", as_of="2023-04-15").empty


def test_a_level_certified_twice_is_flagged_with_its_claim_number_003(runner):
    df = runner.run("compliance_cert_twice", as_of=AS_OF)
    assert ids(df, "cert_id") == ["C000001", "C000002", "C000005", "C000006"]
    claims = dict(zip(df["cert_id"], df["claim_no"]))
    assert claims == {"C000001": 1, "C000002": 2, "C000005": 1, "C000006": 2}
    in_2023 = runner.run("compliance_cert_twice", as_of=AS_OF, year=2023)
    assert ids(in_2023, "cert_id") == ["C000002", "C000005", "C000006"]
    assert compliance.counts({"x": in_2023})["x"] == {"records": 3, "persons": 2}
    later = runner.run("compliance_cert_twice", as_of="2024-06-30")
    assert sorted(later.loc[later["person_id"] == "PG", "claim_no"]) == [1, 2, 3]


def test_entries_more_than_90_days_after_completion_are_flagged_bu_lu_bu_bu(runner):
    df = runner.run("compliance_late_entry", as_of=AS_OF)
    assert ids(df) == ["T000022"]
    assert df["days_after_end"].tolist() == [91]
    strict = runner.run("compliance_late_entry", as_of=AS_OF, max_days=30)
    assert ids(strict) == ["T000021", "T000022"]


def test_completions_without_pass_or_certificate_are_flagged(runner):
    df = runner.run("compliance_no_outcome", as_of=AS_OF)
    assert ids(df) == ["T000024", "T000025", "T000028"]
    # before T28's person had any certificate, T27's certificate (2023-04-01) did not exist either
    early = runner.run("compliance_no_outcome", as_of="2023-03-31")
    assert ids(early) == ["T000024", "T000025", "T000026", "T000027", "T000028"]


def test_findings_are_summed_by_county_and_institution_and_masked(runner):
    df = runner.run("compliance_repeat_level", as_of=AS_OF, year=2023)
    by_county = compliance.by_unit(df, "county")
    assert by_county[["county_name", "records", "persons"]].values.tolist() == [
        ["吕梁市·柳林县", 3, 2],
        ["吕梁市·离石区", 1, 1],
    ]
    by_inst = compliance.by_unit(df, "institution")
    assert by_inst[["institution_id", "records", "persons"]].values.tolist() == [["JG001", 3, 2], ["JG009", 1, 1]]
    shown = compliance.display_frame(df)
    assert "人员（脱敏）" in shown and "PA" not in set(shown["人员（脱敏）"])
    assert set(shown["技能等级"]) == {"5级 初级工", "—"}


def test_import_prints_and_records_the_compliance_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(pii.SALT_ENV, raising=False)
    monkeypatch.delenv(pii.SALT_FILE_ENV, raising=False)
    pq.write_table(pa.Table.from_pylist(TRAINING, schema=TRAINING_SCHEMA), tmp_path / "training.parquet")
    pq.write_table(pa.Table.from_pylist(CERTS, schema=CERTIFICATE_SCHEMA), tmp_path / "certificates.parquet")
    rc = ingest.ingest_cli(
        [str(tmp_path / "training.parquet"), str(tmp_path / "certificates.parquet")], tmp_path / "data"
    )
    out = capsys.readouterr().out
    assert rc == 0
    # all years, as of the latest date in the data (2024-02-01, so C9 makes PG's third level-4 certificate)
    expected = {
        "repeat_level": {"records": 4, "persons": 2},
        "over_three": {"records": 4, "persons": 1},
        "cert_twice": {"records": 5, "persons": 2},
        "late_entry": {"records": 1, "persons": 1},
        "no_outcome": {"records": 3, "persons": 3},
    }
    manifest = ingest.read_manifest(ingest.active_dir(tmp_path / "data"))
    assert manifest["compliance"] == expected
    assert "同一职业同一等级重复培训（001、003）：4 条培训记录，涉及 2 人" in out
    assert "同一等级重复取证（003）：5 张证书，涉及 2 人" in out


# ---------------------------------------------------------------- the pages (AppTest)


@pytest.fixture
def versioned(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(pii.SALT_ENV, raising=False)
    src = write_extracts(tmp_path / "src", TRAINING, CERTS)
    data = tmp_path / "data"
    result = ingest.ingest(
        [ingest.Source.from_path(src / "training.parquet"), ingest.Source.from_path(src / "certificates.parquet")], data
    )
    assert isinstance(result, ingest.IngestResult)
    monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
    return data


def test_compliance_page_shows_each_check_with_hand_counted_figures(versioned):
    at = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    at.switch_page("pages/compliance.py").run()
    assert not at.exception
    # liulin-2023 opens on its deadline 2023-11-30 → year 2023
    cards = {m.label: m.value for m in at.metric}
    assert cards == {
        "同级重复培训": "4条",
        "年培训超3次": "4条",
        "同级重复取证": "3张",
        "逾期录入": "1条",
        "无合格无证书": "3条",
    }
    assert not any(v == "PA" for df in (d.value for d in at.dataframe) for v in df.get("人员（脱敏）", []))


def test_data_page_shows_the_version_and_the_versions_table(versioned):
    at = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    version = ingest.version_info(versioned)["version"]
    assert any(version in m.value for m in at.markdown)
    versions_table = at.dataframe[-1].value
    assert versions_table["版本"].tolist() == [version] and versions_table["当前"].tolist() == ["✔"]


def test_data_page_warns_before_replacing_demo_data(tmp_path, monkeypatch):
    data = write_extracts(tmp_path / "demo", TRAINING, CERTS)
    (data / "DEMO").write_text("demo\n", encoding="utf-8")
    monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
    at = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert any("导入真实数据后，新版本**只包含导入的数据**" in w.value for w in at.warning)


def _csv(rows: list[dict]) -> bytes:
    import pandas as pd

    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8")


def test_data_page_upload_reports_problems_and_imports_nothing(versioned):
    before = ingest.version_info(versioned)["version"]
    at = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    at.switch_page("pages/data.py").run()
    bad = [training_row(100), training_row(101, county_code="149999")]
    at.file_uploader[0].set_value(("training.csv", _csv(bad), "text/csv")).run()
    assert not at.exception
    assert any("校验未通过：共 1 个错误" in e.value for e in at.error)
    problems = at.dataframe[1].value
    assert problems[["文件", "行号", "列", "值", "问题"]].values.tolist() == [
        [
            "training.csv",
            "3",
            "county_code（县级区划代码）",
            "149999",
            "不是山西省的县级区划代码（见 data/reference/regions.csv）",
        ]
    ]
    assert not any(b.label == "导入为新版本" for b in at.button)
    assert ingest.version_info(versioned)["version"] == before


def test_data_page_upload_of_a_clean_file_imports_a_new_version(versioned):
    before = ingest.version_info(versioned)
    at = AppTest.from_file(DASHBOARD, default_timeout=90).run()
    at.switch_page("pages/data.py").run()
    at.file_uploader[0].set_value(("weekly.csv", _csv([training_row(100), training_row(101)]), "text/csv")).run()
    assert any("校验通过，没有发现问题" in s.value for s in at.success)
    next(b for b in at.button if b.label == "导入为新版本").click().run()
    assert not at.exception
    after = ingest.version_info(versioned)
    assert after["version"] != before["version"]
    assert after["training_rows"] == before["training_rows"] + 2
    assert any(f"已导入为新版本 {after['version']}" in s.value for s in at.success)
