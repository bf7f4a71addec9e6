"""资金测算 (#15): hand-worked subsidy cases for each standard and cap of seeds 000, 002 and 003, the allocation of
003 六, and the reconciliation of the page's and queries' totals with the priced records."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from extracts import LISHI, LIULIN, certificate_row, d, training_row, write_extracts
from streamlit.testing.v1 import AppTest

from tracker import subsidy_view as sv
from tracker.query import Runner

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
DOC_000, DOC_002, DOC_003 = "晋政发〔2017〕61号", "柳政办发〔2023〕19号", "晋人社厅函〔2023〕786号"


def order(n: int, cls: str, hours: int = 80, employed: bool | None = True, **over) -> dict:
    """An order/project trainee of class ``cls`` (institution + occupation + start date), ended 2023-03-31."""
    row = dict(
        training_type="order_project",
        person_category="rural_migrant",
        institution_id=f"JG-{cls}",
        occupation="焊工",
        start_date="2023-03-01",
        end_date="2023-03-31",
        hours=hours,
        employed=employed,
    )
    row.update(over)
    return training_row(n, **row)


def online(n: int, platform: str, **over) -> dict:
    row = dict(
        training_type="online",
        person_category="rural_migrant",
        institution_id=platform,
        occupation="电子商务师",
        skill_level=5,
        start_date="2023-04-01",
        end_date="2023-04-10",
        hours=40,
        passed=True,
    )
    row.update(over)
    return training_row(n, **row)


def offline_after(n: int, person: int) -> dict:
    """The offline training that makes online person ``person`` count for the platform's offline share."""
    return training_row(
        n,
        person_id=f"P{person:06d}",
        training_type="enterprise_staff",
        county_code=LISHI,
        start_date="2023-05-01",
        end_date="2023-05-10",
        hours=80,
    )


def platform(first: int, name: str, persons: int, offline: int) -> list[dict]:
    rows = [online(first + i, name) for i in range(persons)]
    rows += [offline_after(first + 50_000 + i, first + i) for i in range(offline)]
    return rows


