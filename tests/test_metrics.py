"""Every metric of CONTRACT §3 on small hand-made extracts, answers worked out by hand in each test."""

from __future__ import annotations

import pytest
from extracts import LISHI, LIULIN, TAIYUAN_XIAODIAN, certificate_row, training_row, write_extracts

from tracker.query import QueryError, Runner


def progress(tmp_path, training, certificates, plan="liulin-2023", as_of="2023-06-30", level=None):
    runner = Runner(write_extracts(tmp_path / "x", training, certificates))
    df = runner.run("progress", plan=plan, as_of=as_of, level=level)
    return df


def value(df, metric, unit_code=LIULIN):
    row = df[(df.metric == metric) & (df.unit_code == unit_code)]
    assert len(row) == 1, f"{metric} {unit_code}: {len(row)} rows"
    return row.iloc[0]


def test_progress_has_a_row_for_every_liulin_metric_with_zero_when_nothing_happened_002(tmp_path):
    # the extract covers the plan window (a training elsewhere on 06-30), but nothing happened in 柳林
    df = progress(tmp_path, [training_row(1, county_code=LISHI, end_date="2023-06-30")], [])
    assert list(df.columns[:10]) == [
        "plan_id",
        "unit_type",
        "unit_code",
        "unit_name",
        "metric",
        "target",
        "actual",
        "pct",
        "expected_pct",
        "status",
    ]
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
    }
    for metric, target in expected.items():
        row = value(df, metric)
        assert row.target == target
        if row.kind == "rate":  # CONTRACT §4: nobody in the denominator → an empty rate, 无数据
            assert row.actual != row.actual and row.status == "no_data"
        else:
            assert row.actual == 0


def test_only_completed_trainings_count_not_dropped_or_enrolled_contract(tmp_path):
    df = progress(
        tmp_path, [training_row(1), training_row(2, status="dropped"), training_row(3, status="enrolled")], []
    )
    assert value(df, "training_total").actual == 1
    assert value(df, "training_enterprise").actual == 1


def test_training_counts_between_plan_start_and_as_of_date_contract(tmp_path):
    rows = [
        training_row(1, start_date="2022-12-01", end_date="2022-12-31"),  # before the plan's start
        training_row(2, start_date="2022-12-20", end_date="2023-01-01"),  # on the start day
        training_row(3, end_date="2023-06-30"),  # on the as-of date
        training_row(4, end_date="2023-07-01"),  # after the as-of date
    ]
    df = progress(tmp_path, rows, [])
    assert value(df, "training_total").actual == 2


def test_other_counties_do_not_count_for_liulin_002(tmp_path):
    df = progress(tmp_path, [training_row(1), training_row(2, county_code=LISHI)], [])
    assert value(df, "training_total").actual == 1


def test_a_person_counts_once_per_metric_contract(tmp_path):
    rows = [
        training_row(1),
        training_row(2, person_id="P000001", occupation="焊工"),
        training_row(3, person_id="P000001", training_type="key_group", person_category="rural_migrant"),
    ]
    df = progress(tmp_path, rows, [])
    assert value(df, "training_total").actual == 1
    assert value(df, "training_enterprise").actual == 1
    assert value(df, "training_key_group").actual == 1


def test_training_lines_map_types_as_the_liulin_plan_defines_002(tmp_path):
    types = [
        "enterprise_staff",
        "apprenticeship",
        "order_project",
        "entrepreneurship",
        "key_group",
        "caregiver_brand",
        "school_directed",
        "online",
    ]
    df = progress(tmp_path, [training_row(i, training_type=t) for i, t in enumerate(types)], [])
    assert value(df, "training_total").actual == 5  # the five lines of 1,500; not caregivers, schools, online
    assert value(df, "training_enterprise").actual == 2
    assert value(df, "training_order_project").actual == 1
    assert value(df, "training_entrepreneurship").actual == 1
    assert value(df, "training_key_group").actual == 1
    assert value(df, "training_caregiver").actual == 1


