"""院校取证 page (#5): the school quota queries on hand-made extracts, the CLI's figures, any school plan, the page.

Seed 004 (晋教职成〔2021〕8号) 附件1: senior certificates per college (U.., H..; H52 技工院校), intermediate
certificates per city education bureau (B..) and provincial secondary school (S..; S28 技工院校); graduates only,
deadline 2021-08-31. Directed training: 30,000 province-wide, 40 / 80 / 100 % by 06-30 / 09-30 / 11-30.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from extracts import LISHI, LIULIN, TAIYUAN_XIAODIAN, certificate_row, training_row, write_extracts
from streamlit.testing.v1 import AppTest

from tracker import REFERENCE_DIR, ROOT, ui
from tracker import query as query_module
from tracker import schools_view as sv
from tracker.query import Runner

DASHBOARD = str(ROOT / "dashboard.py")
PAGE = "pages/schools.py"
AS_OF = "2021-06-30"
GRAD = {"graduating_student": True}


def school_certificates() -> list[dict]:
    """Graduates' certificates worked through by hand in the tests below."""
    return [
        # 山西大学 (U01, senior): persons 1 and 3 count; 2 is not graduating; 4 holds a level-4 certificate only;
        # 9's certificate predates the plan; person 1's second certificate does not count them twice
        certificate_row(
            1,
            skill_level=3,
            school_name="山西大学",
            county_code=TAIYUAN_XIAODIAN,
            major="机械设计",
            occupation="车工",
            issue_date="2021-03-15",
            **GRAD,
        ),
        certificate_row(
            11,
            person_id="P000001",
            skill_level=2,
            school_name="山西大学",
            county_code=TAIYUAN_XIAODIAN,
            major="机械设计",
            occupation="车工",
            issue_date="2021-04-20",
            **GRAD,
        ),
        certificate_row(
            2,
            skill_level=3,
            school_name="山西大学",
            county_code=TAIYUAN_XIAODIAN,
            issue_date="2021-03-15",
            graduating_student=False,
        ),
        certificate_row(
            3,
            cert_type="qualification",
            skill_level=None,
            school_name="山西大学",
            county_code=TAIYUAN_XIAODIAN,
            major="会计学",
            occupation="会计专业技术人员",
            issue_date="2021-05-10",
            **GRAD,
        ),
        certificate_row(
            4, skill_level=4, school_name="山西大学", county_code=TAIYUAN_XIAODIAN, issue_date="2021-05-10", **GRAD
        ),
        certificate_row(
            9, skill_level=3, school_name="山西大学", county_code=TAIYUAN_XIAODIAN, issue_date="2020-12-31", **GRAD
        ),
        # a county secondary school is no unit of schools.csv: 柳林县 lies in 吕梁市, so 吕梁市教育局 (B09)
        certificate_row(
            5,
            skill_level=4,
            school_name="柳林县职业中学",
            county_code=LIULIN,
            major="护理",
            issue_date="2021-06-01",
            **GRAD,
        ),
        # the aggregate 技工院校: senior for H52, intermediate for S28 (not for 吕梁市教育局)
        certificate_row(6, skill_level=3, school_name="技工院校", county_code=LISHI, issue_date="2021-04-01", **GRAD),
        certificate_row(7, skill_level=4, school_name="技工院校", county_code=LISHI, issue_date="2021-04-02", **GRAD),
        # a provincial secondary school (S01) counts by name, not for 太原市教育局
        certificate_row(
            8,
            skill_level=4,
            school_name="太原铁路机械学校",
            county_code=TAIYUAN_XIAODIAN,
            issue_date="2021-06-20",
            **GRAD,
        ),
        # a graduate of a school 附件1 does not list: in the province's figure, in no unit's
        certificate_row(
            10, skill_level=3, school_name="某民办学院", county_code=TAIYUAN_XIAODIAN, issue_date="2021-05-05", **GRAD
        ),
    ]


def directed_trainings() -> list[dict]:
    common = {
        "training_type": "school_directed",
        "county_code": TAIYUAN_XIAODIAN,
        "start_date": "2021-03-01",
        "person_category": "enterprise_employee",
    }
    return [
        training_row(101, school_name="山西大学", end_date="2021-05-20", **common),
        training_row(102, school_name="山西大学", end_date="2021-06-10", **common),
        training_row(103, school_name="山西大学", end_date="2021-07-01", **common),
        training_row(104, school_name="太原理工大学", end_date="2021-06-15", **common),
        training_row(105, school_name="山西大学", end_date="2021-06-01", status="dropped", **common),
    ]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_extracts(tmp_path_factory.mktemp("schools"), directed_trainings(), school_certificates())


