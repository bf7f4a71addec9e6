"""区域分析 (issue #6): drill children, breakdowns, thresholds, watch list, forecast, the offline map and the page.

Figures are checked against the query layer on small hand-made extracts; expected answers are worked out by hand.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from extracts import LISHI, LIULIN, TAIYUAN_XIAODIAN, certificate_row, training_row, write_extracts
from streamlit.testing.v1 import AppTest

from tracker import geo
from tracker.query import Runner

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
TRAIN = "sx-train-2023"
TRAINEES = "subsidised_trainees"
DATONG_PINGCHENG = "140213"


def runner_for(tmp_path, training, certificates=()):
    return Runner(write_extracts(tmp_path / "x", list(training), list(certificates)))


def trainings(start: int, n: int, **over):
    return [training_row(start + i, **over) for i in range(n)]


# ---------------------------------------------------------------- drill children (region levels)


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """Trainings in three cities: 吕梁 (柳林 30, 离石 10), 太原 (小店 20), 大同 (平城 5), all ending 2023-06-01;
    the extract runs to 2023-07-02 (a course certificate issued that day), so figures are read on 07-02."""
    rows = (
        trainings(0, 30, county_code=LIULIN, end_date="2023-06-01")
        + trainings(100, 10, county_code=LISHI, end_date="2023-06-01")
        + trainings(200, 20, county_code=TAIYUAN_XIAODIAN, end_date="2023-06-01")
        + trainings(300, 5, county_code=DATONG_PINGCHENG, end_date="2023-06-01")
    )
    coverage = [certificate_row(999, cert_type="training_completion", skill_level=None, issue_date="2023-07-02")]
    return Runner(write_extracts(tmp_path_factory.mktemp("province"), rows, coverage))


def test_drill_children_at_city_level_equal_progress_city_rows_003(province):
    children = province.run(
        "drill_children", plan=TRAIN, metric=TRAINEES, unit="140000", level="city", as_of="2023-07-02"
    )
    progress = province.run("progress", plan=TRAIN, level="city", as_of="2023-07-02")
    progress = progress[progress.metric == TRAINEES]
    assert len(children) == 11
    columns = ["unit_code", "unit_name", "target", "actual", "pct", "expected_pct", "status", "shortfall"]
    pd.testing.assert_frame_equal(
        children[columns].sort_values("unit_code").reset_index(drop=True),
        progress[columns].sort_values("unit_code").reset_index(drop=True),
        check_dtype=False,
    )


def test_shortfall_is_target_times_expected_share_minus_actual_and_contributions_sum_to_100_percent_003(province):
    # 2023-07-02 is day 183 of 365: expected share 183 / 365; 吕梁市 has 40 of its 48,666 (demo allocation)
    children = province.run(
        "drill_children", plan=TRAIN, metric=TRAINEES, unit="140000", level="city", as_of="2023-07-02"
    ).set_index("unit_code")
    lvliang = children.loc["141100"]
    assert lvliang.actual == 40
    assert lvliang.shortfall == pytest.approx(round(48666 * 183 / 365 - 40, 1))
    assert children["contribution"].sum() == pytest.approx(1.0, abs=1e-5)
    assert lvliang.contribution == pytest.approx(lvliang.shortfall / children["shortfall"].sum(), abs=1e-6)
    # ranked by gap to the expected trajectory (completion − expected: negative is behind), the most behind first
    assert list(children["rank"]) == list(range(1, 12))
    assert children["gap_pts"].is_monotonic_increasing
    # a city's share of the province's figure: 40 of 65
    assert lvliang.share_of_parent == pytest.approx(40 / 65, abs=1e-6)


def test_drill_children_of_a_city_are_its_counties_only_003(province):
    children = province.run(
        "drill_children", plan=TRAIN, metric=TRAINEES, unit="141100", level="county", as_of="2023-07-02"
    )
    assert len(children) == 13  # 吕梁市 has 13 county-level units
    assert set(children["parent_code"]) == {"141100"}
    assert children.set_index("unit_code").loc[LIULIN, "actual"] == 30
    assert children["contribution"].sum() == pytest.approx(1.0, abs=1e-5)


def test_levels_without_a_target_are_ranked_by_actual_and_say_so_002(province):
    # liulin-2023 has a target for 柳林县 only: at city level no child has one
    children = province.run(
        "drill_children", plan="liulin-2023", metric="training_total", unit="140000", level="city", as_of="2023-07-02"
    )
    assert set(children["ranked_by"]) == {"actual"}
    assert children["target"].isna().all() and children["contribution"].isna().all()
    assert list(children["actual"]) == sorted(children["actual"], reverse=True)
    assert children.iloc[0].unit_code == "141100"  # 吕梁市, 40 people
    # among 吕梁's counties, 柳林县 (with a target) comes first, ranked by gap; the rest by actual
    counties = province.run(
        "drill_children", plan="liulin-2023", metric="training_total", unit="141100", level="county", as_of="2023-07-02"
    )
    assert counties.iloc[0].unit_code == LIULIN and counties.iloc[0].ranked_by == "gap"
    assert counties.iloc[0].contribution == pytest.approx(1.0)
    assert counties.iloc[1].unit_code == LISHI and counties.iloc[1].ranked_by == "actual"


def test_drill_metrics_open_liulin_on_its_county_and_the_province_plans_on_the_province_002_003(province):
    liulin = province.run("drill_metrics", plan="liulin-2023").set_index("metric")
    assert liulin.loc["training_total", "home_unit"] == LIULIN
    assert not liulin.loc["new_skilled", "training_based"]
    train = province.run("drill_metrics", plan=TRAIN).set_index("metric")
    # count metrics only (the rate targets are not drilled); 003's enterprise third is a count per city (§4)
    assert list(train.index) == [TRAINEES, "enterprise_third"]
    assert train.loc[TRAINEES, "home_unit"] == "140000"
    assert set(train.loc[TRAINEES, "target_levels"]) == {"province", "city", "county"}


# ---------------------------------------------------------------- below county level: institutions, occupations


@pytest.fixture(scope="module")
def liulin(tmp_path_factory):
    rows = (
        # JG001: 6 electricians, 2 welders; JG002: 4 cooks (one of them also trained at JG001 later: counted once)
        trainings(0, 6, institution_id="JG001", occupation="电工", end_date="2023-04-01")
        + trainings(10, 2, institution_id="JG001", occupation="焊工", end_date="2023-04-05")
        + trainings(
            20,
            4,
            institution_id="JG002",
            occupation="中式烹调师",
            training_type="key_group",
            person_category="rural_migrant",
            end_date="2023-05-01",
        )
        + [training_row(30, person_id="P000020", institution_id="JG001", occupation="电工", end_date="2023-06-01")]
        # another county: not in 柳林县's figures
        + trainings(40, 3, county_code=LISHI, institution_id="JG009", end_date="2023-04-01")
    )
    return Runner(write_extracts(tmp_path_factory.mktemp("liulin"), rows, []))


def test_institutions_of_a_county_add_up_to_its_figure_each_person_once(liulin):
    by_inst = liulin.run(
        "drill_breakdown", plan=TRAIN, metric=TRAINEES, unit=LIULIN, by="institution", as_of="2023-07-02"
    ).set_index("group_key")
    progress = liulin.run("progress", plan=TRAIN, level="county", as_of="2023-07-02")
    county = progress[(progress.unit_code == LIULIN) & (progress.metric == TRAINEES)].iloc[0]
    assert county.actual == 12
    assert by_inst["actual"].sum() == county.actual
    # P000020 first counts through JG002 (2023-05-01), so the later JG001 enrolment does not move them
    assert by_inst.loc["JG001", "actual"] == 8 and by_inst.loc["JG002", "actual"] == 4
    assert by_inst.loc["JG001", "share"] == pytest.approx(8 / 12, abs=1e-6)
    assert set(by_inst["ranked_by"]) == {"actual"} and by_inst["benchmark"].isna().all()
    # the institution's rates count every person it trained: 9 at JG001 (P000020 included)
    assert by_inst.loc["JG001", "completed"] == 9


def test_occupations_of_one_institution_share_its_figure(liulin):
    occ = liulin.run(
        "drill_breakdown",
        plan=TRAIN,
        metric=TRAINEES,
        unit=LIULIN,
        by="occupation",
        institution="JG001",
        as_of="2023-07-02",
    ).set_index("group_key")
    assert occ["actual"].to_dict() == {"电工": 6, "焊工": 2}
    assert occ["share"].sum() == pytest.approx(1.0)


def test_lines_explain_the_gap_against_the_provinces_mix_and_add_up_to_it_003(liulin):
    lines = liulin.run(
        "drill_breakdown", plan=TRAIN, metric=TRAINEES, unit=LIULIN, by="training_type", as_of="2023-07-02"
    ).set_index("group_key")
    # province mix: 11 enterprise_staff (柳林 8 + 离石 3), 4 key_group → shares 11/15, 4/15
    progress = liulin.run("progress", plan=TRAIN, level="county", as_of="2023-07-02")
    county = progress[(progress.unit_code == LIULIN) & (progress.metric == TRAINEES)].iloc[0]
    expected = county.target * 183 / 365
    assert lines.loc["enterprise_staff", "benchmark"] == pytest.approx(round(expected * 11 / 15, 1), abs=0.06)
    assert lines.loc["key_group", "benchmark"] == pytest.approx(round(expected * 4 / 15, 1), abs=0.06)
    assert lines["benchmark_gap"].sum() == pytest.approx(expected - county.actual, abs=0.2)
    assert lines["contribution"].sum() == pytest.approx(1.0, abs=1e-5)
    assert lines.iloc[0].name == "enterprise_staff"  # the largest contributor to the shortfall first


def test_previous_year_same_date_comes_from_the_previous_years_plan_000(tmp_path):
    # sx-skills-2021 against sx-skills-2020: trained and certified by 10-20 of each year
    def trained_certified(n, year, month_day):
        return (
            training_row(n, end_date=f"{year}-{month_day}", start_date=f"{year}-01-02", institution_id="JG001"),
            certificate_row(n, issue_date=f"{year}-{month_day}", cert_type="training_completion"),
        )

    pairs = (
        [trained_certified(i, 2020, "06-01") for i in range(3)]
        + [trained_certified(3, 2020, "11-01")]
        + [trained_certified(10, 2021, "06-01")]
    )
    runner = runner_for(tmp_path, [p[0] for p in pairs], [p[1] for p in pairs])
    by_inst = runner.run(
        "drill_breakdown",
        plan="sx-skills-2021",
        metric="trained_certified",
        unit=LIULIN,
        by="institution",
        as_of="2021-10-20",
    ).set_index("group_key")
    assert by_inst.loc["JG001", "actual"] == 1
    assert by_inst.loc["JG001", "prev_actual"] == 3  # the 2020-11-01 person is after the same date
    assert by_inst.loc["JG001", "change"] == -2
    assert by_inst.loc["JG001", "ranked_by"] == "previous_year"


# ---------------------------------------------------------------- thresholds and the watch list


def outcomes(start, n, passed, employed, **over):
    """n completed trainings: the first ``passed`` passed; ``employed`` a list of True/False/None per row."""
    return [training_row(start + i, passed=i < passed, employed=employed[i], **over) for i in range(n)]


SKILLS_2021 = {"start_date": "2021-03-01", "end_date": "2021-03-10"}  # a 000 plan year; outcomes due 06-08


def test_watch_list_flags_pass_rate_70_percent_and_not_85_percent_000(tmp_path):
    rows = outcomes(0, 10, 7, [True] * 10, institution_id="JG070", **SKILLS_2021) + outcomes(
        100, 20, 17, [True] * 20, institution_id="JG085", **SKILLS_2021
    )
    run = runner_for(tmp_path, rows)
    watch = run.run("institution_watchlist", plan="sx-skills-2021", unit=LIULIN, as_of="2021-07-02")
    assert list(watch["institution_id"]) == ["JG070"]
    # CONTRACT §4: 000's institution rules are not 003's — the 2021 action plan (001) flags nobody on them
    assert run.run("institution_watchlist", plan="sx-action-2021", unit=LIULIN, as_of="2021-07-02").empty
    row = watch.iloc[0]
    assert row.pass_rate == pytest.approx(70.0) and row.fails_pass and not row.fails_employment
    assert row.failed == "pass_rate" and row.county_code == LIULIN and row.completed == 10


def test_watch_list_employment_is_over_the_due_cohort_with_the_pending_counted_000_contract_v2(tmp_path):
    late = {"start_date": "2021-06-01", "end_date": "2021-06-20"}  # due 09-18: 待核实 on 07-02
    rows = (
        outcomes(0, 5, 5, [True] * 2 + [False] * 3, institution_id="JG040", **SKILLS_2021)  # 2 of 5 due
        + outcomes(10, 5, 5, [None] * 5, institution_id="JG040", **late)
        + outcomes(100, 5, 5, [True, True, None, None, None], institution_id="JG400", **SKILLS_2021)  # 2 of 5
        + outcomes(200, 10, 10, [True] * 10, institution_id="JG000", **late)  # nobody due yet: no verdict
    )
    watch = runner_for(tmp_path, rows).run(
        "institution_watchlist", plan="sx-skills-2021", unit=LIULIN, as_of="2021-07-02"
    )
    # JG040: 2 of 5 due = 40 % (≥ 30 %); JG400: due outcomes left empty count as not employed: 2 of 5 = 40 %
    assert watch.empty
    rows += outcomes(300, 10, 10, [True] + [None] * 9, institution_id="JG010", **SKILLS_2021)  # 1 of 10 due
    watch = runner_for(tmp_path / "b", rows).run(
        "institution_watchlist", plan="sx-skills-2021", unit=LIULIN, as_of="2021-07-02"
    )
    assert list(watch["institution_id"]) == ["JG010"]
    row = watch.iloc[0]
    assert row.employment_rate == pytest.approx(10.0)
    assert row.employment_known == 10 and row.employment_unknown == 0
    assert row.fails_employment and not row.fails_pass


def test_watch_list_flags_order_project_employment_below_80_percent_003(tmp_path):
    rows = outcomes(0, 10, 10, [True] * 7 + [False] * 3, institution_id="JG001", training_type="order_project")
    watch = runner_for(tmp_path, rows).run("institution_watchlist", plan=TRAIN, unit=LIULIN, as_of="2023-07-02")
    assert watch.iloc[0].order_project_employment_rate == pytest.approx(70.0)
    assert watch.iloc[0].failed == "order_project_employment_rate"
    # a minimum number of completions leaves small institutions out
    assert (
        runner_for(tmp_path / "b", rows)
        .run("institution_watchlist", plan=TRAIN, unit=LIULIN, as_of="2023-07-02", min_completed=11)
        .empty
    )


def test_thresholds_apply_only_where_their_document_applies_contract_v2(tmp_path):
    rows = (
        # 10 enterprise employees: 9 passed; employed 1, not employed 3, not entered 6 (all due by 07-02)
        outcomes(0, 10, 9, [True] + [False] * 3 + [None] * 6)
        # 10 caregivers (training 03-01 … 03-10), 9 passed, all employed
        + outcomes(100, 10, 9, [True] * 10, training_type="caregiver_brand", person_category="rural_migrant")
    )
    certs = [certificate_row(100 + i, issue_date="2023-05-01") for i in range(7)] + [
        certificate_row(107, issue_date="2023-02-01"),  # held before the training: not counted (§4)
        certificate_row(108, issue_date="2023-05-01", cert_type="training_completion", skill_level=None),  # not 持证
    ]
    run = runner_for(tmp_path, rows, certs)
    liulin = run.run("causes_rates", plan="liulin-2023", unit=LIULIN, as_of="2023-07-02").set_index("metric")
    # 002 at 柳林县: its own rules; 000's institution thresholds and 001's trainee rate are not Liulin's
    assert set(liulin.index) == {"order_project_employment_rate", "caregiver_cert_rate", "caregiver_employed"}
    assert liulin.loc["caregiver_cert_rate", "value"] == pytest.approx(70.0)
    assert not liulin.loc["caregiver_cert_rate", "met"]  # below 90 %
    assert liulin.loc["caregiver_employed", "threshold"] == 540 and liulin.loc["caregiver_employed", "value"] == 10
    assert pd.isna(liulin.loc["order_project_employment_rate", "met"])  # no order/project trainees: no verdict
    # 002's 持证率 is 柳林's rule: not the province's, not 离石's
    province = run.run("causes_rates", plan="liulin-2023", unit="140000", as_of="2023-07-02")
    assert list(province["metric"]) == ["order_project_employment_rate"]
    train = run.run("causes_rates", plan=TRAIN, unit=LISHI, as_of="2023-07-02")
    assert list(train["metric"]) == ["order_project_employment_rate"]


def test_institution_thresholds_of_000_read_employment_over_the_due_cohort_000_contract_v2(tmp_path):
    y = {"start_date": "2021-03-01", "end_date": "2021-03-10"}  # due 2021-06-08
    late = training_row(50, start_date="2021-06-01", end_date="2021-06-10", employed=True)  # due 09-08: 待核实
    rows = [*outcomes(0, 10, 9, [True] + [False] * 3 + [None] * 6, **y), late]
    rates = (
        runner_for(tmp_path, rows)
        .run("causes_rates", plan="sx-skills-2021", unit=LIULIN, as_of="2021-07-02")
        .set_index("metric")
    )
    assert set(rates.index) == {"institution_pass_rate", "institution_employment_rate"}
    assert rates.loc["institution_pass_rate", "value"] == pytest.approx(100 * 10 / 11)
    # 1 employed of the 10 due (6 not entered count as not employed); person 50 is pending
    assert rates.loc["institution_employment_rate", "value"] == pytest.approx(10.0)
    assert rates.loc["institution_employment_rate", "pending"] == 1
    assert not rates.loc["institution_employment_rate", "met"]  # below 000's 30 %
    action = runner_for(tmp_path / "a", rows).run(
        "causes_rates", plan="sx-action-2021", unit=LIULIN, as_of="2021-07-02"
    )
    assert list(action["metric"]) == ["trainee_employment_rate"]


# ---------------------------------------------------------------- forecast


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    """柳林县 training_total (liulin-2023 from 2023-01-01): 10, 2, 4, 6, 8 people in biweekly periods 0-4, then 1
    person on 2023-03-13 (period 5)."""
    ends = {"2023-01-05": 10, "2023-01-20": 2, "2023-02-01": 4, "2023-02-15": 6, "2023-03-01": 8, "2023-03-13": 1}
    rows, n = [], 0
    for end, count in ends.items():
        rows += trainings(n, count, start_date="2023-01-01", end_date=end)
        n += count
    return Runner(write_extracts(tmp_path_factory.mktemp("series"), rows, []))


def forecast_row(runner, as_of):
    df = runner.run("forecast", plan="liulin-2023", as_of=as_of, metric="training_total")
    assert len(df) == 1
    return df.iloc[0]


def test_forecast_projects_the_last_four_periods_pace_to_the_deadline_002(series):
    # as of 2023-03-11, the last day of period 4: current 30; pace (2+4+6+8)/4 = 5 a period;
    # the deadline 2023-11-30 is day 333, in period 23: 19 periods after period 4
    row = forecast_row(series, "2023-03-11")
    assert row.actual == 30 and row.pace == 5 and row.pace_periods == 4 and row.remaining_periods == 19
    assert row.projected_actual == 30 + 5 * 19
    assert row.projected_pct == pytest.approx(round(100 * 125 / 1500, 4))
    assert row.needed_per_period == math.ceil((1500 - 30) / 19)  # 78
    assert row.needed_vs_pace == pytest.approx(round((1470 / 19) / 5, 4))
    assert row.will_miss and row.risk_rank == 1


def test_forecast_uses_complete_periods_only_for_the_pace_002(series):
    # as of 2023-03-15 (period 5 not complete): current 31, pace still periods 1-4, 18 periods left
    row = forecast_row(series, "2023-03-15")
    assert row.actual == 31 and row.pace == 5 and row.remaining_periods == 18
    assert row.projected_actual == 31 + 5 * 18
    assert row.pace_from.isoformat()[:10] == "2023-01-15" and row.pace_to.isoformat()[:10] == "2023-03-11"


def test_forecast_ranks_units_by_projected_completion_lowest_first_003(province):
    risk = province.run("forecast", plan=TRAIN, level="city", as_of="2023-07-02", metric=TRAINEES)
    assert list(risk["risk_rank"]) == list(range(1, 12))
    assert risk["projected_pct"].is_monotonic_increasing
    within = province.run("forecast", plan=TRAIN, level="county", as_of="2023-07-02", metric=TRAINEES, within="141100")
    assert len(within) == 13 and set(within["unit_code"]) >= {LIULIN, LISHI}


# ---------------------------------------------------------------- the offline map


def test_map_has_one_clickable_point_per_county_and_no_url_of_a_tile_glyph_or_topojson_server():
    codes = geo.feature_codes("county")
    df = pd.DataFrame({"unit_code": codes, "unit_name": codes, "gap": [float(i - 58) for i in range(117)]})
    fig = geo.choropleth(df, "county", "gap", color_label="进度差", scale="gap", highlight=[LIULIN])
    units = [t for t in fig.data if t.name == "units"]
    assert len(units) == 1 and [c[0] for c in units[0].customdata] == codes
    assert len([t for t in fig.data if t.name.startswith("area_") and t.fill == "toself"]) == 117
    text = fig.to_json()
    assert not re.search(r"https?://", text)
    assert not re.search(r"topojson|tiles?\.|mapbox://|glyphs|fontstack", text, re.IGNORECASE)
    assert "map" not in fig.to_plotly_json()["layout"] and all(t.type == "scatter" for t in fig.data), "no MapLibre"
    # diverging red (behind) ↔ green (ahead) around a gap of 0
    assert fig.layout.coloraxis.cmid == 0
    assert fig.layout.coloraxis.cmin == -fig.layout.coloraxis.cmax
    # a county 58 points behind is the scale's red end, one 58 ahead its green end
    fills = {t.name[5:]: t.fillcolor for t in fig.data if t.name.startswith("area_")}
    assert fills[codes[0]] == "rgb(165, 0, 38)" and fills[codes[-1]] == "rgb(0, 104, 55)"
    # the unit looked at is outlined; all Shanxi by county: 117 names would be unreadable, the 11 cities are named
    assert next(t for t in fig.data if t.name == "highlight").line.color == geo.HIGHLIGHT_COLOR
    labels = next(t for t in fig.data if t.name == "labels")
    assert sorted(labels.text) == sorted(geo.feature_names("city").values())


def test_map_keeps_its_aspect_for_shanxis_latitude():
    df = pd.DataFrame({"unit_code": ["141100"], "unit_name": ["吕梁市"], "pct": [50.0]})
    fig = geo.choropleth(df, "city", "pct", color_label="完成率", scale="pct")
    assert fig.layout.yaxis.scaleanchor == "x"
    lat0, lat1 = fig.layout.yaxis.range
    assert fig.layout.yaxis.scaleratio == pytest.approx(1 / math.cos(math.radians((lat0 + lat1) / 2)), rel=0.01)
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False


def test_a_city_seen_by_county_names_its_counties_and_outlines_the_city():
    lvliang = [c for c in geo.feature_codes("county") if c.startswith("1411")]
    df = pd.DataFrame({"unit_code": lvliang, "unit_name": lvliang, "gap": [-5.0] * len(lvliang)})
    fig = geo.choropleth(
        df, "county", "gap", color_label="进度差", scale="gap", outline_cities=["141100"], focus=lvliang
    )
    labels = next(t for t in fig.data if t.name == "labels")
    assert len(lvliang) == 13 and "柳林县" in labels.text and len(labels.text) == 13
    outline = next(t for t in fig.data if t.name == "city_outline")
    assert outline.line.color == geo.HIGHLIGHT_COLOR and outline.line.width == 3
    # every name is written inside its own county (not on an enclave or a neighbour), the view fits the city
    rings = {f["properties"]["code"]: f["geometry"]["coordinates"] for f in geo.load_geojson("county")["features"]}
    for code, (lon, lat) in geo.label_points("county").items():
        crossings = sum(
            (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0)
            for ring in rings[code]
            for (x0, y0), (x1, y1) in itertools.pairwise(ring)
        )
        assert crossings % 2 == 1, code
    lon0, lon1, *_ = geo.bounds("county", lvliang)
    assert fig.layout.xaxis.range[0] < lon0 and fig.layout.xaxis.range[1] > lon1
    # counties beyond the city: paler; the hover names value and status in Chinese
    paler = {t.name[5:] for t in fig.data if t.name.startswith("area_") and t.opacity < 1}
    assert paler == set(geo.feature_codes("county")) - set(lvliang)


def test_map_draws_units_without_a_value_in_grey_and_cities_have_11_units():
    codes = geo.feature_codes("city")
    assert len(codes) == 11
    df = pd.DataFrame(
        {
            "unit_code": codes,
            "unit_name": codes,
            "pct": [50.0] * 10 + [None],
            "状态": ["状态 略滞后"] * 10 + [""],
        }
    )
    fig = geo.choropleth(df, "city", "pct", color_label="完成率", scale="pct", hover=["状态"], missing_label="无任务")
    fills = {t.name[5:]: t.fillcolor for t in fig.data if t.name.startswith("area_")}
    assert sorted(fills) == sorted(codes) and fills[codes[-1]] == geo.NO_DATA_COLOR
    hover = dict(fig.data[[t.name for t in fig.data].index("units")].customdata)
    assert hover[codes[0]].endswith("<br>状态 略滞后") and hover[codes[-1]].endswith("<br>无任务")
    assert geo.selected_unit({"selection": {"points": [{"customdata": ["141100", "吕梁市"]}]}}) == "141100"
    assert geo.selected_unit({"selection": {"points": []}}) is None


# ---------------------------------------------------------------- the page


@pytest.fixture
def app(tmp_path, monkeypatch):
    rows = (
        trainings(0, 30, county_code=LIULIN, end_date="2023-06-01", employed=True)
        + trainings(100, 10, county_code=LISHI, end_date="2023-06-01", institution_id="JG002")
        + trainings(200, 20, county_code=TAIYUAN_XIAODIAN, end_date="2023-09-01", passed=False)
    )
    folder = write_extracts(tmp_path / "app", rows, [])
    monkeypatch.setenv("SKILLS_DATA_DIR", str(folder))
    return AppTest.from_file(DASHBOARD, default_timeout=120)


def open_page(app, **params):
    """Open the drill-down with ``params`` in the URL (set again after the first run, which opens the overview:
    it binds a ``level`` of its own and drops a value it does not offer)."""
    for key, value in params.items():
        app.query_params[key] = value
    at = app.run()
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page("pages/drilldown.py").run()


def pick(at, label_start, value):
    box = next(s for s in at.selectbox if s.label.startswith(label_start))
    return box.set_value(value).run()


def test_page_drills_from_the_province_to_a_county_and_its_institutions_without_exception(app):
    at = open_page(app, plan=TRAIN, as_of="2023-10-20")
    assert not at.exception
    assert at.title[0].value == "区域分析"
    assert at.subheader[0].value.startswith("山西省")
    assert at.dataframe[0].value.shape[0] == 11  # the 11 cities
    assert at.get("plotly_chart")
    at.segmented_control(key="drill_cause").set_value("institution").run()
    assert not at.exception
    at = pick(at, "进入下级", "141100")
    assert not at.exception and at.subheader[0].value.startswith("吕梁市")
    at = pick(at, "进入下级", LIULIN)
    assert not at.exception and at.subheader[0].value.startswith("柳林县")
    assert dict(at.query_params)["unit"] == LIULIN and dict(at.query_params)["level"] == "institution"
    assert [b.label for b in at.button][:3] == ["山西省", "吕梁市", "柳林县"]
    at = pick(at, "进入下级", "JG001")
    assert not at.exception
    assert dict(at.query_params)["level"] == "occupation" and dict(at.query_params)["institution"] == "JG001"
    next(b for b in at.button if b.label == "山西省").click().run()
    assert not at.exception and at.subheader[0].value.startswith("山西省")


def test_page_opens_on_the_unit_level_and_metric_in_the_url_and_shows_the_needed_pace(app):
    at = open_page(app, plan=TRAIN, as_of="2023-10-20", unit=LIULIN, level="occupation", metric=TRAINEES)
    assert not at.exception
    assert at.subheader[0].value.startswith("柳林县")
    assert at.segmented_control(key="drill_level").value == "occupation"
    assert at.selectbox(key="drill_institution").value == ""  # all institutions
    assert "每个双周需完成" in [m.label for m in at.metric]
    assert any("每期需完成" in m.value for m in at.markdown)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "map" not in spec["layout"] and spec["layout"]["yaxis"]["scaleanchor"] == "x"  # offline, no MapLibre
    # a county looked at: its city's 13 counties named, the county outlined
    labels = next(t for t in spec["data"] if t.get("name") == "labels")
    assert "柳林县" in labels["text"] and len(labels["text"]) == 13
    assert any(t.get("name") == "highlight" for t in spec["data"])


def test_page_opens_liulin_plan_on_liulin_county_002(app):
    at = open_page(app, plan="liulin-2023", as_of="2023-10-20")
    assert not at.exception
    assert at.subheader[0].value.startswith("柳林县")