def extract_2023() -> tuple[list[dict], list[dict]]:
    t: list[dict] = []
    # 003 四(二) order/project: days = ceil(hours / 8); 150 元 the first 10 days, 100 元 after, ≤ 5,000 元 a person
    t += [order(1, "A", hours=80), order(2, "A", hours=81), order(3, "A", hours=88)]
    t += [order(4, "A", hours=360), order(5, "A", hours=368)]
    t += [
        order(6, "A", hours=320, person_id="P-CAP"),  # 40 days: 4,500
        order(7, "A", hours=80, person_id="P-CAP", start_date="2023-04-01", end_date="2023-04-20"),  # class A2
    ]
    # class employment: B 79 of 100 (null = not employed when due), C 80 of 100, D ends too late to be due
    t += [order(100 + i, "B", employed=True if i < 79 else None) for i in range(100)]
    t += [order(200 + i, "C", employed=i < 80) for i in range(100)]
    t += [order(300 + i, "D", start_date="2023-11-20", end_date="2023-12-01") for i in range(3)]
    # 003 四(一) enterprise staff: ≥ 24 学时, no repeat of occupation + level in a year; apprenticeship 5,000/年
    t += [
        training_row(400, hours=24),
        training_row(401, hours=23),
        training_row(402, person_id="P000400", hours=40, start_date="2023-06-01", end_date="2023-06-05"),
        training_row(403, training_type="apprenticeship", start_date="2023-01-01", end_date="2023-12-31", hours=600),
        training_row(404, training_type="apprenticeship", start_date="2022-03-01", end_date="2023-06-30", hours=700),
    ]
    # 002 key group in 柳林县: 100 元/天, ≤ 1,000 元 a person; elsewhere no standard in the documents
    t += [
        training_row(500, training_type="key_group", person_category="rural_migrant", hours=80),
        training_row(501, training_type="key_group", person_category="rural_migrant", hours=96),
        training_row(502, training_type="key_group", person_category="rural_migrant", hours=48, person_id="P-KG"),
        training_row(
            503,
            training_type="key_group",
            person_category="rural_migrant",
            hours=48,
            person_id="P-KG",
            start_date="2023-05-01",
            end_date="2023-05-06",
        ),
        training_row(504, training_type="key_group", person_category="rural_migrant", hours=80, county_code=LISHI),
    ]
    # 003 四(四) online: 初级 3 元/课时 (40 课时 = 120 元) × the platform's offline-share tier
    t += platform(10_000, "PT-099", 1000, 99)  # 9.9 % → 40 %
    t += platform(20_000, "PT-100", 10, 1)  # 10 % → 60 %
    t += platform(21_000, "PT-200", 10, 2)  # 20 % → 80 %
    t += platform(22_000, "PT-300", 10, 3)  # 30 % → 100 %
    t += [
        online(23_000, "PT-099", person_category="enterprise_employee"),  # enterprise staff: no scaling
        online(23_001, "PT-X", passed=False),  # no 培训合格证书: nothing
        online(23_002, "PT-X", skill_level=3, hours=64, person_category="enterprise_employee"),  # 5 × 64 → 300
    ]
    c = [
        certificate_row(1, person_id="P-MID", skill_level=4),  # 中级 first, taken directly: 600
        certificate_row(2, person_id="P-STEP", skill_level=5, issue_date="2023-02-01"),  # 初级 400
        certificate_row(3, person_id="P-STEP", skill_level=4, issue_date="2023-05-01"),  # 中级 after 初级: 0
        certificate_row(4, person_id="P-TWICE", skill_level=5, issue_date="2023-02-01"),  # 400
        certificate_row(5, person_id="P-TWICE", skill_level=5, occupation="焊工", issue_date="2023-06-01"),  # 0
        certificate_row(6, person_id="P-OLD", skill_level=5, issue_date="2022-05-01"),  # history, before 003
        certificate_row(7, person_id="P-OLD", skill_level=5, occupation="焊工", issue_date="2023-03-01"),  # repeat
        certificate_row(8, person_id="P-HIGH", skill_level=3, cert_type="qualification"),  # 高级 800
        certificate_row(9, person_id="P-HIGH", skill_level=3, occupation="焊工", issue_date="2023-07-01"),  # 0
        certificate_row(10, person_id="P-SP", cert_type="special_operation", skill_level=None),  # 400
        certificate_row(11, person_id="P-SP", cert_type="special_equipment", skill_level=None, issue_date="2023-08-01"),
        certificate_row(12, person_id="P-ABL", cert_type="special_ability", skill_level=None),  # no standard
        certificate_row(13, person_id="P-2024", skill_level=5, issue_date="2024-01-05"),  # after 003 五(五)
        # the extract's latest business date (CONTRACT §4: as-of dates past it are read as of it)
        certificate_row(
            14, person_id="P-LATE", cert_type="training_completion", skill_level=None, issue_date="2024-03-01"
        ),
    ]
    return t, c


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Runner:
    training, certs = extract_2023()
    return Runner(write_extracts(tmp_path_factory.mktemp("subsidy"), training, certs))


def priced(runner: Runner, plan: str = "sx-train-2023", as_of: str = "2023-12-31", **filters) -> dict[str, dict]:
    df = runner.run("subsidy_records", plan=plan, as_of=as_of, limit=100_000, **filters)
    df = df.astype(object).where(df.notna(), None)  # SQL NULL as None (pandas reads it as NaN)
    return {r["record_id"]: r for r in df.to_dict("records")}


def amount(row: dict) -> float:
    return float(row["amount"])


def test_003_order_project_day_10_earns_1500_and_day_11_adds_100(runner):
    p = priced(runner)
    assert (amount(p["T000001"]), p["T000001"]["days"], p["T000001"]["reason"]) == (1500, 10, None)
    assert (amount(p["T000002"]), p["T000002"]["days"]) == (1600, 11)  # 81 学时 → 11 days
    assert (amount(p["T000003"]), p["T000003"]["days"]) == (1600, 11)
    assert p["T000001"]["source"] == DOC_003


