"""The plan library holds every quantified target of the five documents, exactly as they state them."""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from pathlib import Path

import pytest

REF = Path(__file__).resolve().parent.parent / "data" / "reference"
DOC_000, DOC_002, DOC_003, DOC_004 = (
    "晋政发〔2017〕61号",
    "柳政办发〔2023〕19号",
    "晋人社厅函〔2023〕786号",
    "晋教职成〔2021〕8号",
)


def rows(name: str) -> list[dict[str, str]]:
    with (REF / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


SCHOOLS = rows("schools")
TARGETS = rows("targets")
PLANS = {p["plan_id"]: p for p in rows("plans")}
METRICS = {m["metric"]: m for m in rows("metrics")}


def target(plan: str, metric: str, unit_code: str) -> float:
    found = [t for t in TARGETS if (t["plan_id"], t["metric"], t["unit_code"]) == (plan, metric, unit_code)]
    assert len(found) == 1, (plan, metric, unit_code, found)
    return float(found[0]["target"])


def test_004_annex1_has_119_units_in_four_groups():
    assert len(SCHOOLS) == 119
    assert Counter(s["group"] for s in SCHOOLS) == {
        "undergraduate": 34,
        "higher_vocational": 50,
        "city_education_bureau": 11,
        "provincial_secondary": 24,
    }
    assert len({s["unit_code"] for s in SCHOOLS}) == 119


def test_004_annex1_senior_quotas_sum_to_107671_and_intermediate_to_100820():
    senior = sum(int(s["quota"]) for s in SCHOOLS if s["quota_metric"] == "senior_certs")
    intermediate = sum(int(s["quota"]) for s in SCHOOLS if s["quota_metric"] == "intermediate_certs")
    assert (senior, intermediate) == (107_671, 100_820)


def test_004_names_are_as_printed_including_technician_schools_in_both_lists():
    names = Counter(s["name"] for s in SCHOOLS)
    assert names["技工院校"] == 2
    assert "山西工程科技职业大学(原山西大学商务学院)" in names
    assert "山西工程科技职业大学(原交通、建筑职业技术学院)" in names
    by_code = {s["unit_code"]: s for s in SCHOOLS}
    assert by_code["H52"]["quota"] == "5600" and by_code["S28"]["quota"] == "17000"
    assert by_code["B11"]["name"] == "运城市教育局" and by_code["B11"]["quota"] == "12700"


def test_004_every_school_quota_is_a_target_of_sx_edu_2021_with_its_document_number():
    school_targets = {
        t["unit_code"]: t for t in TARGETS if t["plan_id"] == "sx-edu-2021" and t["unit_type"] == "school"
    }
    assert len(school_targets) == 119
    for s in SCHOOLS:
        t = school_targets[s["unit_code"]]
        assert (t["metric"], float(t["target"]), t["source"]) == (s["quota_metric"], float(s["quota"]), DOC_004)
        assert t["deadline"] == "2021-08-31"


def test_004_province_goals_and_directed_training_milestones():
    assert target("sx-edu-2021", "senior_certs", "140000") == 100_000
    assert target("sx-edu-2021", "intermediate_certs", "140000") == 100_000
    assert target("sx-edu-2021", "directed_training", "140000") == 30_000
    directed = [t for t in TARGETS if t["plan_id"] == "sx-edu-2021" and t["metric"] == "directed_training"]
    assert directed[0]["deadline"] == "2021-11-30"
    milestones = [(m["date"], float(m["share"])) for m in rows("milestones") if m["plan_id"] == "sx-edu-2021"]
    assert milestones == [("2021-06-30", 0.4), ("2021-09-30", 0.8), ("2021-11-30", 1.0)]
    # 40 % of 30,000 = 12,000 (1.2万人), 80 % = 24,000 (2.4万人), as the document spells out
    assert [round(30_000 * s) for _, s in milestones] == [12_000, 24_000, 30_000]


def test_002_liulin_every_figure_with_deadline_2023_11_30():
    expected = {
        "training_total": 1500,
        "training_enterprise": 650,
        "training_order_project": 80,
        "training_entrepreneurship": 180,
        "training_key_group": 590,
        "training_caregiver": 900,
        "caregiver_cert_rate": 90,
        "caregiver_employed": 540,
        "new_skilled": 400,
        "new_high_skilled": 80,
        "secondary_intermediate_certs": 600,
        "order_project_employment_rate": 80,
        "skilled_workforce_share": 32,
    }
    liulin = {t["metric"]: t for t in TARGETS if t["plan_id"] == "liulin-2023"}
    assert {m: float(t["target"]) for m, t in liulin.items()} == expected
    assert all(t["unit_code"] == "141125" and t["source"] == DOC_002 for t in liulin.values())
    assert all((t["start"], t["deadline"]) == ("2023-01-01", "2023-11-30") for t in liulin.values())
    assert (PLANS["liulin-2023"]["start"], PLANS["liulin-2023"]["deadline"]) == ("2023-01-01", "2023-11-30")


def test_002_liulin_four_training_lines_sum_to_1500():
    lines = ["training_enterprise", "training_order_project", "training_entrepreneurship", "training_key_group"]
    assert sum(target("liulin-2023", m, "141125") for m in lines) == target("liulin-2023", "training_total", "141125")


def test_000_a_million_trained_and_certified_every_year_2018_to_2022():
    for year in range(2018, 2023):
        plan = f"sx-skills-{year}"
        assert target(plan, "trained_certified", "140000") == 1_000_000
        parts = [
            target(plan, m, "140000")
            for m in ("trained_certified_rural", "trained_certified_unemployed", "trained_certified_enterprise")
        ]
        assert parts == [450_000, 150_000, 400_000] and sum(parts) == 1_000_000
        assert target(plan, "institution_pass_rate", "140000") == 80
        assert target(plan, "institution_employment_rate", "140000") == 30
    for metric, n in (("high_skill_bases", 16), ("public_training_bases", 15), ("master_studios", 50)):
        assert target("sx-skills-2018-2022", metric, "140000") == n
        assert METRICS[metric]["computable"] == "false"


def test_001_action_plan_2019_2021():
    plan = "sx-action-2019-2021"
    assert target(plan, "training_person_times", "140000") == 3_000_000
    assert target(plan, "new_skilled", "140000") == 1_500_000
    assert target(plan, "new_high_skilled", "140000") == 450_000
    assert target(plan, "apprentices", "140000") == 30_000
    assert target(plan, "skilled_workforce_share", "140000") == 25
    assert target(plan, "high_skilled_share", "140000") == 30
    assert target("sx-action-2019", "subsidised_trainees", "140000") == 1_000_000
    for year in (2020, 2021):
        assert target(f"sx-action-{year}", "training_person_times", "140000") == 1_000_000
    for year in (2019, 2020, 2021):
        assert target(f"sx-action-{year}", "trainee_employment_rate", "140000") == 25


def test_003_half_a_million_a_year_and_enterprise_staff_a_third_of_each_citys_plan():
    assert target("sx-train-2023", "subsidised_trainees", "140000") == 500_000
    # CONTRACT §4: 不少于年度计划数的三分之一 is a count per city against ⌈city plan ÷ 3⌉, 示例 like the city plan
    plan = {
        t["unit_code"]: float(t["target"])
        for t in TARGETS
        if t["plan_id"] == "sx-train-2023" and t["metric"] == "subsidised_trainees" and t["unit_type"] == "city"
    }
    cities = [t for t in TARGETS if t["plan_id"] == "sx-train-2023" and t["metric"] == "enterprise_third"]
    assert len(cities) == 11
    for t in cities:
        assert float(t["target"]) == math.ceil(plan[t["unit_code"]] / 3) and t["source"] == "demo"
    assert target("sx-train-2023", "order_project_employment_rate", "140000") == 80


@pytest.mark.parametrize(
    ("plan", "metric", "total"),
    [("sx-train-2023", "subsidised_trainees", 500_000)]
    + [(f"sx-skills-{y}", "trained_certified", 1_000_000) for y in range(2018, 2023)],
)
def test_illustrative_allocations_add_up_to_the_document_figure_and_are_marked_demo(plan, metric, total):
    regions = {r["code"]: r for r in rows("regions")}
    allocated = [t for t in TARGETS if t["plan_id"] == plan and t["metric"] == metric and t["unit_type"] != "province"]
    assert all(t["source"] == "demo" for t in allocated)
    cities = {t["unit_code"]: float(t["target"]) for t in allocated if t["unit_type"] == "city"}
    counties = {t["unit_code"]: float(t["target"]) for t in allocated if t["unit_type"] == "county"}
    assert len(cities) == 11 and len(counties) == 117
    assert sum(cities.values()) == total
    by_city = defaultdict(float)
    for code, value in counties.items():
        by_city[regions[code]["parent_code"]] += value
    assert dict(by_city) == cities


def test_document_figures_carry_a_document_number_and_only_allocations_say_demo():
    for t in TARGETS:
        assert t["source"], t
        if t["source"] == "demo":
            assert t["unit_type"] in ("city", "county")
        else:
            assert t["source"] == PLANS[t["plan_id"]]["document"]


def test_every_target_names_a_known_unit_metric_and_plan():
    regions = {r["code"] for r in rows("regions")}
    schools = {s["unit_code"] for s in SCHOOLS}
    for t in TARGETS:
        assert t["plan_id"] in PLANS and t["metric"] in METRICS
        assert t["unit_code"] in (schools if t["unit_type"] == "school" else regions)
        assert t["unit"] == METRICS[t["metric"]]["unit"]
        assert t["start"] <= t["deadline"]


def test_targets_the_extracts_cannot_measure_stay_in_the_library_marked_not_computable():
    manual = {t["metric"] for t in TARGETS if METRICS[t["metric"]]["computable"] == "false"}
    assert manual == {
        "skilled_workforce_share",
        "high_skilled_share",
        "high_skill_bases",
        "public_training_bases",
        "master_studios",
    }