@pytest.fixture(scope="module")
def runner(data) -> Runner:
    return Runner(data)


def quota_row(runner: Runner, unit: str, as_of: str = AS_OF, plan: str = "sx-edu-2021") -> pd.Series:
    df = runner.run("school_quota", plan=plan, as_of=as_of)
    rows = df[df.unit_code == unit]
    assert len(rows) == 1, f"{unit}: {len(rows)} rows"
    return rows.iloc[0]


# ---------------------------------------------------------------- the school rules (seed 004)


def test_senior_certificate_of_a_graduating_student_counts_for_its_school_004(runner):
    row = quota_row(runner, "U01")
    assert row.unit_name == "山西大学" and row.group == "undergraduate" and row.city_name == "太原市"
    assert row.metric == "senior_certs" and row.target == 1326
    assert row.actual == 2  # persons 1 (twice certified, counted once) and 3


def test_certificate_of_a_non_graduating_student_does_not_count_004(tmp_path):
    certs = [
        certificate_row(1, skill_level=3, school_name="山西大学", issue_date="2021-03-15", graduating_student=False)
    ]
    runner = Runner(write_extracts(tmp_path / "x", [], certs))
    assert quota_row(runner, "U01").actual == 0


def test_qualification_certificate_without_level_counts_as_senior_004(tmp_path):
    certs = [
        certificate_row(
            1, cert_type="qualification", skill_level=None, school_name="山西大学", issue_date="2021-03-15", **GRAD
        )
    ]
    runner = Runner(write_extracts(tmp_path / "x", [], certs))
    assert quota_row(runner, "U01").actual == 1


def test_level_4_certificate_of_an_unlisted_school_counts_for_the_bureau_of_the_countys_city_004(runner):
    assert quota_row(runner, "B09").actual == 1  # 柳林县职业中学 → 吕梁市教育局
    assert quota_row(runner, "B01").actual == 0  # 太原: its students here are of listed units (山西大学, S01)


def test_technician_schools_count_for_h52_senior_and_s28_intermediate_004(runner):
    assert quota_row(runner, "H52").actual == 1
    assert quota_row(runner, "S28").actual == 1
    assert quota_row(runner, "S01").actual == 1  # a provincial secondary school by its name


def test_quota_table_shows_expected_pct_shortfall_and_pace_needed_against_the_deadline_004(runner):
    row = quota_row(runner, "U01")
    # 2021-01-01 … 06-30 is 181 of the plan's 243 days (to 08-31)
    assert row.expected_pct == pytest.approx(100 * 181 / 243, abs=1e-3)
    assert row.pct == pytest.approx(100 * 2 / 1326, abs=1e-3)
    assert row.status == "lagging"
    assert row.shortfall == pytest.approx(round(1326 * 181 / 243 - 2, 1), abs=0.11)
    assert row.remaining == 1324
    assert row.days_left == 62 and row.weeks_left == 9 and row.periods_left == 5
    assert row.needed_per_week == 148  # ⌈1,324 ÷ 9⌉ people a week
    assert row.needed_per_period == 265  # ⌈1,324 ÷ 5⌉ people a 14-day period
    after = quota_row(runner, "U01", as_of="2021-10-20")
    assert after.days_left == 0 and pd.isna(after.needed_per_week)


def test_quota_table_lists_the_119_units_of_attachment_1_in_their_groups_004(runner):
    df = runner.run("school_quota", plan="sx-edu-2021", as_of=AS_OF)
    assert len(df) == 119
    assert df.groupby("group").size().to_dict() == {
        "undergraduate": 34,
        "higher_vocational": 50,
        "city_education_bureau": 11,
        "provincial_secondary": 24,
    }
    assert list(df.group.drop_duplicates()) == [
        "undergraduate",
        "higher_vocational",
        "city_education_bureau",
        "provincial_secondary",
    ]


# ---------------------------------------------------------------- group totals against the 100,000 goals