def test_003_order_project_5000_cap_per_person(runner):
    p = priced(runner)
    assert (amount(p["T000004"]), p["T000004"]["reason"]) == (5000, None)  # 45 days: 1,500 + 3,500
    assert float(p["T000005"]["standard_amount"]) == 5100  # 46 days
    assert (amount(p["T000005"]), p["T000005"]["reason"]) == (5000, "cap_reached")
    # the same person's second order/project training in the year gets what is left of 5,000 after 4,500
    assert amount(p["T000006"]) == 4500
    assert (amount(p["T000007"]), p["T000007"]["reason"]) == (500, "cap_reached")


def test_003_order_project_class_at_79_percent_earns_nothing_at_80_percent_everyone(runner):
    p = priced(runner)
    class_b = [p[f"T{100 + i:06d}"] for i in range(100)]
    class_c = [p[f"T{200 + i:06d}"] for i in range(100)]
    assert {(amount(r), r["reason"]) for r in class_b} == {(0, "employment_below")}
    assert class_b[0]["class_rate"] == pytest.approx(0.79)  # 21 due persons with employed null count as not employed
    assert {(amount(r), r["reason"]) for r in class_c} == {(1500, None)}
    assert class_c[0]["class_rate"] == pytest.approx(0.80)


def test_contract_4_order_project_outcome_not_due_until_90_days_after_end(runner):
    p = priced(runner)
    assert {(amount(p[f"T{300 + i:06d}"]), p[f"T{300 + i:06d}"]["reason"]) for i in range(3)} == {
        (0, "outcome_not_due")
    }
    # 2023-12-01 + 90 days = 2024-02-29: due then, and the class (all employed) earns 1,500 each
    assert amount(priced(runner, as_of="2024-02-28")["T000300"]) == 0
    assert amount(priced(runner, as_of="2024-02-29")["T000300"]) == 1500


def test_contract_4_past_the_extract_s_latest_date_outcomes_are_read_as_of_that_date(tmp_path):
    # the extract ends 2023-06-30: on 2023-12-31 class E's outcomes (ended 2023-06-01, due 2023-08-30) are not
    # taken as missing — the figures are those of 2023-06-30, where they are not yet due
    rows = [order(600 + i, "E", employed=None, start_date="2023-05-20", end_date="2023-06-01") for i in range(3)]
    rows.append(training_row(699, start_date="2023-06-20", end_date="2023-06-30"))
    r = Runner(write_extracts(tmp_path, rows, []))
    p = priced(r, as_of="2023-12-31")
    assert {p[f"T{600 + i:06d}"]["reason"] for i in range(3)} == {"outcome_not_due"}


def test_003_enterprise_staff_3_days_and_no_repeat_apprenticeship_per_year(runner):
    p = priced(runner)
    assert (amount(p["T000400"]), p["T000400"]["reason"]) == (300, None)
    assert (amount(p["T000401"]), p["T000401"]["reason"]) == (0, "below_min_hours")
    assert (amount(p["T000402"]), p["T000402"]["reason"]) == (0, "repeat_training")
    assert amount(p["T000403"]) == 5000  # 365 days: one year
    assert amount(p["T000404"]) == 10000  # 487 days: two years


def test_002_key_group_100_a_day_capped_at_1000_in_liulin_only(runner):
    p = priced(runner)
    assert (amount(p["T000500"]), p["T000500"]["source"]) == (1000, DOC_002)
    assert float(p["T000501"]["standard_amount"]) == 1200
    assert (amount(p["T000501"]), p["T000501"]["reason"]) == (1000, "cap_reached")
    assert amount(p["T000502"]) == 600
    assert (amount(p["T000503"]), p["T000503"]["reason"]) == (400, "cap_reached")
    assert (amount(p["T000504"]), p["T000504"]["reason"]) == (0, "no_rule")  # 离石区: no document standard