def test_caregiver_certification_rate_counts_skill_certificates_from_the_training_on_002_contract_v2(tmp_path):
    caregivers = [
        training_row(
            i,
            training_type="caregiver_brand",
            person_category="rural_migrant",
            occupation="养老护理员",
            start_date="2023-04-01",
            end_date="2023-04-30",
        )
        for i in (1, 2, 3, 4, 5, 6)
    ]
    certs = [
        certificate_row(1, issue_date="2023-05-20", cert_type="special_ability", skill_level=None),  # 持证
        certificate_row(2, issue_date="2022-11-01"),  # held before the training: does not count (§4)
        certificate_row(3, issue_date="2023-07-15"),  # after the as-of date
        certificate_row(4, issue_date="2023-05-01", cert_type="training_completion", skill_level=None),  # not 持证
        certificate_row(5, issue_date="2023-04-01"),  # on the training's first day: counts
        certificate_row(9, county_code=LISHI, issue_date="2023-06-30"),  # the extract reaches 06-30
    ]
    df = progress(tmp_path, caregivers, certs)
    row = value(df, "caregiver_cert_rate")
    assert row.actual == pytest.approx(100 * 2 / 6)  # persons 1 and 5 of six
    assert row.pct == pytest.approx(100 * 2 / 6)
    assert row.expected_pct == 90  # a percent target compares the rate to the target
    assert row.status == "lagging"


def test_caregiver_employed_counts_caregivers_with_employed_true_002(tmp_path):
    rows = [
        training_row(1, training_type="caregiver_brand", employed=True),
        training_row(2, training_type="caregiver_brand", employed=False),
        training_row(3, training_type="caregiver_brand", employed=None),
        training_row(4, training_type="key_group", employed=True),
    ]
    df = progress(tmp_path, rows, [])
    assert value(df, "caregiver_employed").actual == 1
    assert value(df, "training_caregiver").actual == 3


def test_new_skilled_is_a_persons_first_skilled_certificate_contract(tmp_path):
    certs = [
        certificate_row(1, issue_date="2023-03-01"),  # first ever: new
        certificate_row(2, issue_date="2022-05-01"),  # person 2 already skilled in 2022 …
        certificate_row(3, person_id="P000002", issue_date="2023-03-01"),  # … so not new in 2023
        certificate_row(4, cert_type="training_completion", skill_level=None),  # not a skilled type
        certificate_row(5, cert_type="special_operation", skill_level=None),  # a skilled type
        certificate_row(6, county_code=LISHI),  # counts where the first certificate counts
        certificate_row(7, issue_date="2023-07-01"),  # after the as-of date
    ]
    df = progress(tmp_path, [], certs)
    assert value(df, "new_skilled").actual == 2  # persons 1 and 5


def test_new_high_skilled_is_a_persons_first_certificate_at_level_3_or_above_contract(tmp_path):
    certs = [
        certificate_row(1, skill_level=3),
        certificate_row(2, skill_level=4),  # intermediate: not high-skilled
        certificate_row(3, skill_level=2, issue_date="2022-06-01"),  # high-skilled before the plan
        certificate_row(4, person_id="P000003", skill_level=1, issue_date="2023-05-01"),
        certificate_row(5, skill_level=3, cert_type="qualification", county_code=TAIYUAN_XIAODIAN),
    ]
    df = progress(tmp_path, [], certs)
    assert value(df, "new_high_skilled").actual == 1


def test_secondary_intermediate_certs_are_level_4_of_graduating_students_with_a_school_002(tmp_path):
    certs = [
        certificate_row(1, skill_level=4, graduating_student=True, school_name="柳林县职业中学"),
        certificate_row(2, skill_level=4, graduating_student=True, school_name=None),
        certificate_row(3, skill_level=4, graduating_student=False, school_name="柳林县职业中学"),
        certificate_row(4, skill_level=3, graduating_student=True, school_name="柳林县职业中学"),
        certificate_row(
            5,
            person_id="P000001",
            skill_level=4,
            graduating_student=True,
            school_name="柳林县职业中学",
            cert_type="qualification",
        ),
    ]
    df = progress(tmp_path, [], certs)
    assert value(df, "secondary_intermediate_certs").actual == 1