def test_group_totals_are_sums_of_units_beside_the_province_goal_004(runner):
    groups = runner.run("school_groups", plan="sx-edu-2021", as_of=AS_OF)
    group = groups[groups.row_kind == "group"].set_index("group")
    assert group.loc["undergraduate", "actual"] == 2
    assert group.loc["higher_vocational", "actual"] == 1
    assert group.loc["city_education_bureau", "actual"] == 1
    assert group.loc["provincial_secondary", "actual"] == 2
    assert group.loc["undergraduate", "target"] == 30071 and group.loc["higher_vocational", "target"] == 77600
    assert group.loc["undergraduate", "units"] == 34
    totals = groups[groups.row_kind == "units_total"].set_index("metric")
    assert totals.loc["senior_certs", "actual"] == 3 and totals.loc["senior_certs", "target"] == 107671
    assert totals.loc["intermediate_certs", "actual"] == 3 and totals.loc["intermediate_certs", "target"] == 100820
    goals = groups[groups.row_kind == "plan_goal"].set_index("metric")
    assert goals.loc["senior_certs", "target"] == 100000 and goals.loc["intermediate_certs", "target"] == 100000
    # the province counts every graduate: also 某民办学院 (senior) and 山西大学's level-4 graduate (intermediate)
    assert goals.loc["senior_certs", "actual"] == 4
    assert goals.loc["intermediate_certs", "actual"] == 4
    assert goals.loc["directed_training", "actual"] == 3 and goals.loc["directed_training", "target"] == 30000


# ---------------------------------------------------------------- one school's detail


def test_school_detail_counts_each_graduate_once_by_major_level_type_and_month_004(runner):
    df = runner.run("school_detail_certs", plan="sx-edu-2021", unit="U01", as_of=AS_OF)
    got = {(r.dimension, r.key): r.persons for r in df.itertuples()}
    assert got == {
        ("month", "2021-03"): 1,
        ("month", "2021-05"): 1,
        ("level", "3"): 1,
        ("level", ""): 1,
        ("cert_type", "skill_level"): 1,
        ("cert_type", "qualification"): 1,
        ("major", "机械设计"): 1,
        ("major", "会计学"): 1,
        ("occupation", "车工"): 1,
        ("occupation", "会计专业技术人员"): 1,
    }
    for dimension, part in df.groupby("dimension"):
        assert part.persons.sum() == quota_row(runner, "U01").actual, dimension


def test_school_detail_of_technician_schools_keeps_senior_and_intermediate_apart_004(runner):
    h52 = runner.run("school_detail_certs", plan="sx-edu-2021", unit="H52", as_of=AS_OF)
    s28 = runner.run("school_detail_certs", plan="sx-edu-2021", unit="S28", as_of=AS_OF)
    assert set(h52[h52.dimension == "level"].key) == {"3"} and h52[h52.dimension == "level"].persons.sum() == 1
    assert set(s28[s28.dimension == "level"].key) == {"4"} and s28[s28.dimension == "level"].persons.sum() == 1
    b09 = runner.run("school_detail_certs", plan="sx-edu-2021", unit="B09", as_of=AS_OF)
    assert set(b09[b09.dimension == "major"].key) == {"护理"}


def test_school_pace_is_cumulative_by_month_against_the_linear_expectation_004(runner):
    pace = runner.run("school_pace", plan="sx-edu-2021", unit="U01", as_of=AS_OF).set_index("point_date")
    on = {d.date().isoformat() if hasattr(d, "date") else str(d): r for d, r in pace.iterrows()}
    assert on["2020-12-31"].cumulative == 0 and on["2020-12-31"].expected == 0
    assert on["2021-03-31"].cumulative == 1
    assert on["2021-05-31"].cumulative == 2
    assert on["2021-06-30"].cumulative == 2
    assert on["2021-04-30"].expected == pytest.approx(round(1326 * 120 / 243, 1))
    assert on["2021-08-31"].expected == 1326
    assert pd.isna(on["2021-07-31"].cumulative) and not on["2021-07-31"].measured  # after the as-of date