@pytest.mark.parametrize(
    ("record", "share", "paid", "reason"),
    [
        ("T010000", 0.099, 48, "offline_share_low"),  # < 10 % → 40 %
        ("T020000", 0.10, 72, "offline_share_low"),  # 10 % → 60 %
        ("T021000", 0.20, 96, "offline_share_low"),  # 20 % → 80 %
        ("T022000", 0.30, 120, None),  # ≥ 30 % → 100 %
    ],
)
def test_003_online_tiers_at_each_boundary(runner, record, share, paid, reason):
    row = priced(runner, line="online")[record]
    assert row["offline_share"] == pytest.approx(share)
    assert (float(row["standard_amount"]), amount(row), row["reason"]) == (120, paid, reason)


def test_003_online_enterprise_staff_unscaled_unpassed_unpaid_course_cap(runner):
    p = priced(runner, line="online")
    assert (amount(p["T023000"]), p["T023000"]["reason"]) == (120, None)
    assert (amount(p["T023001"]), p["T023001"]["reason"]) == (0, "not_passed")
    assert (float(p["T023002"]["standard_amount"]), amount(p["T023002"])) == (320, 300)
    assert p["T023002"]["reason"] == "cap_reached"


def test_003_certificates_intermediate_direct_vs_after_primary_and_once_per_level(runner):
    p = priced(runner, line="certificate")
    assert (amount(p["C000001"]), p["C000001"]["reason"]) == (600, None)  # 中级 taken directly
    assert amount(p["C000002"]) == 400
    assert (amount(p["C000003"]), p["C000003"]["reason"]) == (0, "not_direct_intermediate")
    assert amount(p["C000004"]) == 400
    assert (amount(p["C000005"]), p["C000005"]["reason"]) == (0, "repeat_level")  # second 初级, other occupation
    assert "C000006" not in p  # 2022: outside the plan's window
    assert (amount(p["C000007"]), p["C000007"]["reason"]) == (0, "repeat_level")  # 初级 already held since 2022
    assert (amount(p["C000008"]), p["C000008"]["reason"]) == (800, None)
    assert (amount(p["C000009"]), p["C000009"]["reason"]) == (0, "repeat_level")
    assert amount(p["C000010"]) == 400
    assert (amount(p["C000011"]), p["C000011"]["reason"]) == (0, "repeat_special")
    assert (amount(p["C000012"]), p["C000012"]["reason"]) == (0, "no_rule")


def test_003_certificate_subsidy_ends_2023_12_31(runner):
    # 003 五(五): from 2024-01-01 individuals claim under rules not yet made — no standard to price by
    rows = (
        runner.cursor()
        .execute(
            "SELECT record_id, amount, reason FROM subsidy_certificates_priced(DATE '2024-03-31') "
            "WHERE record_id IN ('C000001', 'C000013') ORDER BY record_id"
        )
        .fetchall()
    )
    assert rows == [("C000001", Decimal("600.00"), None), ("C000013", Decimal("0.00"), "no_rule")]


