"""录入及时率 league (#14): 不录不补 (seed 003: 严格落实“不录不补”…实时录入系统数据; seed 002) per county and
institution — share entered within N days of completion, median lag, entries after the late-entry limit."""

from __future__ import annotations

import datetime as dt

import pytest
from extracts import LISHI, LIULIN, training_row, write_extracts

from tracker import timeliness
from tracker.query import Runner

AS_OF = dt.date(2023, 6, 30)


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Runner:
    rows = [
        training_row(1, end_date="2023-03-10", entered_on="2023-03-12"),  # 2 days: in time
        training_row(2, end_date="2023-03-10", entered_on="2023-04-20"),  # 41 days: late for N = 30
        training_row(3, end_date="2023-03-10", entered_on="2023-07-20"),  # 132 days, after the as-of date
        training_row(4, end_date="2023-06-20", entered_on="2023-06-25"),  # its 30 days have not passed yet
        training_row(5, status="enrolled", end_date="2023-03-10", entered_on="2023-03-01"),  # not completed
        training_row(6, county_code=LISHI, institution_id="JG002", end_date="2023-04-01", entered_on="2023-04-03"),
        training_row(7, county_code=LISHI, institution_id="JG002", end_date="2023-04-01", entered_on="2023-04-05"),
        training_row(8, end_date="2022-03-10", entered_on="2022-09-10"),  # another year
    ]
    return Runner(write_extracts(tmp_path_factory.mktemp("timeliness"), rows, []))


def test_county_league_share_median_and_late_entries_003(runner):
    league = timeliness.league(runner, AS_OF, "county", year=2023).set_index("county_code")
    liulin, lishi = league.loc[LIULIN], league.loc[LISHI]
    assert (liulin.completed, liulin.due, liulin.timely, liulin.late) == (4, 3, 1, 1)
    assert liulin.timely_pct == pytest.approx(100 / 3, abs=1e-3)
    assert liulin.median_lag == 5  # of 2, 41 and 5 days; the record entered after the as-of date is not known yet
    assert (lishi.timely_pct, lishi.median_lag, lishi.late) == (100, 3, 0)
    assert (lishi["rank"], liulin["rank"]) == (1, 2) and liulin.ranked_units == 2
    assert liulin.city_name == "吕梁市" and liulin.county_name == "柳林县"


def test_late_entries_are_the_compliance_checks_own_definition_003(runner):
    for county in (LIULIN, LISHI, None):
        checked = runner.run("compliance_late_entry", as_of=AS_OF, year=2023, county=county)
        figures = timeliness.unit_figures(runner, AS_OF, county or "140000", year=2023)
        assert figures["late"] == len(checked)
    all_years = runner.run("compliance_late_entry", as_of=AS_OF)
    assert len(all_years) == 2 and timeliness.unit_figures(runner, AS_OF, LIULIN)["late"] == 2


def test_institution_league_and_a_city_among_cities_003(runner):
    inst = timeliness.league(runner, AS_OF, "institution", year=2023).set_index("institution_id")
    assert list(inst.index) == ["JG002", "JG001"] and inst.loc["JG001", "timely"] == 1
    assert list(timeliness.league(runner, AS_OF, "institution", year=2023, min_completed=3)["institution_id"]) == [
        "JG001"
    ]
    city = timeliness.unit_figures(runner, AS_OF, "141100", year=2023)
    assert (city["completed"], city["due"], city["timely"], city["late"]) == (6, 5, 3, 1)
    assert city["timely_pct"] == 60 and (city["rank"], city["ranked_units"]) == (1, 1)
    assert timeliness.unit_figures(runner, AS_OF, "U01") is None  # a school is not a region


def test_the_window_is_an_office_setting_003(runner, tmp_path, monkeypatch):
    conf = tmp_path / "settings.toml"
    conf.write_text("[timeliness]\ndays = 45\n", encoding="utf-8")
    monkeypatch.setenv("SKILLS_SETTINGS_FILE", str(conf))
    assert timeliness.window_days() == 45
    liulin = timeliness.league(runner, AS_OF, "county", year=2023).set_index("county_code").loc[LIULIN]
    assert (liulin.due, liulin.timely) == (3, 2)  # 41 days is in time within 45