def test_directed_training_shows_the_province_against_milestones_and_the_schools_share_004(runner):
    df = runner.run("school_directed", plan="sx-edu-2021", unit="U01", as_of=AS_OF)
    on = {pd.Timestamp(r.point_date).date().isoformat(): r for r in df.itertuples()}
    assert on["2021-06-30"].expected == 12000 and on["2021-06-30"].milestone_share == 0.4
    assert on["2021-09-30"].expected == 24000 and on["2021-11-30"].expected == 30000
    assert on["2021-06-30"].province_cumulative == 3  # 101, 102 (山西大学) and 104 (太原理工大学); 105 dropped
    assert on["2021-06-30"].school_cumulative == 2
    assert on["2021-05-31"].school_cumulative == 1
    assert pd.isna(on["2021-07-31"].province_cumulative)
    later = runner.run("school_directed", plan="sx-edu-2021", unit="U01", as_of="2021-07-31")
    assert later[later.measured].school_cumulative.iloc[-1] == 3


# ---------------------------------------------------------------- the same figures as `python -m tracker query progress`


def cli_progress(data: Path, as_of: str, plan: str = "sx-edu-2021") -> pd.DataFrame:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tracker",
            "query",
            "progress",
            "--data",
            str(data),
            "--as-of",
            as_of,
            "--param",
            f"plan={plan}",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return pd.read_csv(io.StringIO(out.stdout), dtype={"unit_code": str})


def assert_page_figures_equal_cli(runner: Runner, data: Path, as_of: str) -> None:
    cli = cli_progress(data, as_of)
    quota = runner.run("school_quota", plan="sx-edu-2021", as_of=as_of)
    schools = cli[cli.unit_type == "school"].set_index(["unit_code", "metric"]).sort_index()
    page = quota.set_index(["unit_code", "metric"]).sort_index()
    assert list(page.index) == list(schools.index)
    for col in ("target", "actual", "pct", "expected_pct", "shortfall", "remaining", "gap_pts"):
        assert page[col].astype(float).tolist() == pytest.approx(schools[col].astype(float).tolist()), col
    assert page.status.tolist() == schools.status.tolist()
    goals = runner.run("school_groups", plan="sx-edu-2021", as_of=as_of)
    goals = goals[goals.row_kind == "plan_goal"].set_index("metric").sort_index()
    province = cli[cli.unit_type == "province"].set_index("metric").sort_index()
    assert goals.actual.tolist() == province.actual.tolist()
    assert goals.target.tolist() == province.target.tolist()
    # a group's total is the sum of its units in the CLI's output
    groups = runner.run("school_groups", plan="sx-edu-2021", as_of=as_of)
    merged = schools.reset_index().merge(quota[["unit_code", "group"]], on="unit_code")
    for row in groups[groups.row_kind == "group"].itertuples():
        assert row.actual == merged[(merged.group == row.group) & (merged.metric == row.metric)].actual.sum()


def test_page_figures_equal_the_cli_progress_query_on_hand_made_extracts_004(runner, data):
    assert_page_figures_equal_cli(runner, data, AS_OF)


def test_page_figures_equal_the_cli_progress_query_on_demo_extracts_004(tmp_path):
    from tracker import demo

    demo.write_demo(tmp_path / "demo", rows=30_000)
    runner = Runner(tmp_path / "demo")
    assert_page_figures_equal_cli(runner, tmp_path / "demo", AS_OF)
    assert runner.run("school_quota", plan="sx-edu-2021", as_of=AS_OF).actual.sum() > 0


# ---------------------------------------------------------------- any plan whose units are schools