def test_expected_share_without_milestones_is_days_elapsed_over_plan_days_contract(tmp_path):
    df = progress(tmp_path, [], [], as_of="2023-06-30")
    # 2023-01-01 … 2023-06-30 is 181 days of the 334 to 2023-11-30
    assert value(df, "training_total").expected_pct == pytest.approx(100 * 181 / 334, abs=1e-3)
    df = progress(tmp_path, [], [], as_of="2024-01-15")
    assert value(df, "training_total").expected_pct == 100
    df = progress(tmp_path, [], [], as_of="2022-12-01")
    assert value(df, "training_total").expected_pct == 0


def test_expected_share_follows_seed_004_milestones_for_directed_training_004(tmp_path):
    def expected(as_of):
        df = progress(tmp_path, [], [], plan="sx-edu-2021", as_of=as_of)
        return value(df, "directed_training", "140000").expected_pct

    assert expected("2021-06-30") == pytest.approx(40)
    assert expected("2021-09-30") == pytest.approx(80)
    assert expected("2021-11-30") == pytest.approx(100)
    # 2021-08-15 is 46 of the 92 days from 06-30 to 09-30: 40 % + 40 % × 46/92
    assert expected("2021-08-15") == pytest.approx(60)
    # before the first milestone: from (2020-12-31, 0) to (2021-06-30, 40 %) over 181 days
    assert expected("2021-03-31") == pytest.approx(40 * 90 / 181, abs=1e-3)


def test_status_on_track_behind_and_lagging_by_points_short_contract(tmp_path):
    # 2023-06-30: expected 54.19 % of 80 order/project trainees = 43.4
    def status(n):
        rows = [training_row(i, training_type="order_project", end_date="2023-06-30") for i in range(n)]
        return value(progress(tmp_path / str(n), rows, []), "training_order_project").status

    assert status(44) == "on_track"  # 55.0 %
    assert status(40) == "behind"  # 50.0 %: 4.2 points short
    assert status(35) == "lagging"  # 43.75 %: 10.4 points short


def test_a_city_sums_its_counties_and_the_province_its_cities_contract(tmp_path):
    rows = [
        training_row(1, training_type="key_group"),
        training_row(2, county_code=LISHI),
        training_row(3, county_code=TAIYUAN_XIAODIAN),
        training_row(4, person_id="P000001", county_code=LISHI),
    ]
    # person 1 trained in 柳林 and 离石: once in each county, once in 吕梁市, once in the province
    for level, code, expected in [
        ("county", LIULIN, 1),
        ("county", LISHI, 2),
        ("city", "141100", 2),
        ("city", "140100", 1),
        ("province", "140000", 3),
    ]:
        df = progress(tmp_path / f"{level}{code}", rows, [], plan="sx-train-2023", level=level)
        assert value(df, "subsidised_trainees", code).actual == expected


def test_sx_edu_senior_certs_count_graduating_students_per_school_004(tmp_path):
    certs = [
        certificate_row(1, skill_level=3, graduating_student=True, school_name="山西大学", issue_date="2021-05-01"),
        certificate_row(2, skill_level=3, graduating_student=False, school_name="山西大学", issue_date="2021-05-01"),
        certificate_row(
            3,
            skill_level=None,
            cert_type="qualification",
            graduating_student=True,
            school_name="山西大学",
            issue_date="2021-05-01",
        ),  # professionals' qualification: senior
        certificate_row(4, skill_level=4, graduating_student=True, school_name="山西大学", issue_date="2021-05-01"),
        certificate_row(5, skill_level=3, graduating_student=True, school_name="技工院校", issue_date="2021-05-01"),
        certificate_row(6, skill_level=3, graduating_student=True, school_name="山西大学", issue_date="2020-12-31"),
    ]
    df = progress(tmp_path, [], certs, plan="sx-edu-2021", as_of="2021-08-31")
    assert value(df, "senior_certs", "U01").actual == 2  # 山西大学: persons 1 and 3
    assert value(df, "senior_certs", "H52").actual == 1  # 技工院校 aggregate
    assert value(df, "senior_certs", "U01").target == 1326