def test_000_daily_rate_15_day_limit_80_20_split_and_small_enterprise_bonus(tmp_path):
    kg = dict(training_type="key_group", person_category="rural_migrant", county_code=LISHI)
    training = [
        training_row(1, hours=160, employed=True, end_date="2021-03-10", start_date="2021-02-10", **kg),
        training_row(2, hours=80, employed=None, end_date="2021-12-01", start_date="2021-11-20", **kg),
        training_row(3, hours=80, passed=False, employed=True, end_date="2021-03-10", start_date="2021-03-01", **kg),
        training_row(4, hours=80, employed=False, end_date="2021-03-10", start_date="2021-03-01", **kg),
        training_row(5, start_date="2021-03-01", end_date="2021-03-05"),  # enterprise staff, certificate follows
        training_row(6, start_date="2021-03-01", end_date="2021-03-05"),  # enterprise staff, none
        training_row(7, training_type="entrepreneurship", start_date="2021-03-01", end_date="2021-03-05"),
    ]
    certs = [
        certificate_row(5, issue_date="2021-09-01"),
        certificate_row(
            99, person_id="P-LATE", cert_type="training_completion", skill_level=None, issue_date="2022-12-31"
        ),
    ]
    r = Runner(write_extracts(tmp_path, training, certs))
    p = priced(r, plan="sx-skills-2021", as_of="2021-12-31")
    # 20 days: standard 150×10 + 100×10 = 2,500; at most 15 days → 2,000; certified and employed: all of it
    assert float(p["T000001"]["standard_amount"]) == 2500
    assert (amount(p["T000001"]), p["T000001"]["reason"], p["T000001"]["source"]) == (2000, "cap_reached", DOC_000)
    assert (amount(p["T000002"]), p["T000002"]["reason"]) == (1200, "outcome_not_due")  # 80 % of 1,500
    assert (amount(p["T000003"]), p["T000003"]["reason"]) == (0, "not_certified")
    assert (amount(p["T000004"]), p["T000004"]["reason"]) == (1200, "not_employed")
    assert (amount(p["T000005"]), p["T000005"]["reason"]) == (600, None)  # 300 + 300 with a certificate in a year
    assert (amount(p["T000006"]), p["T000006"]["reason"]) == (300, "bonus_pending")
    assert (amount(p["T000007"]), p["T000007"]["reason"]) == (0, "no_rule")
    later = priced(r, plan="sx-skills-2021", as_of="2022-12-31")
    assert (amount(later["T000006"]), later["T000006"]["reason"]) == (300, "no_certificate")
    # CONTRACT §4: once due, a null outcome counts as not employed — the 20 % is not paid
    assert (amount(later["T000002"]), later["T000002"]["reason"]) == (1200, "not_employed")


# ---------------------------------------------------------------- allocation (003 六)