def reference_with_2022_plan(folder: Path) -> Path:
    ref = folder / "reference"
    shutil.copytree(REFERENCE_DIR, ref)
    with (ref / "plans.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(
            ["sx-edu-2022", "山西省教育系统取证任务(2022年，测试)", "测试文件", "004", "2022-01-01", "2022-08-31"]
        )
    with (ref / "targets.csv").open("a", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        for code, name, metric, target in [
            ("U01", "山西大学", "senior_certs", 1500),
            ("S01", "太原铁路机械学校", "intermediate_certs", 1400),
            ("B09", "吕梁市教育局", "intermediate_certs", 7000),
        ]:
            w.writerow(["sx-edu-2022", "school", code, name, metric, target, "人", "2022-01-01", "2022-08-31", "测试"])
    return ref


@pytest.fixture
def data_2022(tmp_path) -> tuple[Path, Path]:
    ref = reference_with_2022_plan(tmp_path)
    certs = [
        certificate_row(
            1, skill_level=3, school_name="山西大学", county_code=TAIYUAN_XIAODIAN, issue_date="2022-05-01", **GRAD
        ),
        certificate_row(
            2, skill_level=3, school_name="山西大学", county_code=TAIYUAN_XIAODIAN, issue_date="2021-05-01", **GRAD
        ),  # 2021: not in the 2022 plan
        certificate_row(
            3, skill_level=4, school_name="柳林县职业中学", county_code=LIULIN, issue_date="2022-06-01", **GRAD
        ),
    ]
    return write_extracts(tmp_path / "data", [], certs), ref


def test_a_2022_school_plan_added_to_targets_shows_up_without_code_changes_004(data_2022):
    data, ref = data_2022
    runner = Runner(data, reference_dir=ref)
    plans = runner.run("school_plans")
    assert list(plans.plan_id) == ["sx-edu-2022", "sx-edu-2021"]  # newest first
    assert plans.set_index("plan_id").loc["sx-edu-2022", "school_units"] == 3
    quota = runner.run("school_quota", plan="sx-edu-2022", as_of="2022-06-30").set_index("unit_code")
    assert sorted(quota.index) == ["B09", "S01", "U01"]
    assert quota.loc["U01", "target"] == 1500 and quota.loc["U01", "actual"] == 1
    assert quota.loc["B09", "actual"] == 1 and quota.loc["S01", "actual"] == 0
    assert quota.loc["U01", "group"] == "undergraduate"
    groups = runner.run("school_groups", plan="sx-edu-2022", as_of="2022-06-30")
    assert set(groups.row_kind) == {"group", "units_total"}  # this plan names no province goal
    pace = runner.run("school_pace", plan="sx-edu-2022", unit="U01", as_of="2022-06-30")
    assert pace[pace.measured].cumulative.iloc[-1] == 1
    assert runner.run("school_directed", plan="sx-edu-2022", unit="U01", as_of="2022-06-30").empty


@pytest.fixture
def app_on_reference(monkeypatch):
    """Point the dashboard at another reference folder (tracker.app has no setting for it yet)."""

    def point(data: Path, ref: Path) -> AppTest:
        monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
        monkeypatch.setattr(ui, "REFERENCE_DIR", ref)
        ui._rows.cache_clear()
        key = str(data.resolve())
        monkeypatch.setitem(query_module._RUNNERS, key, Runner(data, reference_dir=ref))
        return AppTest.from_file(DASHBOARD, default_timeout=90)

    yield point
    monkeypatch.undo()
    ui._rows.cache_clear()


def test_the_page_shows_a_2022_school_plan_from_another_reference_folder_004(data_2022, app_on_reference):
    data, ref = data_2022
    at = app_on_reference(data, ref)
    at.query_params["plan"] = "sx-edu-2022"
    at.query_params["as_of"] = "2022-06-30"
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "2022年" in at.caption[0].value
    table = at.dataframe[0].value
    assert sorted(table["单位代码"]) == ["B09", "S01", "U01"]
    assert table.set_index("单位代码").loc["U01", "已取证"] == 1


# ---------------------------------------------------------------- the page (AppTest)


def open_page(data: Path, monkeypatch, **params: str) -> AppTest:
    monkeypatch.setenv("SKILLS_DATA_DIR", str(data))
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page(PAGE).run()


def test_page_shows_the_quota_table_with_progress_bars_and_downloads_004(data, monkeypatch):
    at = open_page(data, monkeypatch, plan="sx-edu-2021", as_of=AS_OF)
    assert not at.exception
    assert at.title[0].value == "院校取证"
    table = at.dataframe[0].value
    assert len(table) == 119
    u01 = table.set_index("单位代码").loc["U01"]
    assert u01["单位"] == "山西大学" and u01["组别"] == "普通本科" and u01["已取证"] == 2
    columns = json.loads(at.dataframe[0].proto.columns)
    assert columns["完成率"]["type_config"]["type"] == "progress"
    assert [b.proto.label for b in at.get("download_button")] == ["下载 Excel", "下载 CSV"]
    labels = [m.label for m in at.metric]
    assert any("普通本科" in label for label in labels) and any("全省口径" in label for label in labels)


def test_page_filters_by_group_and_sorts_by_shortfall_from_the_url_004(data, monkeypatch):
    at = open_page(data, monkeypatch, plan="sx-edu-2021", as_of=AS_OF, group="普通本科", sort="shortfall")
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["组别"]) == {"普通本科"} and len(table) == 34
    assert table["落后人数"].is_monotonic_decreasing