def test_sx_edu_intermediate_certs_for_provincial_schools_bureaus_and_technician_schools_004(tmp_path):
    g = {"graduating_student": True, "skill_level": 4, "issue_date": "2021-06-01"}
    certs = [
        certificate_row(1, school_name="太原铁路机械学校", county_code=TAIYUAN_XIAODIAN, **g),  # S01
        certificate_row(2, school_name="柳林县职业中学", county_code=LIULIN, **g),  # 吕梁市教育局 B09
        certificate_row(3, school_name="离石区职业中学", county_code=LISHI, **g),  # B09 too
        certificate_row(4, school_name="技工院校", county_code=LISHI, **g),  # S28, not a bureau
        certificate_row(5, school_name="山西大学", county_code=TAIYUAN_XIAODIAN, **g),  # a listed unit: no bureau
        certificate_row(
            6, school_name="太原市第一职业中学", county_code=TAIYUAN_XIAODIAN, **{**g, "graduating_student": False}
        ),
    ]
    df = progress(tmp_path, [], certs, plan="sx-edu-2021", as_of="2021-08-31")
    assert value(df, "intermediate_certs", "S01").actual == 1
    assert value(df, "intermediate_certs", "B09").actual == 2
    assert value(df, "intermediate_certs", "B01").actual == 0
    assert value(df, "intermediate_certs", "S28").actual == 1
    assert value(df, "intermediate_certs", "140000").actual == 5  # all graduating students' level-4 certificates


def test_directed_training_counts_completed_school_directed_trainings_004(tmp_path):
    rows = [
        training_row(
            i,
            training_type="school_directed",
            school_name="山西大学",
            county_code=TAIYUAN_XIAODIAN,
            start_date="2021-03-01",
            end_date="2021-06-01",
        )
        for i in range(3)
    ]
    rows.append(
        training_row(
            9, training_type="school_directed", start_date="2021-03-01", end_date="2021-06-01", status="dropped"
        )
    )
    df = progress(tmp_path, rows, [], plan="sx-edu-2021", as_of="2021-06-30")
    row = value(df, "directed_training", "140000")
    assert row.actual == 3
    assert row.pct == pytest.approx(100 * 3 / 30000, abs=1e-4)


def biweekly(tmp_path, training, certificates, plan="liulin-2023", as_of="2023-06-30"):
    runner = Runner(write_extracts(tmp_path / "b", training, certificates))
    return runner, runner.run("biweekly", plan=plan, as_of=as_of)


def test_biweekly_periods_run_14_days_from_the_plan_start_002(tmp_path):
    rows = [
        training_row(1, start_date="2023-01-02", end_date="2023-01-14"),  # last day of period 0
        training_row(2, start_date="2023-01-02", end_date="2023-01-15"),  # first day of period 1
        training_row(3, end_date="2023-06-30"),
    ]
    runner, df = biweekly(tmp_path, rows, [])
    total = df[df.metric == "training_total"].set_index("period")
    assert str(total.loc[0, "period_start"])[:10] == "2023-01-01"
    assert str(total.loc[0, "period_end"])[:10] == "2023-01-14"
    assert str(total.loc[1, "period_start"])[:10] == "2023-01-15"
    assert total.loc[0, "increment"] == 1 and total.loc[1, "increment"] == 1
    assert total.loc[1, "cumulative"] == 2
    # 2023-06-30 lies in period 12 (06-18 … 07-01): its cumulative is the figure as of 06-30
    assert total.index.max() == 12
    assert total.loc[12, "cumulative"] == 3
    assert total.loc[12, "increment"] == 1
    progress_now = runner.run("progress", plan="liulin-2023", as_of="2023-06-30")
    assert value(progress_now, "training_total").actual == total.loc[12, "cumulative"]
    assert value(progress_now, "training_total").expected_pct == pytest.approx(total.loc[12, "expected_pct"])


def test_biweekly_expected_pct_is_measured_on_each_periods_last_day_contract(tmp_path):
    _, df = biweekly(tmp_path, [], [])
    first = df[(df.metric == "training_total") & (df.period == 0)].iloc[0]
    assert first.expected_pct == pytest.approx(100 * 14 / 334, abs=1e-3)