def test_003_allocation_a_third_at_300_the_rest_at_1000_plus_certificate_plan(runner):
    province = runner.run("subsidy_summary", plan="sx-train-2023", as_of="2023-12-31", by="province")
    row = province.set_index("unit_code").loc["140000"]
    # 500,000 trainees: ⌈500,000 ÷ 3⌉ = 166,667 at 300 元, 333,333 at 1,000 元; the plan lists no certificates
    assert row["allocation"] == 166_667 * 300 + 333_333 * 1000
    assert not row["allocation_demo"]  # the province's 500,000 is 003's own figure
    cities = runner.run("subsidy_summary", plan="sx-train-2023", as_of="2023-12-31", by="city")
    assert cities["allocation_demo"].all()  # cities' shares are 示例
    targets = {
        t["unit_code"]: int(t["target"])
        for t in csv.DictReader((ROOT / "data" / "reference" / "targets.csv").open(encoding="utf-8"))
        if t["plan_id"] == "sx-train-2023" and t["metric"] == "subsidised_trainees" and t["unit_type"] == "city"
    }
    taiyuan = cities.set_index("unit_code").loc["140100"]
    third = -(-targets["140100"] // 3)
    assert taiyuan["allocation"] == third * 300 + (targets["140100"] - third) * 1000
    # 002 柳林县: 1,500 trainees (500 × 300 + 1,000 × 1,000) + 400 new skilled × 400 + 80 new high-skilled × 800
    liulin = runner.run("subsidy_summary", plan="liulin-2023", as_of="2023-11-30", by="county", unit=LIULIN)
    assert liulin.set_index("unit_code").loc[LIULIN, "allocation"] == 150_000 + 1_000_000 + 160_000 + 64_000


# ---------------------------------------------------------------- reconciliation


def test_reconciliation_query_and_page_totals_equal_the_sum_of_priced_records(runner):
    args = dict(plan="sx-train-2023", as_of="2023-12-31")
    records = runner.run("subsidy_records", **args, limit=1_000_000)
    total = records["amount"].sum()
    assert total > 0 and len(records) == records["total_rows"].iloc[0]
    for by in ("province", "city", "county", "institution"):
        assert runner.run("subsidy_summary", **args, by=by)["entitled"].sum() == total, by
    pace = runner.run("subsidy_pace", **args)
    assert pace["entitled"].sum() == total and pace["cumulative"].iloc[-1] == total
    unpaid = runner.run("subsidy_unpaid", **args)
    short = records[records["reason"].notna()]
    assert unpaid["records"].sum() == len(short)
    assert unpaid["shortfall"].sum() == (short["standard_amount"] - short["amount"]).sum()
    assert sv.subsidy_totals(runner, "sx-train-2023", d("2023-12-31"))["entitled"] == float(total)
    by_line = runner.run("subsidy_summary", **args, by="province").iloc[0]
    assert sum(by_line[c] for c in sv.LINE_COLUMNS) == total


def test_records_are_paged_and_filtered_in_sql(runner):
    args = dict(plan="sx-train-2023", as_of="2023-12-31")
    first = runner.run("subsidy_records", **args, status="unpaid", limit=5, offset=0)
    second = runner.run("subsidy_records", **args, status="unpaid", limit=5, offset=5)
    assert len(first) == 5 and set(first["record_id"]).isdisjoint(second["record_id"])
    assert (first["amount"] == 0).all() and first["total_rows"].iloc[0] > 10
    reason = runner.run("subsidy_records", **args, reason="employment_below", limit=1000)
    assert len(reason) == 100 and set(reason["institution_id"]) == {"JG-B"}


def test_records_frame_masks_person_ids(runner):
    records = runner.run("subsidy_records", plan="sx-train-2023", as_of="2023-12-31", line="certificate")
    frame = sv.records_frame(records)
    assert not set(records["person_id"]) & set(frame["人员（脱敏）"])
    assert all("****" in v for v in frame["人员（脱敏）"])


def test_unpaid_reasons_ranked_by_records_that_earn_nothing(runner):
    ranked = sv.reasons_ranked(runner.run("subsidy_unpaid", plan="sx-train-2023", as_of="2023-12-31"))
    assert ranked.iloc[0]["reason"] == "employment_below"  # class B: 100 records
    assert "cap_reached" not in set(ranked["reason"])  # capped records still earn something


# ---------------------------------------------------------------- plan library and settings


def test_every_subsidy_rule_names_its_document_and_validity():
    rules = list(csv.DictReader((ROOT / "data" / "reference" / "subsidy_rules.csv").open(encoding="utf-8")))
    assert {r["source"] for r in rules} == {DOC_000, DOC_002, DOC_003}
    for r in rules:
        assert (
            r["valid_from"]
            and r["valid_to"]
            and dt.date.fromisoformat(r["valid_from"]) <= dt.date.fromisoformat(r["valid_to"])
        )
    amounts = {r["rule_id"]: r["amount"] for r in rules}
    assert (amounts["003_cert_primary"], amounts["003_cert_intermediate"], amounts["003_cert_senior"]) == (
        "400",
        "600",
        "800",
    )


def test_subsidy_rules_csv_is_what_build_reference_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_reference", ROOT / "scripts" / "build_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with (ROOT / "data" / "reference" / "subsidy_rules.csv").open(encoding="utf-8") as f:
        written = list(csv.reader(f))
    assert written[0] == module.SUBSIDY_RULE_COLUMNS
    assert written[1:] == [[str(r[c]) for c in module.SUBSIDY_RULE_COLUMNS] for r in module.SUBSIDY_RULES]


def test_bulletin_setting_defaults_off_and_can_be_set(tmp_path, monkeypatch):
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(tmp_path / "none.toml"))
    assert sv.in_bulletin() is False
    (tmp_path / "s.toml").write_text("[subsidy]\nin_bulletin = true\n", encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(tmp_path / "s.toml"))
    assert sv.in_bulletin() is True


def test_subsidy_totals_sentence_for_the_bulletin(runner):
    out = sv.subsidy_totals(runner, "liulin-2023", d("2023-11-30"))
    assert out["unit"] == LIULIN and out["allocation"] == 1_374_000 and not out["allocation_demo"]
    assert out["text"].startswith("截至2023年11月30日，吕梁市·柳林县按文件标准测算应补贴")
    assert "137.40万元" in out["text"]