def values_of(array) -> list:
    """A Plotly array from a figure's JSON (Plotly 7 writes numbers as typed base64 blocks)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_page_compare_view_ranks_a_groups_units_with_quota_markers_004(data, monkeypatch):
    at = open_page(data, monkeypatch, plan="sx-edu-2021", as_of=AS_OF, view="compare", cmp_group="provincial_secondary")
    assert not at.exception
    ranked = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    bars, quota = ranked[0], ranked[1]
    assert bars["type"] == "bar" and len(bars["y"]) == 24
    by_name = dict(zip(values_of(bars["y"]), values_of(bars["x"])))
    assert by_name["太原铁路机械学校"] == 1 and by_name["技工院校"] == 1 and by_name["山西省工业管理学校"] == 0
    assert dict(zip(values_of(quota["y"]), values_of(quota["x"])))["技工院校"] == 17000
    assert len(at.get("plotly_chart")) == 2  # ranked bars and the spread per group
    assert len(at.dataframe) == 3  # furthest behind by people, by percent; group totals


def test_page_detail_view_shows_a_schools_pace_breakdown_and_directed_training_004(data, monkeypatch):
    at = open_page(data, monkeypatch, plan="sx-edu-2021", as_of=AS_OF, view="detail", unit="U01")
    assert not at.exception
    values = {m.label: m.value for m in at.metric}
    assert values["已取证"] == "2人" and values["任务数"] == "1,326人"
    assert values["全省累计结业"] == "3人" and values["山西大学贡献"] == "2人"
    assert len(at.get("plotly_chart")) >= 5  # pace, month, level, major, occupation, directed


def test_page_with_a_plan_without_school_units_offers_to_switch_004(data, monkeypatch):
    at = open_page(data, monkeypatch, plan="liulin-2023")
    assert not at.exception
    assert "没有分解到院校的任务" in at.warning[0].value
    at.button(key="switch_sx-edu-2021").click().run()
    assert at.session_state["plan"] == "sx-edu-2021"


def test_page_with_empty_extracts_says_so_instead_of_failing_004(tmp_path, monkeypatch):
    empty = write_extracts(tmp_path / "empty", [], [])
    at = open_page(empty, monkeypatch, plan="sx-edu-2021")
    assert not at.exception
    assert any("没有计入本计划的毕业生取证记录" in i.value for i in at.info)
    assert at.dataframe[0].value["已取证"].sum() == 0


# ---------------------------------------------------------------- downloads


def test_downloads_have_chinese_headers_and_the_plan_and_date_in_the_file_name(runner):
    quota = runner.run("school_quota", plan="sx-edu-2021", as_of=AS_OF)
    frame = sv.table_frame(quota, download=True)
    assert set(frame["状态"]) == {"滞后"}  # plain text in a file, no icons
    assert frame.set_index("单位代码").loc["U01", "完成率"] == round(100 * 2 / 1326, 1)
    book = openpyxl.load_workbook(io.BytesIO(sv.to_xlsx(frame, notes=["注"], title="院校取证任务完成表")))
    sheet = book.active
    assert sheet["A1"].value == "院校取证任务完成表"  # the export template: title, units line, header
    header = [c.value for c in sheet[3]]
    assert header == list(sv.TABLE_COLUMNS.values())
    assert sheet.max_row == 3 + 119 + 2  # title, units, header; table, a blank line, one note
    pct = header.index("完成率") + 1
    assert sheet.cell(4, pct).number_format == "0.0%", "58.9 prints as 58.9%, not 59"
    text = sv.to_csv(frame).decode("utf-8-sig")
    assert text.splitlines()[0].split(",") == list(sv.TABLE_COLUMNS.values())
    assert sv.download_name("sx-edu-2021", dt.date(2021, 6, 30), "xlsx") == "院校取证_sx-edu-2021_2021-06-30.xlsx"


def test_page_compare_view_in_percent_puts_every_quota_at_100_004(data, monkeypatch):
    at = open_page(
        data,
        monkeypatch,
        plan="sx-edu-2021",
        as_of=AS_OF,
        view="compare",
        cmp_group="provincial_secondary",
        scale="pct",
    )
    assert not at.exception
    bars, quota = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][:2]
    by_name = dict(zip(values_of(bars["y"]), values_of(bars["x"])))
    assert by_name["技工院校"] == pytest.approx(100 / 17000, abs=1e-3)
    assert set(values_of(quota["x"])) == {100.0}