def test_unknown_plan_and_bad_level_are_clear_errors(tmp_path):
    runner = Runner(write_extracts(tmp_path / "e", [], []))
    with pytest.raises(QueryError, match="未知计划"):
        runner.run("progress", plan="nope", as_of="2023-06-30")
    with pytest.raises(QueryError, match="未知层级"):
        runner.run("progress", plan="liulin-2023", level="village", as_of="2023-06-30")
    with pytest.raises(QueryError, match="有效日期"):
        runner.run("progress", plan="liulin-2023", as_of="2023-02-30")


def test_results_are_cached_per_data_version(tmp_path):
    folder = write_extracts(tmp_path / "c", [training_row(1)], [])
    runner = Runner(folder)
    assert value(runner.run("progress", plan="liulin-2023", as_of="2023-06-30"), "training_total").actual == 1
    write_extracts(folder, [training_row(1), training_row(2)], [])
    assert value(runner.run("progress", plan="liulin-2023", as_of="2023-06-30"), "training_total").actual == 2


def test_employment_rate_is_over_the_due_cohort_with_pending_beside_it_002_003_contract_v2(tmp_path):
    due = {"training_type": "order_project", "start_date": "2023-03-01", "end_date": "2023-04-01"}  # due 06-30
    rows = [
        training_row(1, employed=True, **due),
        training_row(2, employed=True, **due),
        training_row(3, employed=False, **due),
        training_row(4, employed=None, **due),  # due and not entered: not employed (不录不补)
        training_row(5, training_type="order_project", start_date="2023-03-01", end_date="2023-04-02", employed=True),
        training_row(9, county_code=LISHI, end_date="2023-06-30"),  # the extract reaches 06-30
    ]  # person 5 completed 04-02: due only on 07-01, so 待核实
    row = value(progress(tmp_path, rows, []), "order_project_employment_rate")
    assert row.actual == pytest.approx(100 * 2 / 4)
    assert row.denominator == 4
    assert row.pending == 1
    assert row.status == "lagging"  # 50 % against 003's 80 %


def test_sessions_on_many_threads_share_one_runner_without_connection_busy_errors(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    rows = [training_row(i, end_date=f"2023-0{1 + i % 9}-15", start_date=f"2023-0{1 + i % 9}-01") for i in range(90)]
    runner = Runner(write_extracts(tmp_path / "threads", rows, []))
    dates = [f"2023-0{m}-28" for m in range(1, 10)]

    def total(as_of: str) -> float:
        runner.clear_cache()  # make every call reach DuckDB
        return value(runner.run("progress", plan="liulin-2023", as_of=as_of), "training_total").actual

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(total, dates * 4))
    assert results == [10.0 * (k + 1) for k in range(9)] * 4


# ---------------------------------------------------------------- CONTRACT §4 (definitions v2)


def test_an_outcome_is_due_exactly_90_days_after_completion_contract_v2(tmp_path):
    # completed 2023-04-01: due on 06-30 (04-01 + 90); completed 04-02: due 07-01, one day short
    rows = [
        training_row(1, training_type="order_project", end_date="2023-04-01", employed=True),
        training_row(2, training_type="order_project", end_date="2023-04-02", employed=True),
        training_row(9, county_code=LISHI, end_date="2023-06-30"),
    ]
    row = value(progress(tmp_path, rows, []), "order_project_employment_rate")
    assert (row.denominator, row.pending, row.actual) == (1, 1, 100.0)
    row = value(
        progress(
            tmp_path / "next",
            [*rows, training_row(8, county_code=LISHI, end_date="2023-07-01")],
            [],
            as_of="2023-07-01",
        ),
        "order_project_employment_rate",
    )
    assert (row.denominator, row.pending) == (2, 0)


def test_nobody_due_leaves_the_rate_empty_with_status_no_data_contract_v2(tmp_path):
    rows = [
        training_row(1, training_type="order_project", end_date="2023-06-01", employed=True),  # due 08-30
        training_row(9, county_code=LISHI, end_date="2023-06-30"),
    ]
    row = value(progress(tmp_path, rows, []), "order_project_employment_rate")
    assert row.actual != row.actual and row.pct != row.pct  # NaN: empty, never 0 %
    assert row.status == "no_data" and row.pending == 1