# ---------------------------------------------------------------- the page


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory):
    from tracker import demo
    from tracker.store import mark_demo

    folder = tmp_path_factory.mktemp("subsidy_demo")
    demo.write_demo(folder, rows=20_000)
    mark_demo(folder)
    return folder


def test_page_renders_on_demo_data_with_demo_notice_and_matching_total(demo_data, monkeypatch):
    monkeypatch.setenv("SKILLS_DATA_DIR", str(demo_data))
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params["plan"] = "sx-train-2023"
    at.run()
    at.switch_page("pages/subsidy.py").run()
    assert not at.exception
    assert at.title[0].value == "资金测算"
    assert any("演示数据" in i.value for i in at.info)
    latest = Runner(demo_data).latest_date()
    as_of = min(latest, dt.date(2023, 12, 31))
    records = Runner(demo_data).run("subsidy_records", plan="sx-train-2023", as_of=as_of, limit=1_000_000)
    assert at.metric[0].value == sv.fmt_card(records["amount"].sum())
    assert "（示例）" not in at.metric[1].label  # the province's allocation is 003's own figure
    # only the open tab is built (#12): each tab, opened by its link (?tab=…), draws its chart and downloads
    charts, downloads = len(at.get("plotly_chart")), len(at.get("download_button"))
    assert charts == 1 and downloads == 2  # 按地区/机构: entitled by line, table downloads
    for tab in ("支出进度", "不能补贴的记录", "记录明细"):
        at.query_params["tab"] = tab
        at.run()
        assert not at.exception
        assert at.metric[0].value == sv.fmt_card(records["amount"].sum())
        charts += len(at.get("plotly_chart"))
        downloads += len(at.get("download_button"))
    assert charts >= 3
    assert downloads >= 4


def test_page_on_a_county_plan_marks_nothing_as_example(runner, monkeypatch):
    monkeypatch.setenv("SKILLS_DATA_DIR", str(runner.data_dir))
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.query_params["plan"] = "liulin-2023"
    at.run()
    at.switch_page("pages/subsidy.py").run()
    assert not at.exception
    assert at.metric[1].value == "137.40万元"


def test_summary_at_any_date_equals_the_records_priced_at_that_date(tmp_path):
    """Issue #12: the records are priced once per data version (segments over the as-of date), so every date reads
    the same aggregate; the totals still reconcile with the records at each date."""
    training, certs = extract_2023()
    r = Runner(write_extracts(tmp_path, training, certs))
    for as_of in ("2023-03-31", "2023-06-29", "2023-06-30", "2023-12-31"):
        summary = r.run("subsidy_summary", plan="sx-train-2023", as_of=as_of, by="province")
        records = r.run("subsidy_records", plan="sx-train-2023", as_of=as_of, limit=10**6)
        assert summary["entitled"].sum() == records["amount"].sum()
        assert summary["records"].sum() == len(records)


def test_contract_4_institutions_and_evaluators_are_named_with_their_codes(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tracker.contract import DEMO_CERTIFICATE_SCHEMA, DEMO_TRAINING_SCHEMA

    training = [training_row(1, hours=24) | {"institution_name": "柳林县职业培训学校"}]
    certs = [certificate_row(1, evaluator_id="PJ009") | {"evaluator_name": "吕梁市评价中心"}]
    pq.write_table(pa.Table.from_pylist(training, schema=DEMO_TRAINING_SCHEMA), tmp_path / "training.parquet")
    pq.write_table(pa.Table.from_pylist(certs, schema=DEMO_CERTIFICATE_SCHEMA), tmp_path / "certificates.parquet")
    r = Runner(tmp_path)
    args = dict(plan="sx-train-2023", as_of="2023-12-31")
    names = r.run("subsidy_summary", **args, by="institution").set_index("unit_code")["unit_name"].to_dict()
    assert names == {"JG001": "柳林县职业培训学校", "PJ009": "吕梁市评价中心"}
    frame = sv.records_frame(r.run("subsidy_records", **args))
    assert set(frame["机构"]) == {"柳林县职业培训学校（JG001）", "吕梁市评价中心（PJ009）"}