def test_a_count_at_a_date_past_the_deadline_is_its_value_at_the_deadline_contract_v2(tmp_path):
    rows = [
        training_row(1, start_date="2023-11-20", end_date="2023-11-30"),  # on the deadline: counts
        training_row(2, start_date="2023-11-20", end_date="2023-12-01"),  # the day after: never counts
        training_row(9, county_code=LISHI, end_date="2023-12-31"),
    ]
    row = value(progress(tmp_path, rows, [], as_of="2023-12-31"), "training_total")
    assert row.actual == 1
    assert row.expected_pct == 100
    assert row.gap_pts == pytest.approx(100 / 1500 - 100)  # one sign: completion − expected, negative is behind


def test_as_of_beyond_the_data_reads_at_the_latest_business_date_in_the_series_too_contract_v2(tmp_path):
    rows = [training_row(1, end_date="2023-03-10")]
    _, series = biweekly(tmp_path, rows, [], as_of="2023-12-31")
    total = series[series.metric == "training_total"]
    assert total["measured_on"].astype(str).str[:10].max() == "2023-03-10"
    assert total["period"].max() == 4  # 2023-03-10 lies in period 4 (02-26 … 03-11)


def test_enterprise_staff_a_third_of_the_citys_plan_is_a_count_per_city_003_contract_v2(tmp_path):
    rows = [training_row(i, county_code=LISHI, end_date="2023-06-30") for i in range(3)] + [
        training_row(10, county_code=LISHI, training_type="apprenticeship", end_date="2023-06-30"),
        training_row(11, county_code=LISHI, training_type="key_group", end_date="2023-06-30"),
    ]
    df = progress(tmp_path, rows, [], plan="sx-train-2023", level="city")
    row = value(df, "enterprise_third", "141100")
    assert row.actual == 4  # enterprise staff and apprentices, not key groups
    assert row.target == 16222  # ⌈48,666 ÷ 3⌉, 吕梁's 示例 plan
    assert row.source == "demo"


def test_a_figure_on_any_day_sums_the_daily_first_counts_up_to_that_day_contract(tmp_path):
    """The biweekly period sums (unit_period_counts) are a shortcut: on every day — a period's first and last day,
    the days around them, before the start — the counts equal the daily first counts summed up to that day."""
    import datetime as dt

    start = dt.date(2023, 1, 1)
    rows = [
        training_row(
            i,
            county_code=LISHI if i % 5 == 0 else LIULIN,
            training_type=("order_project", "caregiver_brand", "enterprise_staff")[i % 3],
            person_id=f"P{i % 70:06d}",
            employed=(None, True, False)[i % 3],
            start_date=str(start + dt.timedelta(days=i * 3 % 200 - 10)),
            end_date=str(start + dt.timedelta(days=i * 3 % 200)),
        )
        for i in range(120)
    ]
    runner = Runner(write_extracts(tmp_path / "d", rows, []))
    runner.materialize("liulin-2023")
    cur = runner.cursor()
    days = [start + dt.timedelta(days=d) for d in (-20, -1, 0, 1, 12, 13, 14, 15, 27, 28, 29, 100, 181, 195, 400)]
    for day in days:
        by_periods = cur.sql(
            "SELECT * FROM unit_metric_counts('liulin-2023', $day) ORDER BY ALL", params={"day": day}
        ).fetchall()
        by_days = cur.sql(
            """SELECT unit_type, unit_code, metric,
                      sum(persons) FILTER (WHERE part = 'value'), sum(persons) FILTER (WHERE part = 'num'),
                      sum(persons) FILTER (WHERE part = 'den'), sum(persons) FILTER (WHERE part = 'cohort')
               FROM unit_first_counts WHERE plan_id = 'liulin-2023' AND first_date <= $day
               GROUP BY ALL ORDER BY ALL""",
            params={"day": day},
        ).fetchall()
        assert by_periods == by_days, day
    assert by_days  # the last day counts everyone
